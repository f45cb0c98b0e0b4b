"""A challenge's own page, open while the challenge moves from collecting ideas to voting
and to its close: the whole page follows as a reload shows it (the idea form goes, the vote
buttons go, the results come), while what people are typing and where their keyboard is
stay; a note says what changed, to screen readers too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import Api, browser_context, unique, wait_until_live, watched_page
from tests.browser.test_prompt_list import move_deadline, posted

pytestmark = pytest.mark.browser

NOTES = {
    "en": (
        "Voting has started: this challenge takes no more ideas.",
        "The challenge has closed: its results are below.",
    ),
    "de": (
        "Die Abstimmung hat begonnen: Diese Challenge nimmt keine Ideen mehr an.",
        "Die Challenge ist beendet: Die Ergebnisse stehen unten.",
    ),
}
KEPT_FORM_NOTE = (
    "This challenge no longer takes ideas. What you wrote stays here, so that you can copy it."
)

# The phase's parts of the page as markup, without what a live page and a loaded one may
# differ in: the highlight's class, whitespace, the CSRF token (signed anew per page), which
# <details> someone opened, and the number of a text field's list of people to @mention.
PARTS_HTML_JS = """() => [...document.querySelectorAll("[data-phase-part]")].map(part => part.outerHTML
  .replace(/ ?just-changed/g, "").replace(/ class=""/g, "").replace(/>\\s+</g, "><")
  .replace(/name="csrf_token" value="[^"]*"/g, 'name="csrf_token" value="…"')
  .replace(/ open=""/g, "").replace(/mention-list-\\d+/g, "mention-list").trim())"""
FOCUS_JS = """() => {
  const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), name: e.name || null, href: e.getAttribute("href"),
          action: e.closest("form")?.getAttribute("action") || null, value: e.value ?? null,
          caret: typeof e.selectionStart === "number" ? [e.selectionStart, e.selectionEnd] : null};
}"""


@pytest.fixture(scope="module")
def quick_board(own_board):
    """A board of this module's own that looks for phase changes every second."""
    return own_board(
        [
            ("fia@example.com", "Fia Facil", "Communications", "facilitator"),
            ("lea@example.com", "Lea Leser", "IT", "member"),
            ("ben@example.com", "Ben Autor", "Marketing", "member"),
            ("olli@example.com", "Olli Oben", "Sales", "observer"),
        ],
        env={"BOARD_PHASE_CHECK_SECONDS": "1"},
    )


def api(board, email: str) -> Api:
    return Api(board, board.people[email])


def open_challenge(board, browser, email: str, path: str, language: str = "en"):
    api(board, email).call("PATCH", "me", {"language": language}, expect=200)
    context = browser_context(browser, board.url, board.people[email])
    page = watched_page(context)
    page.goto(path)
    wait_until_live(page)
    return page


def test_a_challenges_page_follows_its_phase_keeping_what_people_type(quick_board, browser):
    """The page said "reload" when its challenge moved on, and until then offered the idea
    form and the vote buttons of a phase that had ended. Two people watch it now: Lea is
    writing an idea, Fia a mentor note. At voting, the idea form goes for Fia (nothing in
    it) and stays read-only for Lea with her words and her caret, with a line saying why;
    at the close, the vote buttons and hidden tallies go and the results come, Fia's note
    stays open with her words and her keyboard in it, and Lea's keyboard moves from a vote
    button that went to that idea in the results. What a reload shows is the same, and
    the server refuses the late idea anyway."""
    board = quick_board
    challenge = api(board, "fia@example.com").call(
        "POST", "prompts", {**posted("challenge"), "title": unique("Trail launch")}, 201
    )
    entry = api(board, "ben@example.com").post_idea(
        unique("Hut stories"), prompt_id=challenge["id"]
    )
    path = f"/prompts/{challenge['id']}"
    contexts = []
    try:
        lea = open_challenge(board, browser, "lea@example.com", path)
        fia = open_challenge(board, browser, "fia@example.com", path)
        contexts = [lea.context, fia.context]
        for page in (lea, fia):
            expect(page.locator("#phase-notice")).to_be_hidden()
            expect(page.locator("#phase-notice")).to_have_attribute("role", "status")
        # Lea writes an idea and leaves the caret in the middle of her text
        idea_form = lea.locator("#new-idea form")
        idea_form.get_by_label("Title").fill("Summit selfie wall")
        text = idea_form.get_by_label("Text")
        text.fill("A wall of summit selfies in every store.")
        text.evaluate("field => { field.focus(); field.setSelectionRange(2, 6); }")
        # Fia opens the mentor-note form of Ben's idea and writes in it
        item = fia.locator(f"#idea-{entry['id']}")
        item.locator("summary", has_text="Add a mentor note").click()
        fia_note = item.get_by_label("Mentor note")
        fia_note.fill("Think of the shop windows too.")

        move_deadline(board, challenge["id"], "submissions_close_at")
        voting, closed = NOTES["en"]
        for page in (lea, fia):
            expect(page.locator("#phase-notice")).to_have_text(voting)
            expect(page.locator(".prompt-head .phase")).to_have_class("phase phase-voting")
        expect(fia.locator("#new-idea")).to_have_count(0)  # empty: gone, as on a reload
        kept = lea.locator("#new-idea")
        expect(kept.locator("#new-idea-closed")).to_have_text(KEPT_FORM_NOTE)
        expect(kept.get_by_label("Title")).to_have_value("Summit selfie wall")
        expect(text).to_have_value("A wall of summit selfies in every store.")
        expect(text).to_have_js_property("readOnly", True)
        expect(kept.get_by_role("button", name="Submit idea")).to_be_disabled()
        focus = lea.evaluate(FOCUS_JS)
        assert (focus["name"], focus["caret"]) == ("body", [2, 6]), focus
        assert focus["action"] == f"/prompts/{challenge['id']}/ideas"
        expect(fia_note).to_have_value("Think of the shop windows too.")
        assert fia.evaluate(FOCUS_JS)["name"] == "body"
        expect(
            lea.locator(f"#idea-{entry['id']}").get_by_role("button", name="Vote")
        ).to_be_visible()
        late = api(board, "lea@example.com").call(
            "POST", "ideas", {"title": "Late", "body": "", "prompt_id": challenge["id"]}
        )
        assert late["error"]["code"] == "submissions_closed"

        # Lea's keyboard moves to the vote button of Ben's idea before the close
        lea.locator(f"#idea-{entry['id']}").get_by_role("button", name="Vote").focus()
        wait_until_live(lea)
        move_deadline(board, challenge["id"], "voting_close_at")
        for page in (lea, fia):
            expect(page.locator("#phase-notice")).to_have_text(closed)
            expect(page.locator("#results")).to_be_visible()
            expect(page.locator("#ideas")).to_have_count(0)
            expect(page.locator("#tallies-hidden")).to_have_count(0)
            expect(page.locator("form.vote-form")).to_have_count(0)
            expect(page.locator(".budget")).to_have_count(0)
        ranked = fia.locator(f"#results #idea-{entry['id']}")
        expect(ranked.locator(".note-form")).to_have_attribute("open", "")
        expect(ranked.get_by_label("Mentor note")).to_have_value("Think of the shop windows too.")
        focus = fia.evaluate(FOCUS_JS)
        assert focus["name"] == "body" and focus["action"].endswith(f"/ideas/{entry['id']}/notes")
        focus = lea.evaluate(FOCUS_JS)
        assert (focus["tag"], focus["href"]) == ("a", f"/ideas/{entry['id']}"), focus
        expect(lea.locator("#new-idea").get_by_label("Title")).to_have_value("Summit selfie wall")

        live = fia.evaluate(PARTS_HTML_JS)
        fia.reload()
        assert fia.evaluate(PARTS_HTML_JS) == live
        lea.reload()  # the kept idea form is Lea's until she leaves
        expect(lea.locator("#new-idea")).to_have_count(0)
        for page in (lea, fia):
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
            assert page.js_errors == []
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_watchers_challenge_page_follows_each_phase_as_a_reload_shows_it(
    quick_board, browser, language
):
    """An observer watches while a member votes: at each phase the page's forms, votes and
    results are the ones a reload shows, and the note says what changed, in the reader's
    language; the badge and deadline follow too."""
    board = quick_board
    challenge = api(board, "fia@example.com").call(
        "POST", "prompts", {**posted("challenge"), "title": unique("Store windows")}, 201
    )
    entries = [
        api(board, "ben@example.com").post_idea(unique(f"Window {n}"), prompt_id=challenge["id"])
        for n in range(3)
    ]
    path = f"/prompts/{challenge['id']}"
    olli = open_challenge(board, browser, "olli@example.com", path, language)
    lea = open_challenge(board, browser, "lea@example.com", path, language)
    try:
        for entry, deadline, note in zip(
            entries[:2], ("submissions_close_at", "voting_close_at"), NOTES[language], strict=True
        ):
            with lea.expect_navigation():  # Lea votes through the page, as people do
                lea.locator(f"#idea-{entry['id']} form.vote-form button").click()
            wait_until_live(olli)
            move_deadline(board, challenge["id"], deadline)
            expect(olli.locator("#phase-notice")).to_have_text(note)
            live = olli.evaluate(PARTS_HTML_JS)
            head = olli.locator(".prompt-head header .phase").inner_text()
            olli.reload()
            expect(olli.locator("#phase-notice")).to_be_hidden()
            assert olli.evaluate(PARTS_HTML_JS) == live
            assert olli.locator(".prompt-head header .phase").inner_text() == head
            lea.reload()
        expect(olli.locator("#results .ranking > li")).to_have_count(3)
        assert olli.js_errors == [] and lea.js_errors == []
    finally:
        olli.context.close()
        lea.context.close()


def test_a_challenges_page_that_cannot_fetch_its_new_phase_asks_for_a_reload(quick_board, browser):
    """When the page cannot be fetched anew (the network went, the session ended), the
    note asks for a reload instead, with a link, and the page stays as it was."""
    board = quick_board
    challenge = api(board, "fia@example.com").call(
        "POST", "prompts", {**posted("challenge"), "title": unique("Hut stories")}, 201
    )
    path = f"/prompts/{challenge['id']}"
    lea = open_challenge(board, browser, "lea@example.com", path)
    try:
        lea.route(
            f"**{path}",
            lambda route: (
                route.abort() if route.request.resource_type == "fetch" else route.continue_()
            ),
        )
        move_deadline(board, challenge["id"], "submissions_close_at")
        notice = lea.locator("#phase-notice")
        expect(notice).to_have_text("Voting has started: reload the page to vote. Reload")
        expect(lea.locator("#new-idea")).to_have_count(1)
        with lea.expect_navigation():
            notice.get_by_role("link", name="Reload").click()
        expect(lea.locator("#new-idea")).to_have_count(0)
        assert lea.js_errors == []
    finally:
        lea.context.close()
