"""No page scrolls sideways on a 360 px phone, for any role, in English or German, nor on a
1280 px desktop in German (the longer language).

The pages are the app's own GET page routes (read from its URL map, so a new page is
covered the day it is added); the data on them is long on purpose: German words, many
channels, a challenge, nudges, a table on the help page. Besides the page's own width, no
table and no button may reach past the screen's edge (clipped inside a scrolling box is
still off-screen), and no box may be squeezed so narrow that a short word breaks across
lines. The menu folds behind a "Menu" button that works by keyboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from board import create_app
from board.i18n import LANGUAGES
from board.settings import Settings
from tests.browser.helpers import create_person, unique, unique_name

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# GET routes of the page blueprint that are not pages a person reads (files, feeds, API-like
# fragments) or that need a one-time secret from a mail or the command line.
NOT_PAGES = {
    "web.calendar_ics",
    "web.feed_atom",
    "web.feed_csv",
    "web.feed_export_csv",
    "web.feed_updates",
    "web.health",  # JSON for load balancers
    "web.inbox_updates",  # the open inbox's live fragments
    "web.image_file",  # an image file, not a page
    "web.oidc_callback",
    "web.oidc_login",
    "web.reset_password",
    "web.unsubscribe_page",
    "web.login",  # a logged-in person is sent on to the board
    "web.register",
}

OFF_SCREEN_JS = """() => {
  const width = window.innerWidth;
  const bad = [];
  for (const element of document.querySelectorAll("main table, button, [role=button], input, select, textarea")) {
    if (element.closest(".strip-cards, template, [hidden]")) continue;  // the prompt carousel scrolls on purpose
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height) continue;  // not shown
    if (box.right > width + 1) bad.push(`${element.tagName.toLowerCase()}.${element.className} ${Math.round(box.right)}px: ${element.textContent.trim().slice(0, 40)}`);
  }
  return bad;
}"""


# Short words broken across lines: a box squeezed narrower than a word ("11 votes" stacked one
# letter a line). Long words may wrap (overflow-wrap: anywhere keeps German compounds on the
# screen), and so may addresses; text only screen readers get is left out.
BROKEN_WORDS_JS = r"""() => {
  const broken = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const tiny = e => { for (; e && e !== document.body; e = e.parentElement) if (e.getBoundingClientRect().width < 2) return true; return false; };
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || node.data.includes("://") || parent.closest("script, style, template")) continue;
    if (!parent.checkVisibility({visibilityProperty: true}) || tiny(parent)) continue;
    for (const word of node.data.matchAll(/[^\s\-\/·–—]+/g)) {
      if (word[0].length < 2 || word[0].length > 10) continue;
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top));
      if (new Set(tops).size > 1) broken.add(`${parent.tagName.toLowerCase()}.${parent.className}: ${word[0]}`);
    }
  }
  return [...broken].slice(0, 8);
}"""

# What sticks out (for the failure message): the innermost elements past the right edge.
STICKING_OUT_JS = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".strip-cards"))
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5)
  .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 30)}`)"""


def page_paths(server, data: dict, instance_path) -> list[str]:
    """Every GET page of the app, with its parameters filled in from `data`."""
    settings = Settings(
        instance_path=instance_path,
        database_url=server.database_url,
        secret_key="only-the-url-map",
        testing=True,
    )
    app = create_app({"TESTING": True}, settings=settings)
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("web.") or "GET" not in rule.methods:
            continue
        if rule.endpoint in NOT_PAGES:
            continue
        missing = set(rule.arguments) - set(data)
        assert not missing, (
            f"{rule.rule}: give the test a value for {missing} (or list it in NOT_PAGES)"
        )
        paths.append(rule.build({name: data[name] for name in rule.arguments})[1])
    return sorted(paths)


@pytest.fixture(scope="module")
def crowded_board(board_server, tmp_path_factory):
    """A board whose pages are long in every language: a challenge, a German idea with long
    words, a planned task with many channels, claimed and stale, nudges and comments."""
    from tests.browser.helpers import Api, create_person

    people = {
        key: create_person(board_server.database_url, unique_name(f"fits{key}"), role, department)
        for key, role, department in [
            ("member", "member", "Öffentlichkeitsarbeit und Unternehmenskommunikation"),
            ("facilitator", "facilitator", "Communications"),
            ("observer", "observer", "Vertriebsinnendienst"),
            ("quiet", "member", "Qualitätssicherungsabteilung"),  # a row on the help page
        ]
    }
    member = Api(board_server, people["member"])
    now = datetime.now(UTC)
    facilitator = Api(board_server, people["facilitator"])
    challenge = facilitator.call(
        "POST",
        "prompts",
        {
            "kind": "challenge",
            "title": unique("Weihnachtskampagnenideenwettbewerb für Kundenbindungsmaßnahmen"),
            "body": "Welche Idee bringt uns durch den Dezember?",
            "votes_per_person": 3,
            "submissions_close_at": (now + timedelta(days=5)).isoformat(),
            "voting_close_at": (now + timedelta(days=9)).isoformat(),
        },
        expect=201,
    )
    idea = member.post_idea(
        unique("Verpackungsrücknahmeprogramm-Erklärvideos für Kundendienstmitarbeitende"),
        body="Donaudampfschifffahrtsgesellschaftskapitänsmütze " * 5,
        tags=["nachhaltigkeitskommunikation", "c++", "q&a"],
    )
    member.post_idea(unique("Challenge-Idee mit Überlänge"), prompt_id=challenge["id"])
    member.comment(idea["id"], "Rechtsschutzversicherungsgesellschaften lesen mit.")
    task = member.create_task(
        unique("Mitarbeiterzufriedenheitsumfrageergebnisveröffentlichung vorbereiten"),
        idea_id=idea["id"],
        channels=["instagram", "tiktok", "linkedin", "youtube", "facebook", "newsletter"],
        publish_on=(now + timedelta(days=3)).date().isoformat(),
    )
    member.claim(task["id"])
    facilitator.call(
        "POST", "nudges", {"task_id": task["id"], "message": "Brauchst du Hilfe dabei?"}, expect=201
    )
    facilitator.call(
        "POST", "nudges", {"to_user_id": people["member"].id, "message": "Hallo!"}, expect=201
    )
    data = {
        "idea_id": idea["id"],
        "task_id": task["id"],
        "prompt_id": challenge["id"],
        "handle": member.user["handle"],
    }
    return people, page_paths(board_server, data, tmp_path_factory.mktemp("url-map"))


@pytest.mark.parametrize(
    ("language", "viewport"),
    [("de", PHONE), ("en", PHONE), ("de", DESKTOP)],  # German is the longer language
    ids=["de-phone", "en-phone", "de-desktop"],
)
@pytest.mark.parametrize("role", ["member", "facilitator", "observer"])
def test_no_page_scrolls_sideways(crowded_board, api_as, open_page, role, language, viewport):
    people, paths = crowded_board
    reader = people[role]
    api_as(reader).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(reader, "/", viewport=viewport)
    problems = {}
    for path in paths:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        problems.update(layout_problems(page, path))
    assert problems == {}
    assert len(paths) >= 15  # the board, ideas, tasks, prompts, feed, help, calendar, people…


def layout_problems(page, path: str) -> dict:
    """{path: what is wrong} for the page `page` shows, or {} when it fits the screen."""
    sideways = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    off_screen = page.evaluate(OFF_SCREEN_JS)
    broken_words = page.evaluate(BROKEN_WORDS_JS)
    # an empty table's one cell ("All clear.") is no column's: no name above it
    mislabelled = page.evaluate(
        "() => [...document.querySelectorAll('main td[colspan][data-label]')]"
        ".filter(td => td.colSpan > 1).map(td => td.dataset.label + ': ' + td.textContent.trim())"
    )
    if not (sideways > 0 or off_screen or broken_words or mislabelled):
        return {}
    return {
        path: {
            "scrolls sideways by": sideways,
            "off screen": off_screen,
            "sticking out": page.evaluate(STICKING_OUT_JS),
            "words broken across lines": broken_words,
            "column name over a cell of several columns": mislabelled,
        }
    }


# The pages a visitor sees before logging in, each with the language switch in its header.
LOGGED_OUT_PAGES = [
    "/login",
    "/register",
    "/forgot-password",
    "/reset-password/not-a-real-token",
    "/mail/unsubscribe/not-a-real-token",
    "/no-such-page",
]


@pytest.mark.parametrize(
    ("language", "viewport"),
    [("de", PHONE), ("en", PHONE), ("de", DESKTOP), ("en", DESKTOP)],
    ids=["de-phone", "en-phone", "de-desktop", "en-desktop"],
)
def test_no_page_before_login_scrolls_sideways(new_context, language, viewport):
    """The language switch beside the board's mark fits a phone, its buttons in one row at
    the header's right, on every page a visitor sees (the error page included)."""
    page = new_context(viewport=viewport, locale=language).new_page()
    problems = {}
    for path in LOGGED_OUT_PAGES:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        problems.update(layout_problems(page, path))
        mark = page.locator(".brand-mark").bounding_box()
        english, german = (
            page.locator(f'.nav-language button[lang="{code}"]') for code in LANGUAGES
        )
        expect(german).to_be_visible()
        english_box, german_box = english.bounding_box(), german.bounding_box()
        assert english_box["y"] == german_box["y"], path  # side by side
        assert german_box["x"] + german_box["width"] <= viewport["width"] - 8, path
        assert english_box["x"] > mark["x"] + mark["width"], path  # right of the mark
        # the header's row: the buttons stand level with the mark
        middle = german_box["y"] + german_box["height"] / 2
        assert abs(middle - (mark["y"] + mark["height"] / 2)) <= 4, path
    assert problems == {}


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_phone_menu_folds_and_opens_by_keyboard(crowded_board, api_as, open_page, language):
    people, _paths = crowded_board
    reader = people["member"]
    api_as(reader).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(reader, "/", viewport=PHONE)
    toggle = page.locator(".nav-toggle")
    feed_link = page.locator('#nav-links a[href="/feed"]')
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(feed_link).to_be_hidden()
    # The unread nudges and notifications, folded away with the links, add up on the button.
    unread = sum(
        int(count)
        for count in page.locator(
            "#nav-links .badge:not([hidden]) [data-field=count]"
        ).all_text_contents()
    )
    assert unread >= 1  # at least the nudge
    expect(toggle.locator(".nav-toggle-badge")).to_have_text(str(unread))
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(feed_link).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#nav-links a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(feed_link).to_be_hidden()
    # On a desktop there is no button: the links are all there.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(toggle).to_be_hidden()
    expect(feed_link).to_be_visible()


def test_help_tables_become_cards_on_a_phone(crowded_board, api_as, open_page):
    people, _paths = crowded_board
    api_as(people["facilitator"]).call("PATCH", "me", {"language": "en"}, expect=200)
    page = open_page(people["facilitator"], "/help", viewport=PHONE)
    row = page.locator("#quiet-people table tbody tr").first
    expect(row).to_be_visible()
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    cell = row.locator("td").nth(1)
    expect(cell).to_have_attribute("data-label", "Department")  # the column's name above it
    nudge = row.locator(".nudge-button")
    nudge.scroll_into_view_if_needed()
    box = nudge.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


# The words of a cell (up to 20 letters: "Öffentlichkeitsarbeit" fits, a longer one may not)
# that were broken across lines.
BROKEN_IN_CELL_JS = r"""cell => {
  const node = cell.querySelector("bdi").firstChild, range = document.createRange(), broken = [];
  for (const word of node.data.matchAll(/(?<!\S)\S{2,20}(?!\S)/g)) {  // longer ones may not fit
    range.setStart(node, word.index);
    range.setEnd(node, word.index + word[0].length);
    if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) broken.push(word[0]);
  }
  return broken;
}"""


def test_the_people_pages_department_table_stays_a_table_on_a_phone(
    crowded_board, api_as, open_page
):
    """Two columns, a name and a number, fit a phone as a table: one line a department, no
    row turned into a card of its own, and no word of a department's name that fits the
    screen ("Öffentlichkeitsarbeit") broken to make room for the count."""
    people, _paths = crowded_board
    api_as(people["member"]).call("PATCH", "me", {"language": "de"}, expect=200)
    page = open_page(people["member"], "/people", viewport=PHONE)
    table = page.locator("table.people-departments")
    table.scroll_into_view_if_needed()
    expect(table.locator("thead")).to_be_visible()
    rows = table.locator("tbody tr")
    assert rows.count() >= 4
    for n in range(rows.count()):
        row = rows.nth(n)
        assert row.evaluate("r => getComputedStyle(r).display") == "table-row"
        name, count = row.locator("td").nth(0), row.locator("td").nth(1)
        assert name.evaluate(BROKEN_IN_CELL_JS) == [], name.inner_text()
        name_box, count_box = name.bounding_box(), count.bounding_box()
        assert count_box["x"] >= name_box["x"] + name_box["width"] - 1  # beside it, not under
        assert count_box["x"] + count_box["width"] <= PHONE["width"] - 8  # not at the edge


# Labels of tick boxes and radio buttons whose words wrap under the box instead of under
# their own first word.
UNDER_THE_BOX_JS = r"""() => [...document.querySelectorAll("main label")]
  .filter(label => label.firstElementChild?.matches("input[type=checkbox], input[type=radio]"))
  .filter(label => {
    const box = label.firstElementChild.getBoundingClientRect(), range = document.createRange();
    range.selectNodeContents(label);
    range.setStartAfter(label.firstElementChild);
    return [...range.getClientRects()].some(r => r.width > 0 && r.left < box.right);
  })
  .map(label => label.textContent.trim())"""


@pytest.mark.parametrize(("role", "path"), [("member", "/settings"), ("facilitator", "/invites")])
def test_a_tick_boxs_words_wrap_under_themselves_on_a_phone(
    crowded_board, api_as, open_page, role, path
):
    people, _paths = crowded_board
    api_as(people[role]).call("PATCH", "me", {"language": "de"}, expect=200)
    page = open_page(people[role], path, viewport=PHONE)
    labels = page.locator("main label:has(> input[type=checkbox], > input[type=radio])")
    expect(labels.first).to_be_visible()
    tall = [n for n in range(labels.count()) if labels.nth(n).bounding_box()["height"] > 30]
    assert tall, "no label wraps at 360 px: the test shows nothing"
    assert page.evaluate(UNDER_THE_BOX_JS) == []


@pytest.mark.parametrize("language", ["de", "en"])
def test_an_open_nudge_fits_a_phone(crowded_board, api_as, open_page, language):
    """An open nudge form was at least 22rem wide: at 360 px the help page scrolled 21 px
    sideways as soon as the facilitator opened one."""
    people, _paths = crowded_board
    api_as(people["facilitator"]).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(people["facilitator"], "/help", viewport=PHONE)
    nudges = page.locator("main details.nudge").all()[:3]
    assert nudges, "the help page should offer a nudge"
    for nudge in nudges:
        nudge.locator("summary").click()
        expect(nudge).to_have_attribute("open", "")
        box = nudge.locator("textarea").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_the_facilitators_german_menu_keeps_one_row_on_a_laptop(
    board_server, crowded_board, api_as, open_page
):
    """The link of the page one is on was bold, so wider: at 1280 px the German menu of a
    facilitator with a short name (the demo's Lena Brandt) fitted one row on some pages and
    wrapped "Eingang" onto a second on others (Meine Aufgaben, Personen, Meldungen), and the
    page under it jumped."""
    people, _paths = crowded_board
    reader = create_person(
        board_server.database_url,
        unique_name("lena"),
        "facilitator",
        "Marketing",
        display_name="Lena Brandt",
    )
    api_as(reader).call("PATCH", "me", {"language": "de"}, expect=200)
    handle = api_as(reader).call("GET", "me", expect=200)["user"]["handle"]
    for number in range(12):  # a two-digit count on the inbox
        api_as(people["member"]).post_idea(unique("Eine Frage"), body=f"@{handle} {number}?")
    page = open_page(reader, "/", viewport=DESKTOP)
    expect(page.locator("#notification-badge")).to_have_attribute("data-count", "12")
    rows = {}
    for href in page.locator("#nav-links a").evaluate_all("links => links.map(a => a.pathname)"):
        page.goto(href)
        rows[href] = page.evaluate(
            "() => new Set([...document.querySelectorAll('#nav-links a')]"
            ".map(a => Math.round(a.getBoundingClientRect().top))).size"
        )
    assert rows == dict.fromkeys(rows, 1)


def test_a_phone_shows_the_account_name_beside_the_menu_button(board_server, open_page):
    """The account button had a fixed 11rem on a phone: the demo's observer read "Petra
    Hoffm…" beside 3rem of empty header. It takes the rest of the row now, in one row."""
    reader = create_person(
        board_server.database_url,
        unique_name("petra"),
        "observer",
        "Sales",
        display_name="Petra Hoffmann",
    )
    page = open_page(reader, "/", viewport=PHONE)
    assert page.locator(".user-name").evaluate("e => e.scrollWidth <= e.clientWidth")
    bottoms = page.evaluate(
        "() => ['.nav-brand', '.nav-toggle', '.user-menu > summary']"
        ".map(s => document.querySelector(s).getBoundingClientRect().bottom)"
    )
    assert max(bottoms) - min(bottoms) < 20  # one row
