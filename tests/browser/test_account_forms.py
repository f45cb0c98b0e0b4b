"""The account forms as a person meets them in a real browser: logging in and asking for a
new password with an address the board accepts but the browser's own e-mail check does
not, and a refused erasure said where the person looks.

With BOARD_UPDATE_SCREENSHOTS=1 the pictures taken on the way go to docs/screenshots/;
otherwise to the test's temporary folder.
"""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.browser.helpers import (
    PASSWORD,
    STILL,
    VIEWPORT,
    browser_context,
    free_port,
    screenshot,
    watched_page,
)
from tests.browser.test_people_and_accounts import wait_for_mail
from tests.test_mail import Inbox

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
# Registration, the API and the CLI take a mailbox with an umlaut; so must the pages.
UMLAUT = "jürgen.groß@example.com"


@pytest.fixture(scope="module")
def account_board(own_board):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    server = own_board(
        [
            (UMLAUT, "Jürgen Groß", "Logistics", "member"),
            ("mara@example.com", "Mara Lange", "Marketing", "member"),
        ],
        env={
            "BOARD_SMTP_URL": f"smtp://127.0.0.1:{controller.port}",
            "BOARD_MAIL_FROM": "board@example.com",
            "BOARD_BASE_URL": "https://board.example.com",
        },
    )
    yield server, inbox
    controller.stop()


def fresh_page(browser, server, person=None, *, viewport=VIEWPORT, locale="en-US"):
    return watched_page(
        browser_context(browser, server.url, person, viewport=viewport, locale=locale, **STILL)
    )


@pytest.mark.parametrize(
    ("viewport", "locale"), [(VIEWPORT, "en-US"), (PHONE, "de-DE")], ids=["en", "phone-de"]
)
def test_a_mailbox_with_an_umlaut_logs_in_and_asks_for_a_link_by_keyboard(
    browser, account_board, tmp_path, viewport, locale
):
    server, inbox = account_board
    page = fresh_page(browser, server, viewport=viewport, locale=locale)
    assert page.goto("/login").ok
    page.locator("#email").fill(UMLAUT)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".flash-success")).to_be_visible()

    asking = fresh_page(browser, server, viewport=viewport, locale=locale)
    assert asking.goto("/forgot-password").ok
    asking.locator("#email").fill(UMLAUT)
    asking.locator("#email").press("Enter")
    expect(asking.locator(".flash-success")).to_be_visible()
    screenshot(asking, tmp_path, f"forgot-password-umlaut-{locale}", for_docs=False)
    assert wait_for_mail(inbox, UMLAUT)
    assert page.js_errors == [] and asking.js_errors == []


@pytest.mark.parametrize(
    ("viewport", "locale", "said"),
    [
        (VIEWPORT, "en-US", "That is not your password, so your account is not erased."),
        (PHONE, "de-DE", "Das ist nicht dein Passwort; dein Konto ist nicht gelöscht."),
    ],
    ids=["en", "phone-de"],
)
def test_a_refused_erasure_is_said_where_the_person_looks(
    browser, account_board, tmp_path, viewport, locale, said
):
    server, _inbox = account_board
    mara = server.people["mara@example.com"]
    page = fresh_page(browser, server, mara, viewport=viewport, locale=locale)
    page.context.request.patch(
        "/api/v1/me",
        data={"language": locale[:2]},
        headers={"X-CSRF-Token": page.context.csrf_token},
    )
    assert page.goto("/profile#erase-title").ok
    form = page.locator("#erase-form")
    form.locator("input[name=password]").fill("not-my-password")
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").press("Enter")
    message = page.locator(".flash-error", has_text=said)
    expect(message).to_be_in_viewport()
    screenshot(page, tmp_path, f"profile-erase-refused-{locale}", for_docs=False)
    page.goto("/profile")
    expect(page.locator("h1")).to_be_visible()  # still logged in: nothing was erased
    assert page.js_errors == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_handle_is_checked_by_the_boards_rule_and_explained_beside_it(
    person, api_as, open_page, language
):
    """The handle field carried a pattern of its own: the browser refused "@Mara.Keller"
    (which the board takes as "mara.keller") and any slip with "Please match the requested
    format.", in the browser's language, naming no rule. The board's rule decides now, and
    its sentence stands beside the field in the page's language."""
    member = person("member", "PR")
    api_as(member).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(member, "/settings")
    wanted = f"mara.k{member.id}"
    field = page.locator("#handle")
    field.fill(f"@Mara.K{member.id}")
    field.press("Enter")
    expect(field).to_have_value(wanted)
    assert api_as(member).call("GET", "me", expect=200)["user"]["handle"] == wanted

    field.fill("a b!")
    field.press("Enter")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    rule = {"en": "2 to 30 lowercase letters", "de": "2 bis 30 Kleinbuchstaben"}[language]
    expect(page.locator("#settings-handle-error")).to_contain_text(rule)


def test_the_two_account_pages_stand_in_the_same_column(person, open_page):
    """/settings stood at the left edge while /profile, a click away in the same menu, stood
    in a centred column: the page seemed to jump aside."""
    member = person("member", "Marketing")
    page = open_page(member, "/profile")
    profile = page.locator("main h1").bounding_box()
    page.goto("/settings")
    settings = page.locator("main h1").bounding_box()
    assert profile["x"] > 200  # centred at 1280 px, not at the edge
    assert settings["x"] == profile["x"]
