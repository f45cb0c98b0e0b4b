"""Ideas of a running challenge (tallies hidden) are shown with their challenge, in the order
each person gets, instead of sorting last under "Top" as if nobody had voted for them; live,
too: an idea arriving goes into its challenge's group where a reload puts it, and the first
idea of a challenge opens its group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from board.ideas import shuffle_rank
from tests.browser.helpers import unique, unique_name, wait_until_live, watched_page

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


# The ideas part of the board: each challenge group (its challenge, count and ideas, in
# the order shown), whether the other ideas have their heading, and the other ideas.
IDEAS_PART_JS = """section => ({
  groups: [...section.querySelectorAll(".challenge-group")].map(group => ({
    challenge: Number(group.querySelector("[data-challenge-ideas]").dataset.challengeIdeas),
    labelled: group.getAttribute("aria-labelledby") === group.querySelector("h3").id,
    head: group.querySelector("h3").textContent.replace(/\\s+/g, " ").trim(),
    ideas: [...group.querySelectorAll(".idea-card")].map(card => Number(card.dataset.ideaId)),
  })),
  other_ideas_heading: !!section.querySelector("#other-ideas-heading + #idea-list"),
  others: [...section.querySelectorAll("#idea-list .idea-card")].map(c => Number(c.dataset.ideaId)),
  count: section.querySelector("#idea-count").textContent.trim(),
})"""


def post_through_the_board(page, path: str, title: str, tag: str, challenge_title: str) -> None:
    """Post an idea answering a challenge with the board's own form, as a person does."""
    page.goto(path)
    page.get_by_role("button", name="Post an idea").click()
    form = page.locator("#new-idea form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Tags").fill(tag)
    form.get_by_label("Answers a prompt?").select_option(label=challenge_title)
    with page.expect_navigation():
        form.get_by_role("button", name="Post idea").click()
    expect(page.locator(".flash-success")).to_have_text("Your idea is on the board.")


def test_a_challenges_first_idea_arriving_live_opens_its_group_where_a_reload_puts_it(
    person, api_as, new_context
):
    """The first idea of a running challenge with hidden tallies went into the main list,
    as if unvoted, until a reload put it into its challenge's group: its group opens live
    now, among the other groups in the order of their challenges (newest first), also for
    a challenge posted while the board is open; and an idea of a challenge that has a
    group goes where the reader's own order puts it, not last."""
    facilitator = api_as(person("facilitator", "Communications"))
    oldest = post_challenge(facilitator, title="Trail launch", hide_tallies=True)
    middle = post_challenge(facilitator, title="Store windows", hide_tallies=True)
    newest = post_challenge(facilitator, title="Hut stories", hide_tallies=True)
    tag = unique_name("firstidea").lower()
    author = api_as(person("member", "Marketing"))
    for n in range(5):
        author.post_idea(f"Trail idea {n}", tags=[tag], prompt_id=oldest["id"])
    author.post_idea("Hut story", tags=[tag], prompt_id=newest["id"])
    free = author.post_idea(unique("A free idea"), tags=[tag])

    path = f"/?sort=top&tag={tag}"
    reader = person("member", "IT")
    watching = watched_page(new_context(reader))
    watching.goto(path)
    wait_until_live(watching)
    section = watching.locator("#ideas")
    before = section.evaluate(IDEAS_PART_JS)
    assert [g["challenge"] for g in before["groups"]] == [newest["id"], oldest["id"]]
    assert before["others"] == [free["id"]]
    acting = watched_page(new_context(person("member", "Sales")))

    # the middle challenge's first idea: its group opens between the other two
    post_through_the_board(acting, path, unique("Window idea"), tag, middle["title"])
    groups = watching.locator(".challenge-group")
    expect(groups).to_have_count(3)
    live = section.evaluate(IDEAS_PART_JS)
    assert [g["challenge"] for g in live["groups"]] == [newest["id"], middle["id"], oldest["id"]]
    assert live["others"] == [free["id"]] and live["count"] == "1"
    watching.reload()
    assert section.evaluate(IDEAS_PART_JS) == live

    # a challenge posted while the board is open, and its first idea: the topmost group
    wait_until_live(watching)
    latest = post_challenge(facilitator, title="Summit selfies", hide_tallies=True)
    expect(watching.locator(f'#strip-list [data-prompt-id="{latest["id"]}"]')).to_be_attached()
    post_through_the_board(acting, path, unique("Selfie idea"), tag, latest["title"])
    expect(groups).to_have_count(4)
    expect(groups.first.locator("[data-challenge-ideas]")).to_have_attribute(
        "data-challenge-ideas", str(latest["id"])
    )
    # three more ideas for the oldest: each where the reader's own order puts it
    for n in range(3):
        post_through_the_board(acting, path, unique(f"Late trail idea {n}"), tag, oldest["title"])
    trail = watching.locator(f'[data-challenge-ideas="{oldest["id"]}"] .idea-card')
    expect(trail).to_have_count(8)
    live = section.evaluate(IDEAS_PART_JS)
    shown = live["groups"][-1]["ideas"]
    ranks = [(shuffle_rank(reader.id, oldest["id"], idea), idea) for idea in shown]
    assert ranks == sorted(ranks, reverse=True), "the reader's own order"
    assert live["groups"][-1]["head"].endswith("8")
    watching.reload()
    assert section.evaluate(IDEAS_PART_JS) == live
    assert watching.js_errors == [] and acting.js_errors == []
