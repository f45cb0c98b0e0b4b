"""The language switch on the pages before login: a German employee on an English browser
(or the reverse) chooses the board's language on the login page, and it stays chosen in that
browser, beneath a logged-in person's own setting and above Accept-Language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import User
from tests.conftest import PASSWORD
from tests.test_pages import Browser, html_of, text_of

ENGLISH_BROWSER = {"Accept-Language": "en-US,en;q=0.9"}
GERMAN_BROWSER = {"Accept-Language": "de-DE,de;q=0.9"}
# Every page a visitor who is not logged in may see (the company login's failure page is
# checked in tests/test_oidc.py's setting; these need no provider).
LOGGED_OUT_PAGES = [
    "/login",
    "/register",
    "/register?invite=not-a-real-invite",
    "/forgot-password",
    "/reset-password/not-a-real-token",
    "/mail/unsubscribe/not-a-real-token",
    "/no-such-page",
]


def choose(browser: Browser, language: str, page: str = "/login", **kwargs):
    """Press a language's button on `page`, as its form sends it."""
    browser.get(page, headers=kwargs.get("headers", ENGLISH_BROWSER))
    return browser.post("/language", {"language": language, "next": page}, **kwargs)


def stored(app, email: str) -> User:
    with app.extensions["board_db"].Session() as session:
        return session.scalar(select(User).where(User.email == email))


def language_cookie(response) -> str:
    [cookie] = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("board_language=")
    ]
    return cookie


@pytest.mark.parametrize("page", LOGGED_OUT_PAGES)
def test_every_page_before_login_offers_both_languages_named_in_themselves(app, page):
    html = html_of(Browser(app).get(page, headers=ENGLISH_BROWSER))
    assert 'action="/language"' in html
    assert re.search(r'value="en"[^>]*lang="en" aria-pressed="true">English<', html)
    assert re.search(r'value="de"[^>]*lang="de" aria-pressed="false">Deutsch<', html)
    assert 'role="group" aria-labelledby="language-label"' in html


def test_choosing_german_on_the_login_page_speaks_german_at_once(app):
    browser = Browser(app)
    assert "Log in" in text_of(browser.get("/login?next=/my-tasks", headers=ENGLISH_BROWSER))
    answer = choose(browser, "de", "/login?next=/my-tasks", headers=ENGLISH_BROWSER)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=/my-tasks"  # the same page, its next kept
    cookie = language_cookie(answer)
    assert cookie.startswith("board_language=de;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert int(re.search(r"Max-Age=(\d+)", cookie).group(1)) >= 365 * 24 * 3600
    page = browser.get(answer.headers["Location"], headers=ENGLISH_BROWSER)
    assert '<html lang="de"' in html_of(page)
    assert "Anmelden" in text_of(page) and "Passwort vergessen?" in text_of(page)
    assert re.search(r'lang="de" aria-pressed="true">Deutsch<', html_of(page))


def test_an_english_choice_wins_over_a_german_browser(app):
    browser = Browser(app)
    assert "Anmelden" in text_of(browser.get("/login", headers=GERMAN_BROWSER))
    choose(browser, "en", headers=GERMAN_BROWSER)
    assert "Forgot your password?" in text_of(browser.get("/login", headers=GERMAN_BROWSER))


@pytest.mark.parametrize("page", LOGGED_OUT_PAGES[1:])
def test_the_choice_stays_for_the_next_pages(app, page):
    browser = Browser(app)
    choose(browser, "de")
    answer = browser.get(page, headers=ENGLISH_BROWSER)
    assert '<html lang="de"' in html_of(answer)


def test_the_registration_page_of_an_invite_comes_back_with_its_invite(app):
    browser = Browser(app)
    answer = choose(browser, "de", "/register?invite=abc")
    assert answer.headers["Location"] == "/register?invite=abc"
    assert "Konto anlegen" in text_of(browser.follow(answer))


def test_the_api_messages_follow_the_choice_too_and_keep_their_codes(app, people_):
    """As the pages: the message speaks the chosen language, the code stays English."""
    browser = Browser(app)
    choose(browser, "de")
    answer = browser.client.post(
        "/api/v1/auth/login",
        json={"email": people_.user("member").email, "password": "not-the-password"},
        headers=ENGLISH_BROWSER,
    )
    error = answer.get_json()["error"]
    assert answer.status_code == 401 and error["code"] == "invalid_credentials"
    assert error["message"] != "Wrong email or password."
    english = Browser(app).client.post(
        "/api/v1/auth/login",
        json={"email": people_.user("member").email, "password": "not-the-password"},
        headers=ENGLISH_BROWSER,
    )
    assert english.get_json()["error"]["message"] != error["message"]


def test_a_persons_own_setting_beats_the_browsers_choice(app, people_, member):
    member.patch("me", json={"language": "en"})
    browser = Browser(app)
    choose(browser, "de", headers=GERMAN_BROWSER)
    browser.login(people_.user("member").email)
    assert "My tasks" in text_of(browser.get("/my-tasks", headers=GERMAN_BROWSER))


def test_without_a_setting_the_choice_beats_accept_language_after_login(app, people_):
    browser = Browser(app)
    choose(browser, "de")
    browser.login(people_.user("member").email)
    assert "Meine Aufgaben" in text_of(browser.get("/my-tasks", headers=ENGLISH_BROWSER))


def test_the_switch_in_the_menu_remembers_the_choice_after_logout(app, people_):
    browser = Browser(app)
    browser.login(people_.user("member").email)
    answer = browser.post("/language", {"language": "de", "next": "/"})
    assert stored(app, people_.user("member").email).language == "de"
    assert language_cookie(answer).startswith("board_language=de;")
    browser.post("/logout", {})
    assert "Anmelden" in text_of(browser.get("/login", headers=ENGLISH_BROWSER))


@pytest.mark.parametrize("value", ["fr", "", "DE", "de-DE", "de; Path=/"])
def test_an_unknown_language_is_refused_with_a_message(app, value):
    browser = Browser(app)
    choose(browser, "de")
    answer = browser.post("/language", {"language": value, "next": "/forgot-password"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/forgot-password"
    assert not [c for c in answer.headers.getlist("Set-Cookie") if "board_language" in c]
    page = browser.follow(answer)
    assert "Bitte wähle eine der angebotenen Sprachen." in text_of(page)
    assert '<html lang="de"' in html_of(page)  # the choice before stays


def test_a_language_form_without_a_language_is_refused(app):
    browser = Browser(app)
    answer = browser.post("/language", {"next": "/login"})
    assert answer.status_code == 302
    assert "Please choose one of the languages offered." in text_of(browser.follow(answer))


def test_a_logged_in_persons_setting_stays_when_the_language_is_unknown(app, people_, member):
    """It used to fall back to the browser's language without a word."""
    member.patch("me", json={"language": "de"})
    browser = Browser(app)
    browser.login(people_.user("member").email)
    answer = browser.post("/language", {"language": "fr", "next": "/my-tasks"})
    assert stored(app, people_.user("member").email).language == "de"
    assert "Bitte wähle eine der angebotenen Sprachen." in text_of(browser.follow(answer))


@pytest.mark.parametrize("cookie", ["fr", "", "x" * 300, "%00"])
def test_a_cookie_naming_no_language_of_ours_is_passed_over(app, cookie):
    client = app.test_client()
    client.set_cookie("board_language", cookie)
    answer = client.get("/login", headers=GERMAN_BROWSER)
    assert answer.status_code == 200
    assert '<html lang="de"' in html_of(answer)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/login",
        "//evil.example/login",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        " https://evil.example",
    ],
)
def test_a_foreign_return_target_is_ignored(app, target):
    browser = Browser(app)
    browser.get("/login")
    answer = browser.post("/language", {"language": "de", "next": target})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert language_cookie(answer).startswith("board_language=de;")


@pytest.mark.parametrize("chosen", ["de", "en"])
def test_the_first_login_adopts_the_language_chosen_on_the_login_page(app, people_, chosen):
    """Mail follows the pages' language (users.page_language): the one chosen on the login
    page, not the one the browser would have asked for."""
    email = people_.user("member").email
    browser_asks = ENGLISH_BROWSER if chosen == "de" else GERMAN_BROWSER
    browser = Browser(app)
    choose(browser, chosen, headers=browser_asks)
    answer = browser.post("/login", {"email": email, "password": PASSWORD}, headers=browser_asks)
    assert answer.status_code == 302
    person = stored(app, email)
    assert person.page_language == chosen
    assert person.language is None  # no setting: the choice is the browser's


def test_registering_adopts_the_language_chosen_on_the_registration_page(app, people_):
    browser = Browser(app)
    choose(browser, "de", "/register")
    answer = browser.post(
        "/register",
        {
            "email": "neu@example.com",
            "password": PASSWORD,
            "display_name": "Neu",
            "department_id": str(people_.user("member").department_id),
        },
        headers=ENGLISH_BROWSER,
    )
    assert answer.status_code == 302, text_of(answer)[:300]
    assert stored(app, "neu@example.com").page_language == "de"
