"""Ideas of a running challenge (tallies hidden) are shown with their challenge, in the order
each person gets, instead of sorting last under "Top" as if nobody had voted for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique, unique_name, wait_until_live

pytestmark = pytest.mark.browser


def post_challenge(facilitator, title: str, **fields) -> dict:
    """A challenge taking ideas for three days, then votes for three more."""
    now = datetime.now(UTC)
    body = {
        "kind": "challenge",
        "title": unique(title),
        "submissions_close_at": (now + timedelta(days=3)).isoformat(),
        "voting_close_at": (now + timedelta(days=6)).isoformat(),
        **fields,
    }
    return facilitator.call("POST", "prompts", body, expect=201)


def test_challenge_ideas_are_grouped_with_their_challenge(person, api_as, open_page):
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")),
        title="Our best idea for the trail-shoe launch",
        body="Three votes each; the tallies stay hidden until it closes.",
    )
    tag = unique_name("launch").lower()
    author = api_as(person("member", "Marketing"))
    entries = [
        author.post_idea(f"Launch idea {n}", tags=[tag], prompt_id=challenge["id"])
        for n in range(8)
    ]
    free = author.post_idea(unique("A free idea with votes"), tags=[tag])
    author.vote(free["id"])

    readers = [person("member", "IT"), person("member", "Sales")]
    orders = []
    for reader in readers:
        page = open_page(reader, f"/?sort=top&tag={tag}")
        group = page.locator(f'[data-challenge-ideas="{challenge["id"]}"]')
        expect(group.locator(".idea-card")).to_have_count(8)
        expect(page.locator(".challenge-group-head")).to_contain_text(challenge["title"])
        # The main list has only the free idea: the challenge's are not last under "Top".
        expect(page.locator("#idea-list .idea-card")).to_have_count(1)
        expect(page.locator("#idea-list .idea-card")).to_contain_text(free["title"])
        shown = [
            int(i)
            for i in group.locator(".idea-card").evaluate_all(
                "cards => cards.map(c => c.dataset.ideaId)"
            )
        ]
        # The person's own order, the same the API gives them for the challenge.
        answer = api_as(reader).call("GET", f"ideas?prompt_id={challenge['id']}", expect=200)
        assert shown == [idea["id"] for idea in answer["items"]]
        # no number while the tallies are hidden; the card's support line says why, once
        expect(group.locator('[data-field="votes"]').first).to_be_hidden()
        expect(group.locator('[data-field="departments"]').first).to_have_text(
            "Tallies hidden until the challenge closes"
        )
        orders.append(shown)
    assert sorted(orders[0]) == sorted(idea["id"] for idea in entries)
    assert orders[0] != orders[1]  # each person their own order (8! orders: never equal by chance)

    # A new entry arrives live in its challenge's group, not in the main list.
    page = open_page(readers[0], f"/?sort=top&tag={tag}")
    wait_until_live(page)
    head = page.locator(".challenge-group-head").filter(has_text=challenge["title"])
    expect(head.locator('[data-field="count"]')).to_have_text("8")
    late = author.post_idea("Launch idea, late", tags=[tag], prompt_id=challenge["id"])
    group = page.locator(f'[data-challenge-ideas="{challenge["id"]}"]')
    expect(group.locator(f'.idea-card[data-idea-id="{late["id"]}"]')).to_have_count(1)
    expect(page.locator("#idea-list .idea-card")).to_have_count(1)
    expect(head.locator('[data-field="count"]')).to_have_text("9")  # the head counts it too


# Where the head's count sits against its title: the title's last line (a rectangle of the
# link's text), the count's box, and how many lines the title took.
COUNT_BESIDE_TITLE_JS = """head => {
  const lines = [...head.querySelector("a").getClientRects()].filter(r => r.width > 0);
  const last = lines[lines.length - 1];
  const count = head.querySelector("[data-field=count]").getBoundingClientRect();
  const middle = (count.top + count.bottom) / 2;
  return {lines: lines.length, on_last_line: middle > last.top && middle < last.bottom,
          after_title: count.left >= last.right - 1, inside: count.right <= innerWidth};
}"""


@pytest.mark.parametrize(
    ("width", "title"),
    [
        # fills a line of the board's idea column at 1280 px, as the demo's challenge did
        (1280, "Our Instagram & TikTok idea for the Kammläufer trail-shoe launch, part"),
        (1280, "Unsere Instagram- und TikTok-Idee zum Launch des Kammläufer-Trailschuhs"),
        (360, "Unsere Instagram- und TikTok-Idee zum Launch des Kammläufer-Trailschuhs?"),
    ],
    ids=["desktop-en", "desktop-de", "phone-de"],
)
def test_a_challenge_groups_count_stays_beside_its_title(person, api_as, open_page, width, title):
    """The count of a challenge group's ideas dropped onto a line of its own below a long
    title: it follows the title's last word now, at any width."""
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")), title=title, hide_tallies=True
    )
    tag = unique_name("group").lower()
    api_as(person("member", "Marketing")).post_idea(
        "Trail reel", tags=[tag], prompt_id=challenge["id"]
    )
    page = open_page(
        person("member", "IT"), f"/?tag={tag}", viewport={"width": width, "height": 800}
    )
    head = page.locator(".challenge-group-head").filter(has_text=challenge["title"])
    expect(head.locator('[data-field="count"]')).to_have_text("1")
    # Every place a line can end: the title grows a letter at a time, in words of six.
    title_now = challenge["title"]
    for letter in "." + " trails" * 8:
        if not title_now.endswith(" "):  # a title ends in a letter, not a space
            where = head.evaluate(COUNT_BESIDE_TITLE_JS)
            assert where["on_last_line"] and where["after_title"] and where["inside"], (
                title_now,
                where,
            )
        title_now += letter
        head.locator("a").evaluate("(a, title) => { a.textContent = title }", title_now)
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width


def test_an_idea_withdrawn_elsewhere_leaves_its_challenge_group_live(person, api_as, open_page):
    """A withdrawn idea of a running challenge with hidden tallies stayed in its group on
    the board until a reload: it leaves, the group's count follows, and the group goes
    with its last idea, as on a reload."""
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")), title="Trail launch", hide_tallies=True
    )
    tag = unique_name("withdrawn").lower()
    author = api_as(person("member", "Marketing"))
    first, second = (
        author.post_idea(f"Trail idea {n}", tags=[tag], prompt_id=challenge["id"]) for n in range(2)
    )
    page = open_page(person("member", "IT"), f"/?sort=top&tag={tag}")
    wait_until_live(page)
    group = page.locator(f'[data-challenge-ideas="{challenge["id"]}"]')
    head = page.locator(".challenge-group-head").filter(has_text=challenge["title"])
    expect(head.locator('[data-field="count"]')).to_have_text("2")

    author.call("POST", f"ideas/{first['id']}/withdraw", expect=200)
    expect(group.locator(f'.idea-card[data-idea-id="{first["id"]}"]')).to_have_count(0)
    expect(head.locator('[data-field="count"]')).to_have_text("1")
    author.call("POST", f"ideas/{second['id']}/withdraw", expect=200)
    expect(page.locator(".challenge-group")).to_have_count(0)
    expect(page.locator("#other-ideas-heading")).to_have_count(0)

    page.reload()  # the server shows the same: no group without ideas
    expect(page.locator("#idea-list")).to_be_attached()
    expect(page.locator(".challenge-group")).to_have_count(0)
    assert page.js_errors == []
