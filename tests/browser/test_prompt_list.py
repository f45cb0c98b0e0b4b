"""The prompts page counts each prompt's ideas, and follows ideas arriving and withdrawn
live, in the reader's language; so does the board's strip of current prompts. A prompt
posted while the list is open joins it, and a challenge's card follows its phase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import Api, browser_context, unique, wait_until_live, watched_page

pytestmark = pytest.mark.browser

WORDS = {"en": ("0 ideas", "1 idea", "2 ideas"), "de": ("0 Ideen", "1 Idee", "2 Ideen")}


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_prompts_idea_count_follows_its_ideas_live(person, api_as, open_page, language):
    prompt = api_as(person("facilitator", "Communications")).call(
        "POST", "prompts", {"kind": "prompt", "title": unique("What do customers ask?")}, 201
    )
    reader = person("member", "IT")
    api_as(reader).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(reader, "/prompts")
    wait_until_live(page)
    badge = page.locator(f'[data-prompt-ideas="{prompt["id"]}"]')
    none, one, two = WORDS[language]
    expect(badge).to_have_text(none)

    author = api_as(person("member", "Marketing"))
    first = author.post_idea(unique("Sizing FAQ"), prompt_id=prompt["id"])
    expect(badge).to_have_text(one)
    author.post_idea(unique("Returns FAQ"), prompt_id=prompt["id"])
    expect(badge).to_have_text(two)
    author.post_idea(unique("A free idea"))  # answers no prompt: nothing changes
    author.call("POST", f"ideas/{first['id']}/withdraw", expect=200)
    expect(badge).to_have_text(one)

    page.reload()  # the server counts the same
    expect(page.locator(f'[data-prompt-ideas="{prompt["id"]}"]')).to_have_text(one)
    assert page.js_errors == []


# A card's markup with what a live one and a loaded one may differ in left out: the
# highlight's class and whitespace between tags.
CARD_HTML_JS = """card => card.outerHTML
  .replace(/ ?just-changed/g, "").replace(/ class=""/g, "").replace(/>\\s+</g, "><").trim()"""


def posted(kind: str) -> dict:
    """A prompt with a Markdown text, or a challenge without one, as the facilitator posts it."""
    if kind == "prompt":
        return {"kind": "prompt", "body": "What do **customers** ask about <b>sizes</b>?"}
    now = datetime.now(UTC)
    return {
        "kind": "challenge",
        "body": "",
        "votes_per_person": 2,
        # an hour past three days: "in 3 days" on both sides of a slow test
        "submissions_close_at": (now + timedelta(days=3, hours=1)).isoformat(),
        "voting_close_at": (now + timedelta(days=5)).isoformat(),
    }


@pytest.mark.parametrize("kind", ["prompt", "challenge"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_a_prompt_posted_elsewhere_joins_the_prompt_list_live(
    person, api_as, open_page, language, kind
):
    """The list said only "a new prompt" in a toast: the prompt's card arrives at its top,
    as the server renders it on a reload, its title as text, and counts its ideas from 0."""
    reader = person("member", "IT")
    api_as(reader).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(reader, "/prompts")
    wait_until_live(page)
    title = unique("<i>Sizing</i> & fit")
    prompt = api_as(person("facilitator", "Communications")).call(
        "POST", "prompts", {**posted(kind), "title": title}, 201
    )
    card = page.locator(f'.prompt-card[data-prompt-id="{prompt["id"]}"]')
    expect(card).to_be_visible()
    expect(page.locator("#prompt-list > li").first.locator(".prompt-card")).to_have_attribute(
        "data-prompt-id", str(prompt["id"])
    )
    expect(card.get_by_role("link", name=title)).to_have_attribute(
        "href", f"/prompts/{prompt['id']}"
    )
    none, one, _two = WORDS[language]
    badge = card.locator(f'[data-prompt-ideas="{prompt["id"]}"]')
    expect(badge).to_have_text(none)
    # the card says it: no toast of its title (the inbox's own notification may come)
    expect(page.locator("#toasts .toast", has_text="→")).to_have_count(0)
    live = card.evaluate(CARD_HTML_JS)

    api_as(person("member", "Marketing")).post_idea(unique("Size chart"), prompt_id=prompt["id"])
    expect(badge).to_have_text(one)

    page.reload()
    loaded = page.locator(f'.prompt-card[data-prompt-id="{prompt["id"]}"]')
    expect(loaded.locator("[data-prompt-ideas]")).to_have_text(one)
    assert live == loaded.evaluate(CARD_HTML_JS).replace(
        f'data-count="1">{one}<', f'data-count="0">{none}<'
    )
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    assert page.js_errors == []


def test_the_boards_strip_counts_each_prompts_ideas_live(person, api_as, open_page):
    """The board's "Now on the board" strip listed prompts without their ideas: each card
    counts them as the prompt list does, from 0 for a prompt that arrives live."""
    page = open_page(person("member", "IT"), "/")
    wait_until_live(page)
    prompt = api_as(person("facilitator", "Communications")).call(
        "POST", "prompts", {"kind": "prompt", "title": unique("What do customers ask?")}, 201
    )
    badge = page.locator(f'#strip-list [data-prompt-ideas="{prompt["id"]}"]')
    expect(badge).to_have_text("0 ideas")
    author = api_as(person("member", "Marketing"))
    first = author.post_idea(unique("Sizing FAQ"), prompt_id=prompt["id"])
    author.post_idea(unique("Returns FAQ"), prompt_id=prompt["id"])
    expect(badge).to_have_text("2 ideas")
    author.call("POST", f"ideas/{first['id']}/withdraw", expect=200)
    expect(badge).to_have_text("1 idea")

    page.reload()  # the server counts the same
    expect(page.locator(f'#strip-list [data-prompt-ideas="{prompt["id"]}"]')).to_have_text("1 idea")
    assert page.js_errors == []


@pytest.fixture(scope="module")
def quick_board(own_board):
    """A board of this module's own that looks for phase changes every second."""
    return own_board(
        [
            ("fia@example.com", "Fia Facil", "Communications", "facilitator"),
            ("lea@example.com", "Lea Leser", "IT", "member"),
        ],
        env={"BOARD_PHASE_CHECK_SECONDS": "1"},
    )


def move_deadline(board, prompt_id: int, name: str) -> None:
    """The challenge's `name` (submissions_close_at, voting_close_at) a minute ago, as if
    that time had come; the board's scheduler announces the phase it starts."""
    from board.db import Database
    from models import Prompt

    database = Database(board.database_url)
    try:
        with database.Session() as session:
            prompt = session.get(Prompt, prompt_id)
            setattr(prompt, name, datetime.now(UTC) - timedelta(minutes=1))
            session.commit()
    finally:
        database.dispose()


def reader_of_a_new_challenge(board, browser, language: str):
    """A challenge Fia posts now, and a browser of Lea's, who reads the board in `language`."""
    reader = board.people["lea@example.com"]
    Api(board, reader).call("PATCH", "me", {"language": language}, expect=200)
    challenge = Api(board, board.people["fia@example.com"]).call(
        "POST", "prompts", {**posted("challenge"), "title": unique("Trail launch")}, 201
    )
    return challenge, browser_context(browser, board.url, reader)


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_challenges_card_follows_its_phase_live(quick_board, browser, language):
    """The list's card said "collecting ideas" until a reload while the board's strip moved
    on: its phase badge and deadline follow the challenge into voting and to its close, as
    the server renders them on a reload."""
    challenge, context = reader_of_a_new_challenge(quick_board, browser, language)
    try:
        page = watched_page(context)
        page.goto("/prompts")
        card = page.locator(f'.prompt-card[data-prompt-id="{challenge["id"]}"]')
        before = card.evaluate(CARD_HTML_JS)
        for deadline, phase in (("submissions_close_at", "voting"), ("voting_close_at", "closed")):
            wait_until_live(page)
            move_deadline(quick_board, challenge["id"], deadline)
            expect(card.locator("header .phase")).to_have_class(f"phase phase-{phase}")
            live = card.evaluate(CARD_HTML_JS)
            assert live != before
            page.reload()
            assert live == card.evaluate(CARD_HTML_JS)
            before = live
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        assert page.js_errors == []
    finally:
        context.close()
