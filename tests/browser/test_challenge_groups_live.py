"""The board's challenge groups, live all the way: a challenge that closes gives its ideas
back to the main list, where the board's order puts them, with their tallies, and its
group goes; edits and moderation of a grouped idea show at once, without its tallies; the
"No ideas yet" line says so only when the board shows no idea at all. And a challenge's
own page counts live votes in its "N votes · M departments" lines while tallies show.

Each test compares the open page with what a reload shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    Api,
    browser_context,
    unique,
    unique_name,
    wait_until_live,
    watched_page,
)
from tests.browser.test_challenge_ideas import post_challenge

pytestmark = pytest.mark.browser

PEOPLE = [
    ("fia@example.com", "Fia Facil", "Communications", "facilitator"),
    ("lea@example.com", "Lea Leser", "IT", "member"),
    ("ben@example.com", "Ben Autor", "Marketing", "member"),
    ("sue@example.com", "Sue Sales", "Sales", "member"),
    ("hal@example.com", "Hal Hilfe", "Support", "member"),
    ("olli@example.com", "Olli Oben", "Sales", "observer"),
]


@pytest.fixture(scope="module")
def quick_board(own_board):
    """A board of this module's own that looks for phase changes every second."""
    return own_board(PEOPLE, env={"BOARD_PHASE_CHECK_SECONDS": "1"})


def api(board, email: str) -> Api:
    return Api(board, board.people[email])


def open_as(board, browser, email: str, path: str, language: str = "en", width: int = 1280):
    """`email`'s browser, in `language` and `width` px, on `path`, live."""
    api(board, email).call("PATCH", "me", {"language": language}, expect=200)
    context = browser_context(
        browser, board.url, board.people[email], viewport={"width": width, "height": 900}
    )
    page = watched_page(context)
    page.goto(path)
    wait_until_live(page)
    return page


def close_now(board, prompt_id: int) -> None:
    """The challenge's deadlines a minute ago: the board's scheduler closes it."""
    from datetime import UTC, datetime, timedelta

    from board.db import Database
    from models import Prompt

    database = Database(board.database_url)
    try:
        with database.Session() as session:
            prompt = session.get(Prompt, prompt_id)
            prompt.submissions_close_at = datetime.now(UTC) - timedelta(minutes=2)
            prompt.voting_close_at = datetime.now(UTC) - timedelta(minutes=1)
            session.commit()
    finally:
        database.dispose()


# The ideas part of the board as a reader sees it: each group (its challenge, count and
# cards), the other ideas, their count, and the empty-state line if it shows. A card: its
# id, title, excerpt, the hidden line, the number in its vote box, and its support line.
IDEAS_JS = """section => {
  const shown = (element) => element && element.offsetParent !== null && !element.closest("[hidden]");
  const text = (element) => shown(element) ? element.textContent.replace(/\\s+/g, " ").trim() : null;
  const card = (c) => ({
    id: Number(c.dataset.ideaId),
    title: text(c.querySelector("[data-field=title]")),
    excerpt: text(c.querySelector("[data-field=excerpt]")),
    hidden: text(c.querySelector("[data-field=hidden]")),
    votes: text(c.querySelector("[data-field=votes]")),
    support: text(c.querySelector("[data-field=departments]")),
  });
  const empty = section.querySelector("#ideas-empty");
  return {
    groups: [...section.querySelectorAll(".challenge-group")].map(group => ({
      challenge: Number(group.querySelector("[data-challenge-ideas]").dataset.challengeIdeas),
      count: text(group.querySelector(".challenge-group-head [data-field=count]")),
      ideas: [...group.querySelectorAll(".idea-card")].map(card),
    })),
    other_ideas_heading: !!section.querySelector("#other-ideas-heading"),
    others: [...section.querySelectorAll("#idea-list .idea-card")].map(card),
    count: section.querySelector("#idea-count").textContent.trim(),
    empty: empty.hidden ? null : empty.textContent.replace(/\\s+/g, " ").trim(),
  };
}"""


def ideas_part(page) -> dict:
    return page.locator("#ideas").evaluate(IDEAS_JS)


def same_after_reload(page) -> dict:
    """The ideas part now, asserted to be what a reload shows."""
    live = ideas_part(page)
    page.reload()
    wait_until_live(page)
    assert ideas_part(page) == live
    return live


def test_a_closed_challenge_gives_its_ideas_back_to_the_board_live(quick_board, browser):
    """A challenge that closed kept its group on an open board, its ideas in their hidden
    order without tallies, until a reload. Now its ideas leave the group for the main list
    where the board's order puts them (by votes for "Top", by heat for "Hot"), with their
    tallies, and the group goes: for a member at 1280 px in English and an observer on a
    phone in German, as their reloads show it."""
    board = quick_board
    challenge = post_challenge(
        api(board, "fia@example.com"), title="Trail launch", hide_tallies=True
    )
    tag = unique_name("closing").lower()
    ben = api(board, "ben@example.com")
    entries = [
        ben.post_idea(unique(f"Trail idea {n}"), tags=[tag], prompt_id=challenge["id"])
        for n in range(3)
    ]
    free = ben.post_idea(unique("Free idea with votes"), tags=[tag])
    quiet = ben.post_idea(unique("Free idea without votes"), tags=[tag])
    voters = [
        api(board, email) for email in ("lea@example.com", "sue@example.com", "hal@example.com")
    ]
    for voter in voters:
        voter.vote(entries[0]["id"])
    for voter in voters[:2]:
        voter.vote(free["id"])
    voters[2].vote(entries[1]["id"])

    lea = open_as(board, browser, "lea@example.com", f"/?sort=top&tag={tag}")
    olli = open_as(board, browser, "olli@example.com", f"/?sort=hot&tag={tag}", "de", 360)
    try:
        for page in (lea, olli):
            before = ideas_part(page)
            assert [g["challenge"] for g in before["groups"]] == [challenge["id"]]
            assert {card["votes"] for card in before["groups"][0]["ideas"]} == {None}
            assert [card["id"] for card in before["others"]] in (
                [free["id"], quiet["id"]],
                [quiet["id"], free["id"]],
            )

        close_now(board, challenge["id"])
        for page in (lea, olli):
            expect(page.locator(".challenge-group")).to_have_count(0)
            expect(page.locator("#idea-list .idea-card")).to_have_count(5)
        live = same_after_reload(lea)
        # "Top": most votes first, then the newest among the unvoted
        assert [card["id"] for card in live["others"]] == [
            entries[0]["id"],
            free["id"],
            entries[1]["id"],
            quiet["id"],
            entries[2]["id"],
        ]
        assert [card["votes"] for card in live["others"]] == ["3", "2", "1", "0", "0"]
        assert live["count"] == "5" and live["empty"] is None
        assert not live["other_ideas_heading"]
        german = same_after_reload(olli)
        assert german["others"][0]["support"] == "unterstützt von 3 Abteilungen"
        assert olli.evaluate("() => document.documentElement.scrollWidth") <= 360
        assert lea.js_errors == [] and olli.js_errors == []
    finally:
        lea.context.close()
        olli.context.close()


def test_a_closed_challenge_leaves_its_group_also_when_the_board_cannot_ask_its_order(
    quick_board, browser
):
    """When the board's order cannot be fetched at the close (the network went), the
    ideas leave their group all the same, placed by the votes they show, newest first
    among equals; for "Top" with different tallies that is where a reload puts them."""
    board = quick_board
    challenge = post_challenge(
        api(board, "fia@example.com"), title="Hut stories", hide_tallies=True
    )
    tag = unique_name("offline").lower()
    ben = api(board, "ben@example.com")
    entries = [
        ben.post_idea(unique(f"Hut story {n}"), tags=[tag], prompt_id=challenge["id"])
        for n in range(2)
    ]
    free = ben.post_idea(unique("Free idea"), tags=[tag])
    api(board, "lea@example.com").vote(free["id"])
    for email in ("lea@example.com", "sue@example.com"):
        api(board, email).vote(entries[1]["id"])

    hal = open_as(board, browser, "hal@example.com", f"/?sort=top&tag={tag}")
    try:
        refused = []
        hal.route(
            "**/api/v1/ideas?*", lambda route: refused.append(route.request.url) or route.abort()
        )
        close_now(board, challenge["id"])
        expect(hal.locator(".challenge-group")).to_have_count(0)
        expect(hal.locator("#idea-list .idea-card")).to_have_count(3)
        live = ideas_part(hal)
        assert [card["id"] for card in live["others"]] == [
            entries[1]["id"],
            free["id"],
            entries[0]["id"],
        ]
        assert [card["votes"] for card in live["others"]] == ["2", "1", "0"]
        assert refused, "the board asked for its order"
        hal.unroute("**/api/v1/ideas?*")
        assert same_after_reload(hal) == live
        assert hal.js_errors == []
    finally:
        hal.context.close()


def test_a_closed_challenge_brings_the_ideas_its_group_did_not_show(quick_board, browser):
    """A group shows a challenge's first 50 ideas ("50+"); when the challenge closes, the
    main list takes all of them, in the board's order, not only the 50 shown. (A reload
    shows the first 50 of them and the rest behind "Show more ideas".)"""
    board = quick_board
    challenge = post_challenge(api(board, "fia@example.com"), title="Many huts", hide_tallies=True)
    tag = unique_name("many").lower()
    ben = api(board, "ben@example.com")
    posted = [ben.post_idea(f"Hut {n}", tags=[tag], prompt_id=challenge["id"]) for n in range(51)]

    lea = open_as(board, browser, "lea@example.com", f"/?sort=new&tag={tag}")
    try:
        expect(lea.locator(".challenge-group-head [data-field=count]")).to_have_text("50+")
        close_now(board, challenge["id"])
        expect(lea.locator(".challenge-group")).to_have_count(0)
        expect(lea.locator("#idea-list .idea-card")).to_have_count(51)
        live = ideas_part(lea)
        assert [card["id"] for card in live["others"]] == [idea["id"] for idea in reversed(posted)]
        assert live["count"] == "51" and live["empty"] is None
        lea.reload()
        reloaded = ideas_part(lea)
        assert reloaded["others"] == live["others"][:50] and reloaded["groups"] == []
        expect(lea.locator("#more-ideas")).to_be_attached()
        assert lea.js_errors == []
    finally:
        lea.context.close()


def test_edits_and_moderation_of_a_grouped_idea_show_live_without_its_tallies(quick_board, browser):
    """An idea in a challenge's group kept its old title and text after its author edited
    it, and its words after the facilitator hid it, until a reload; the main list's cards
    followed. Now the grouped card follows too (edited, hidden, shown again), and its
    tallies stay hidden all along. The facilitator, who keeps reading a hidden idea's
    words, sees why it is hidden at once too (on either list), as a reload shows it."""
    board = quick_board
    challenge = post_challenge(
        api(board, "fia@example.com"), title="Store windows", hide_tallies=True
    )
    tag = unique_name("grouped").lower()
    ben = api(board, "ben@example.com")
    idea = ben.post_idea(
        unique("Window idea"), "Shoes in the window.", tags=[tag], prompt_id=challenge["id"]
    )
    other = ben.post_idea(unique("Window idea, too"), tags=[tag], prompt_id=challenge["id"])
    api(board, "sue@example.com").vote(idea["id"])

    lea = open_as(board, browser, "lea@example.com", f"/?tag={tag}")
    olli = open_as(board, browser, "olli@example.com", f"/?tag={tag}", "de", 360)
    sam = open_as(board, browser, "fia@example.com", f"/?tag={tag}")
    card = lea.locator(
        f'[data-challenge-ideas="{challenge["id"]}"] .idea-card[data-idea-id="{idea["id"]}"]'
    )
    german = olli.locator(
        f'[data-challenge-ideas="{challenge["id"]}"] .idea-card[data-idea-id="{idea["id"]}"]'
    )
    try:
        edited = unique("Window idea, edited")
        ben.call(
            "PATCH",
            f"ideas/{idea['id']}",
            {"title": edited, "body": "Tents in the window."},
            expect=200,
        )
        for shown in (card, german):
            expect(shown.locator("[data-field=title]")).to_have_text(edited)
            expect(shown.locator("[data-field=excerpt]")).to_have_text("Tents in the window.")
            expect(shown.locator("[data-field=votes]")).to_be_hidden()
        expect(card.locator("[data-field=departments]")).to_have_text(
            "Tallies hidden until the challenge closes"
        )
        same_after_reload(lea)

        fia = api(board, "fia@example.com")
        fia.call("PUT", f"ideas/{idea['id']}/hidden", {"reason": "a shop's name"}, expect=200)
        expect(card.locator("[data-field=hidden]")).to_have_text(
            "Hidden by the facilitator: a shop's name"
        )
        expect(card.locator("[data-field=title]")).to_have_text("Hidden idea")
        expect(card.locator("[data-field=excerpt]")).to_have_text("")
        expect(german.locator("[data-field=hidden]")).to_have_text(
            "Von der Moderation ausgeblendet: a shop's name"
        )
        expect(card.locator("[data-field=votes]")).to_be_hidden()
        own = sam.locator(f'.idea-card[data-idea-id="{idea["id"]}"]')
        expect(own.locator("[data-field=hidden]")).to_have_text(
            "Hidden by the facilitator: a shop's name"
        )
        expect(own.locator("[data-field=title]")).to_have_text(edited)
        for page in (lea, olli, sam):
            same_after_reload(page)

        fia.call("DELETE", f"ideas/{idea['id']}/hidden", expect=200)
        for shown in (card, german):
            expect(shown.locator("[data-field=title]")).to_have_text(edited)
            expect(shown.locator("[data-field=hidden]")).to_be_hidden()
            expect(shown.locator("[data-field=votes]")).to_be_hidden()
        live = same_after_reload(lea)
        assert [c["id"] for c in live["groups"][0]["ideas"]] in (
            [idea["id"], other["id"]],
            [other["id"], idea["id"]],
        )
        assert {c["votes"] for c in live["groups"][0]["ideas"]} == {None}
        assert lea.js_errors == [] and olli.js_errors == [] and sam.js_errors == []
    finally:
        for page in (lea, olli, sam):
            page.context.close()


def test_no_ideas_yet_shows_only_while_the_board_shows_no_idea(own_board, browser):
    """ "No ideas yet" stood under the groups when only challenges had ideas, at load and
    live. Now it shows only while no idea is on the board at all: it goes when an idea
    comes (into a group or the main list), comes back when the last one is withdrawn, and
    stays away when a closed challenge's ideas move from their group to the main list."""
    board = own_board(PEOPLE, env={"BOARD_PHASE_CHECK_SECONDS": "1"})
    challenge = post_challenge(
        api(board, "fia@example.com"), title="Hut stories", hide_tallies=True
    )
    ben = api(board, "ben@example.com")
    first = ben.post_idea("Hut story", prompt_id=challenge["id"])

    lea = open_as(board, browser, "lea@example.com", "/")
    empty = lea.locator("#ideas-empty")
    try:
        expect(lea.locator(".challenge-group .idea-card")).to_have_count(1)
        expect(empty).to_be_hidden()  # at load: the group holds an idea

        ben.call("POST", f"ideas/{first['id']}/withdraw", expect=200)
        expect(lea.locator(".challenge-group")).to_have_count(0)
        expect(empty).to_have_text("No ideas yet. Be the first!")
        assert same_after_reload(lea)["empty"] == "No ideas yet. Be the first!"

        second = ben.post_idea("Another hut story", prompt_id=challenge["id"])
        expect(lea.locator(".challenge-group .idea-card")).to_have_count(1)
        expect(empty).to_be_hidden()  # an idea came into a group
        same_after_reload(lea)

        free = ben.post_idea("A free idea")
        ben.call("POST", f"ideas/{second['id']}/withdraw", expect=200)
        expect(lea.locator(".challenge-group")).to_have_count(0)
        expect(empty).to_be_hidden()  # the free idea is still there
        ben.call("POST", f"ideas/{free['id']}/withdraw", expect=200)
        expect(empty).to_be_visible()
        same_after_reload(lea)

        third = ben.post_idea("A third hut story", prompt_id=challenge["id"])
        expect(empty).to_be_hidden()
        close_now(board, challenge["id"])
        expect(lea.locator(".challenge-group")).to_have_count(0)
        expect(lea.locator(f'#idea-list .idea-card[data-idea-id="{third["id"]}"]')).to_be_visible()
        expect(empty).to_be_hidden()  # moved out of its group, still on the board
        live = same_after_reload(lea)
        assert live["count"] == "1" and live["empty"] is None
        assert lea.js_errors == []
    finally:
        lea.context.close()


@pytest.mark.parametrize(
    ("language", "line"), [("en", "1 vote · 1 department"), ("de", "1 Stimme · 1 Abteilung")]
)
def test_a_challenge_pages_votes_lines_follow_live_votes(quick_board, browser, language, line):
    """A challenge whose tallies show: its page's "N votes · M departments" lines stayed at
    the numbers of its loading while people voted. They follow every vote now, as a reload
    shows them; a challenge whose tallies are hidden still shows none."""
    board = quick_board
    fia = api(board, "fia@example.com")
    shown = post_challenge(fia, title="Open tallies", hide_tallies=False)
    hidden = post_challenge(fia, title="Hidden tallies", hide_tallies=True)
    ben = api(board, "ben@example.com")
    idea = ben.post_idea(unique("Summit selfies"), prompt_id=shown["id"])
    secret = ben.post_idea(unique("Hut selfies"), prompt_id=hidden["id"])

    olli = open_as(board, browser, "olli@example.com", f"/prompts/{shown['id']}", language, 360)
    lea = open_as(board, browser, "lea@example.com", f"/prompts/{hidden['id']}", language)
    tally = olli.locator(f"#idea-{idea['id']} [data-field=tally]")
    zero = "0 votes · 0 departments" if language == "en" else "0 Stimmen · 0 Abteilungen"
    two = "2 votes · 2 departments" if language == "en" else "2 Stimmen · 2 Abteilungen"
    try:
        expect(tally).to_have_text(zero)
        api(board, "sue@example.com").vote(idea["id"])
        expect(tally).to_have_text(line)
        api(board, "hal@example.com").vote(idea["id"])
        expect(tally).to_have_text(two)
        olli.reload()
        expect(tally).to_have_text(two)
        wait_until_live(olli)
        api(board, "hal@example.com").call("DELETE", f"ideas/{idea['id']}/vote", expect=200)
        expect(tally).to_have_text(line)
        expect(olli.locator(f"#idea-{idea['id']}")).to_have_attribute("data-votes", "1")

        # hidden tallies: a vote shows nothing, live or after a reload
        api(board, "sue@example.com").vote(secret["id"])
        api(board, "hal@example.com").vote(idea["id"])  # a later event: the first one was applied
        expect(tally).to_have_text(two)
        seen = olli.evaluate("() => window.taskForceLive.lastSeq")
        lea.wait_for_function("seen => window.taskForceLive.lastSeq >= seen", arg=seen)
        item = lea.locator(f"#idea-{secret['id']}")
        expect(item.locator("[data-field=tally]")).to_have_count(0)
        expect(item).not_to_have_attribute("data-votes", "1")
        assert olli.evaluate("() => document.documentElement.scrollWidth") <= 360
        assert olli.js_errors == [] and lea.js_errors == []
    finally:
        olli.context.close()
        lea.context.close()
