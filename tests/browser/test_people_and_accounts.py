"""The team and one's own account in a real browser (issue 17): the people page (search, what
each person works on, departments only for observers in works-council mode), a forgotten
password reset through a mail caught by a real SMTP server on loopback, and two people who
share a name told apart by their @handle.

With BOARD_UPDATE_SCREENSHOTS=1 the pictures taken on the way (1280 px and 360 px, English
and German) go to docs/screenshots/; otherwise to the test's temporary folder.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.browser.helpers import (
    PASSWORD,
    STILL,
    VIEWPORT,
    Api,
    Person,
    browser_context,
    free_port,
    screenshot,
    wait_until_live,
    watched_page,
)
from tests.test_mail import Inbox

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 780}
NEW_PASSWORD = "a-brand-new-passphrase"

TEAM = [
    ("sam@example.com", "Sam Fischer", "Communications", "facilitator"),
    ("mara@example.com", "Mara Lange", "Marketing", "member"),
    ("ivan@example.com", "Ivan Petrov", "IT", "member"),
    ("petra@example.com", "Petra Vogel", "PR", "member"),
    ("paul@example.com", "Paul Roth", "PR", "member"),
    ("anna@example.com", "Anna Weber", "Marketing", "member"),
    ("anna.w@example.com", "Anna Weber", "Sales", "member"),
    ("olga@example.com", "Olga Berg", "Sales", "observer"),
]


def scroll_below_the_header(page, selector: str) -> None:
    page.evaluate(
        """s => { const top = document.querySelector(s).getBoundingClientRect().top;
        const header = document.querySelector("header")?.getBoundingClientRect().height || 0;
        window.scrollTo(0, top + window.scrollY - header - 16); }""",
        selector,
    )


def new_page(browser, server, person=None, *, viewport=VIEWPORT, locale="en-US"):
    context = browser_context(
        browser, server.url, person, viewport=viewport, locale=locale, **STILL
    )
    if person is not None:
        # The page follows the person's language setting; make it the browser's.
        context.request.patch(
            "/api/v1/me",
            data={"language": locale[:2]},
            headers={"X-CSRF-Token": context.csrf_token},
        )
    return watched_page(context)


# ---- the people page -------------------------------------------------------------------


@pytest.fixture(scope="module")
def team_board(own_board):
    server = own_board(TEAM)
    people = server.people
    mara, ivan = Api(server, people["mara@example.com"]), Api(server, people["ivan@example.com"])
    reel = mara.post_idea("Trade fair reel", "Short clips from the booth")
    mara.post_idea("Customer voices on LinkedIn")
    gone = mara.post_idea("Withdrawn teaser idea")
    mara.call("POST", f"ideas/{gone['id']}/withdraw", expect=200)
    cut = ivan.create_task("Cut the booth footage", idea_id=reel["id"])
    ivan.claim(cut["id"])
    petra = Api(server, people["petra@example.com"])
    petra.post_idea("Press kit for the launch")
    quote = petra.create_task("Get a quote from the CEO")
    petra.claim(quote["id"])
    Api(server, people["anna@example.com"]).post_idea("Behind the scenes of the warehouse")
    Api(server, people["anna.w@example.com"]).post_idea("Sales team introductions")
    return server


def row_of(page, name: str):
    return page.locator(".people-row").filter(has_text=name)


def test_the_people_page_lists_searches_and_shows_the_work(browser, team_board, tmp_path):
    page = new_page(browser, team_board, team_board.people["paul@example.com"])
    assert page.goto("/people").ok
    wait_until_live(page)
    expect(page.locator(".people-row")).to_have_count(len(TEAM))
    mara = row_of(page, "Mara Lange")
    expect(mara).to_contain_text("Trade fair reel")
    expect(mara).to_contain_text("Customer voices on LinkedIn")
    expect(mara).not_to_contain_text("Withdrawn teaser idea")  # withdrawn: not on the board
    expect(mara).to_contain_text("2 ideas:")
    expect(row_of(page, "Ivan Petrov")).to_contain_text("Working on: Cut the booth footage")
    expect(row_of(page, "Sam Fischer")).to_contain_text("Facilitator")
    expect(row_of(page, "Olga Berg")).to_contain_text("Observer")
    screenshot(page, tmp_path, "people")

    # Searching by department, by @handle, by name.
    page.locator("#people-q").fill("PR")
    page.locator(".people-search button[type=submit]").click()
    expect(page.locator(".people-row")).to_have_count(2)
    expect(page.locator(".people-list")).to_contain_text("Petra Vogel")
    page.locator("#people-q").fill("@ivan")
    page.locator(".people-search button[type=submit]").click()
    expect(page.locator(".people-row")).to_have_count(1)
    page.locator(".people-row a").first.click()  # to Ivan's own page
    expect(page).to_have_url(re.compile(r"/people/ivan$"))
    expect(page.locator("h1")).to_contain_text("Ivan Petrov")
    page.goto("/people?q=nobody-here")
    expect(page.locator(".empty-state")).to_be_visible()
    assert page.js_errors == []


@pytest.mark.parametrize(
    ("viewport", "locale", "name", "working_on"),
    [
        (VIEWPORT, "de-DE", "people-team-de", "Arbeitet an"),
        (SMALL_PHONE, "en-US", "people-phone", "Working on"),
        (SMALL_PHONE, "de-DE", "people-team-phone-de", "Arbeitet an"),
    ],
)
def test_the_people_page_in_german_and_on_a_phone(
    browser, team_board, tmp_path, viewport, locale, name, working_on
):
    """The German pictures for the docs come from the German demo (test_screenshots.py):
    this board's ideas are English."""
    page = new_page(
        browser, team_board, team_board.people["paul@example.com"], viewport=viewport, locale=locale
    )
    assert page.goto("/people").ok
    wait_until_live(page)
    expect(row_of(page, "Ivan Petrov")).to_contain_text(working_on)
    screenshot(page, tmp_path, name, for_docs=not name.endswith("-de"))
    assert page.js_errors == []


def test_two_people_with_one_name_are_told_apart_by_handle(browser, team_board, tmp_path):
    people = team_board.people
    page = new_page(browser, team_board, people["paul@example.com"])
    assert page.goto("/?sort=new").ok
    wait_until_live(page)
    cards = page.locator("#idea-list .idea-card")
    first = cards.filter(has_text="Behind the scenes of the warehouse")
    second = cards.filter(has_text="Sales team introductions")
    expect(first.locator("[data-field=handle]")).to_have_text("@anna")
    expect(second.locator("[data-field=handle]")).to_have_text("@anna.w")
    expect(cards.filter(has_text="Trade fair reel").locator("[data-field=handle]")).to_be_hidden()
    # An idea arriving live from one of them is told apart the same way.
    live = Api(team_board, people["anna.w@example.com"]).post_idea("Sales kick-off recap")
    card = page.locator(f'#idea-list .idea-card[data-idea-id="{live["id"]}"]')
    expect(card.locator("[data-field=handle]")).to_have_text("@anna.w")
    expect(card.locator("[data-field=handle]")).to_be_visible()
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, tmp_path, "same-name-board")
    # The people page gives both their department and handle.
    page.goto("/people?q=anna")
    expect(page.locator(".people-row")).to_have_count(2)
    expect(page.locator(".people-list")).to_contain_text("@anna.w")
    expect(page.locator(".people-list")).to_contain_text("Sales")
    assert page.js_errors == []

    phone = new_page(
        browser, team_board, people["paul@example.com"], viewport=SMALL_PHONE, locale="de-DE"
    )
    assert phone.goto("/?sort=new").ok
    wait_until_live(phone)
    scroll_below_the_header(phone, f'.idea-card[data-idea-id="{live["id"]}"]')
    screenshot(phone, tmp_path, "same-name-board-phone-de")


@pytest.fixture(scope="module")
def council_board(own_board):
    return own_board(TEAM, env={"BOARD_OBSERVERS_SEE_NAMES": "0", "BOARD_MIN_GROUP_SIZE": "2"})


@pytest.mark.parametrize(
    ("locale", "name", "sentence"),
    [
        ("en-US", "people-works-council", "by department, not by person"),
        ("de-DE", "people-works-council-de", "nach Abteilungen"),
    ],
)
def test_works_council_observers_see_departments_only(
    browser, council_board, tmp_path, locale, name, sentence
):
    server = council_board
    page = new_page(browser, server, server.people["olga@example.com"], locale=locale)
    assert page.goto("/people").ok
    expect(page.locator("main")).to_contain_text(sentence)
    expect(page.locator(".people-row")).to_have_count(0)
    table = page.locator(".people-departments")
    expect(table).to_contain_text("Marketing")
    text = page.locator("main").inner_text()
    leaked = [full for _email, full, _dept, _role in TEAM if full in text]
    assert leaked == []
    assert "@" not in text
    # The docs' pictures of this page come from the demo (tests/browser/test_works_council.py).
    screenshot(page, tmp_path, name, for_docs=False)
    # A member on the same board sees the people.
    member = new_page(browser, server, server.people["mara@example.com"], locale=locale)
    assert member.goto("/people").ok
    expect(member.locator(".people-row")).to_have_count(len(TEAM))


def test_works_council_observers_see_newcomers_as_department_counts(browser, own_board):
    """A newcomer reaches an open people page of an observer in works-council mode as its
    department's count, never as a person; leaving takes the count down again."""
    server = own_board(TEAM, env={"BOARD_OBSERVERS_SEE_NAMES": "0", "BOARD_MIN_GROUP_SIZE": "2"})
    page = new_page(browser, server, server.people["olga@example.com"])
    assert page.goto("/people").ok
    wait_until_live(page)
    marketing = page.locator(".people-departments tr").filter(has_text="Marketing")
    expect(marketing.locator("td.number")).to_have_text("2")
    listed = requests.get(server.url + "/api/v1/departments", timeout=10).json()
    departments = {d["name"]: d["id"] for d in listed}
    answer = requests.post(
        server.url + "/api/v1/auth/register",
        json={
            "email": "nina@example.com",
            "password": "a-long-enough-secret",
            "display_name": "Nina Quist",
            "department_id": departments["Marketing"],
        },
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    expect(marketing.locator("td.number")).to_have_text("3")
    expect(page.locator(".people-row")).to_have_count(0)
    assert "Nina" not in page.content()
    secret = "a-long-enough-secret"
    nina = Api(server, Person("nina@example.com", "Nina Quist", "member", "Marketing", 0, secret))
    nina.call("DELETE", "me", {"password": secret}, expect=204)
    expect(marketing.locator("td.number")).to_have_text("2")
    assert page.js_errors == []


# ---- a forgotten password ---------------------------------------------------------------


@pytest.fixture(scope="module")
def mail_board(own_board):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    server = own_board(
        [
            ("mara@example.com", "Mara Lange", "Marketing", "member"),
            ("jan@example.com", "Jan Weiß", "IT", "member"),
        ],
        env={
            "BOARD_SMTP_URL": f"smtp://127.0.0.1:{controller.port}",
            "BOARD_MAIL_FROM": "board@example.com",
            "BOARD_BASE_URL": "https://board.example.com",
        },
    )
    yield server, inbox
    controller.stop()


def wait_for_mail(inbox: Inbox, address: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in inbox.messages if m["To"] == address]
        if found:
            return found[-1]
        time.sleep(0.1)  # the board's mail sender runs in its own thread
    raise AssertionError(f"no mail to {address} within {timeout}s")


def login_status(server, email_address: str, password: str) -> int:
    return requests.post(
        server.url + "/api/v1/auth/login",
        json={"email": email_address, "password": password},
        timeout=10,
    ).status_code


@pytest.mark.parametrize(
    ("address", "typed", "viewport", "locale", "suffix"),
    [
        ("mara@example.com", "Mara@Example.com", VIEWPORT, "en-US", ""),
        ("jan@example.com", "jan@example.com", SMALL_PHONE, "de-DE", "-phone-de"),
    ],
)
def test_a_forgotten_password_is_reset_through_the_mailed_link(
    browser, mail_board, tmp_path, address, typed, viewport, locale, suffix
):
    server, inbox = mail_board
    person = server.people[address]
    current, fresh = PASSWORD, NEW_PASSWORD
    assert login_status(server, person.email, current) == 200
    page = new_page(browser, server, viewport=viewport, locale=locale)
    assert page.goto("/login").ok
    page.locator(".forgot-password a").click()
    expect(page).to_have_url(re.compile(r"/forgot-password$"))
    page.locator("#email").fill(typed)
    screenshot(page, tmp_path, f"forgot-password{suffix}")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()

    message = wait_for_mail(inbox, address)
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https://board\.example\.com(/reset-password/[\w-]+)", text)
    assert link, text
    page.goto(link.group(1))
    page.locator("input[name=new_password]").fill(fresh)
    screenshot(page, tmp_path, f"reset-password{suffix}")
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".flash-success")).to_be_visible()
    assert page.js_errors == []

    assert login_status(server, person.email, fresh) == 200
    assert login_status(server, person.email, current) == 401  # the old password no longer
    # The link worked once.
    again = new_page(browser, server, viewport=viewport, locale=locale)
    assert again.goto(link.group(1)).status == 404


# ---- erasing one's account ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewport", "locale", "name", "done"),
    [
        (VIEWPORT, "en-US", "profile-erase", "Your account is erased."),
        (SMALL_PHONE, "de-DE", "profile-erase-phone-de", "Dein Konto ist gelöscht."),
    ],
)
def test_erasing_my_account_on_my_profile(
    browser, team_board, person_factory, tmp_path, viewport, locale, name, done
):
    leaving = person_factory(team_board)
    page = new_page(browser, team_board, leaving, viewport=viewport, locale=locale)
    assert page.goto("/profile#erase-title").ok
    form = page.locator("#erase-form")
    form.locator("input[name=password]").fill(PASSWORD)
    form.scroll_into_view_if_needed()
    screenshot(page, tmp_path, name)
    form.locator("button[type=submit]").click()  # the box is not ticked: the browser stops it
    expect(page).to_have_url(re.compile(r"/profile"))
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("main")).to_contain_text(done)
    assert login_status(team_board, leaving.email, PASSWORD) == 401
    page.goto("/profile")
    expect(page).to_have_url(re.compile(r"/login"))  # logged out for good


@pytest.fixture
def person_factory():
    from tests.browser.helpers import create_person, unique_name

    def make(server):
        name = unique_name("leaver")
        return create_person(server.database_url, name, "member", "Marketing")

    return make
