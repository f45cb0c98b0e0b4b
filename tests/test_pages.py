"""The pages, driven like a browser without JavaScript: the Flask test client posts the
forms (with their CSRF field), follows Post/Redirect/Get and reads what a person would see."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from board import ideas, people, tasks
from models import Event, Idea, Prompt, Task, Vote
from tests.conftest import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Browser:
    """A person at a browser with JavaScript switched off."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token: str | None = None

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        self._remember_token(response)
        return response

    def _remember_token(self, response):
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            found = CSRF_META.search(html) or CSRF_FIELD.search(html)
            if found:
                self.token = found.group(1)

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs):
        form = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login")
            form.setdefault("csrf_token", self.token)
        response = self.client.post(path, data=form, **kwargs)
        self._remember_token(response)
        return response

    def follow(self, response):
        """Follow a redirect the way a browser does."""
        assert response.status_code in (302, 303), response.status_code
        return self.get(response.headers["Location"])

    def login(self, email: str, password: str = PASSWORD, next: str | None = None):
        self.get("/login")
        data = {"email": email, "password": password}
        if next is not None:
            data["next"] = next
        response = self.post("/login", data)
        assert response.status_code == 302, response.get_data(as_text=True)
        self.get("/")  # the session changed at login: pick up its new token
        return response


def text_of(response) -> str:
    """The page's visible-ish text: tags dropped, entities decoded, whitespace squeezed."""
    html = re.sub(r"<(script|template)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def html_of(response) -> str:
    return response.get_data(as_text=True)


def without_templates(html: str) -> str:
    return re.sub(r"<template\b.*?</template>", "", html, flags=re.S)


@pytest.fixture
def browse(app, people_):
    """browse("member") → a Browser logged in as that fixture person (or anonymous)."""

    def make(name: str = "member") -> Browser:
        browser = Browser(app)
        if name != "anonymous":
            browser.login(people_.user(name).email)
        return browser

    return make


@pytest.fixture
def story(app, people_):
    """An idea by the member with a task, made through the services."""
    with app.extensions["board_db"].Session() as session:
        member = session.merge(people_.user("member"))
        idea = ideas.create_idea(
            session, member, "Trade fair reel", "**Short** clips", ["instagram"]
        )
        task = tasks.create_task(session, member, "Film the booth", "Bring the gimbal", idea["id"])
    return {"idea": idea["id"], "task": task["id"]}


def _db(app):
    return app.extensions["board_db"].Session()


# ---- who sees what -----------------------------------------------------------------------

PAGES = [
    "/",
    "/ideas/{idea}",
    "/tasks/{task}",
    "/my-tasks",
    "/?sort=new",
    "/?sort=hot",
    "/?sort=top&department=1&tag=instagram&q=reel",
]


@pytest.mark.parametrize("role", ["member", "facilitator", "observer"])
def test_every_page_answers_for_every_role(browse, story, role):
    browser = browse(role)
    for page in PAGES:
        response = browser.get(page.format(**story))
        # observers hold no tasks: "My tasks" tells them so (a 403 page, see below)
        wanted = 403 if role == "observer" and page == "/my-tasks" else 200
        assert response.status_code == wanted, page
        assert response.mimetype == "text/html"


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_go_to_login_and_come_back(app, people_, story, page):
    path = page.format(**story)
    browser = Browser(app)
    response = browser.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = browser.follow(response)
    assert login_page.status_code == 200
    assert "Please log in first." in text_of(login_page)
    login_form = html_of(login_page).split('action="/login"', 1)[1]  # not the language form
    next_field = re.search(r'name="next" value="([^"]*)"', login_form).group(1)
    assert unescape(next_field) == path
    answer = browser.post(
        "/login",
        {"email": people_.user("member").email, "password": PASSWORD, "next": unescape(next_field)},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == path
    assert browser.follow(answer).status_code == 200


def test_login_and_register_pages_are_open_to_visitors(app, people_):
    browser = Browser(app)
    assert browser.get("/login").status_code == 200
    register = browser.get("/register")
    assert register.status_code == 200
    assert 'name="department_id"' in html_of(register)
    assert ">Marketing<" in html_of(register)  # the department select lists departments


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        " //evil.example",
    ],
)
def test_login_never_sends_anyone_off_site(app, people_, target):
    browser = Browser(app)
    browser.get("/login")
    response = browser.post(
        "/login", {"email": people_.user("member").email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_logged_in_person_sees_who_they_are_on_the_login_page(browse):
    browser = browse("member")
    for path in ("/login?next=/my-tasks", "/register"):
        response = browser.get(path)
        assert response.status_code == 200
        assert "You are logged in as Mara." in text_of(response)
    assert 'href="/my-tasks" role="button"' in html_of(browser.get("/login?next=/my-tasks"))


def test_wrong_password_says_so_without_saying_which_part(app, people_):
    browser = Browser(app)
    browser.get("/login")
    wrong = browser.post(
        "/login", {"email": people_.user("member").email, "password": "nope-nope-nope"}
    )
    unknown = browser.post("/login", {"email": "nobody@example.com", "password": "nope-nope-nope"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong email or password." in text_of(response)
    assert browser.get("/").status_code == 302  # still logged out


def test_registration_makes_a_member_and_logs_them_in(app, people_):
    with _db(app) as session:
        department = people.get_or_create_department(session, "Logistics")
        session.commit()
        department_id = department.id
    browser = Browser(app)
    browser.get("/register")
    response = browser.post(
        "/register",
        {
            "email": "neu@example.com",
            "password": "a-long-enough-password",
            "display_name": "Nele",
            "department_id": str(department_id),
            "role": "facilitator",
            "next": "/my-tasks",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/my-tasks"
    page = browser.follow(response)
    assert "Welcome to the board, Nele!" in text_of(page)
    with _db(app) as session:
        assert people.find_user(session, "neu@example.com").role == "member"


def test_registration_refusals_are_shown_next_to_the_fields(app, people_):
    browser = Browser(app)
    browser.get("/register")
    weak = browser.post(
        "/register",
        {"email": "not-an-email", "password": "short", "display_name": "", "department_id": "999"},
    )
    assert weak.status_code == 400
    page = text_of(weak)
    assert "Enter a valid email address." in page
    assert "Use at least 10 characters." in page
    assert "That department does not exist." in page
    taken = browser.post(
        "/register",
        {
            "email": people_.user("member").email,
            "password": "a-long-enough-password",
            "display_name": "X",
            "department_id": str(people_.user("member").department_id),
        },
    )
    assert taken.status_code == 409
    assert "That email address is already registered." in text_of(taken)


def test_registration_without_a_department_asks_for_one(app, people_):
    browser = Browser(app)
    browser.get("/register")
    form = {
        "email": "neu@example.com",
        "password": "a-long-enough-password",
        "display_name": "Nele",
    }
    unchosen = browser.post("/register", {**form, "department_id": ""})
    assert unchosen.status_code == 400
    assert "Choose your department." in text_of(unchosen)
    assert "does not exist" not in text_of(unchosen)
    german = Browser(app)
    german.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    german.get("/register")
    assert "Bitte wähle deine Abteilung." in text_of(
        german.post("/register", {**form, "department_id": ""})
    )


def test_an_expired_form_leads_back_to_its_page_not_to_a_reload_that_fails_again(browse):
    """Reloading the answer to a refused form sends the same stale token again; the page's
    way on is the form's page, opened anew."""
    browser = browse("member")
    browser.get("/settings")
    stale = {"handle": "mara", "email_notifications": "off", "csrf_token": "from-before"}
    refused = browser.post(
        "/settings", stale, csrf=False, headers={"Referer": "http://localhost/settings?x=1"}
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "This form has expired. Open its page again and send the form once more." in page
    assert '<a href="/settings?x=1" role="button">Open the page again</a>' in page
    elsewhere = browser.post(
        "/settings", stale, csrf=False, headers={"Referer": "https://evil.example/settings"}
    )
    assert '<a href="/" role="button">Back to the board</a>' in elsewhere.get_data(as_text=True)
    assert "evil.example" not in elsewhere.get_data(as_text=True)


def test_logout_is_a_post_and_ends_the_session(browse):
    browser = browse("member")
    assert browser.client.get("/logout").status_code == 405
    response = browser.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "You are logged out." in text_of(browser.follow(response))
    assert browser.get("/").status_code == 302


# ---- forms without JavaScript ------------------------------------------------------------


def test_member_posts_an_idea_with_the_form(app, browse):
    browser = browse("member")
    response = browser.post(
        "/ideas",
        {"title": "Packing lists", "body": "A *carousel*", "tags": "Instagram, #blog", "next": "/"},
    )
    assert response.status_code == 302
    page = browser.follow(response)
    assert "Your idea is on the board." in text_of(page)
    assert "<em>carousel</em>" in html_of(page)
    assert "#instagram" in text_of(page) and "#blog" in text_of(page)
    board = browser.get("/")
    assert "Packing lists" in text_of(board)


def test_an_empty_or_oversized_idea_is_refused_kindly(app, browse):
    browser = browse("member")
    # The board comes back with the form open, as typed, the error beside the title.
    empty = browser.post("/ideas", {"title": "   ", "body": "Kept words", "next": "/"})
    assert empty.status_code == 400
    page = empty.get_data(as_text=True)
    assert '<details class="compose" id="new-idea" open>' in page
    assert 'id="idea-title-error">This must not be empty.</small>' in page
    assert ">Kept words</textarea>" in page
    huge = browser.post("/ideas", {"title": "x" * 201, "body": "", "next": "/"})
    assert "At most 200 characters." in text_of(huge)
    with _db(app) as session:
        assert session.scalar(select(func.count(Idea.id))) == 0


def test_vote_and_unvote_with_the_form(app, browse, story):
    browser = browse("other_member")
    response = browser.post(f"/ideas/{story['idea']}/vote", {"vote": "1", "next": "/"})
    assert response.status_code == 302 and response.headers["Location"] == f"/#idea-{story['idea']}"
    board = browser.follow(response)
    assert "Your vote is in." in text_of(board)
    card = card_html(board, "idea", story["idea"])
    assert '<span class="votes" data-field="votes"' in card and ">1</span>" in card
    assert 'data-action="unvote"' in card and "backed by 1 department" in card
    browser.post(f"/ideas/{story['idea']}/vote", {"vote": "1", "next": "/"})  # idempotent
    with _db(app) as session:
        assert session.scalar(select(func.count(Vote.id))) == 1
    back = browser.follow(browser.post(f"/ideas/{story['idea']}/vote", {"vote": "0", "next": "/"}))
    assert "Your vote is taken back." in text_of(back)
    assert 'data-action="vote"' in card_html(back, "idea", story["idea"])
    with _db(app) as session:
        assert session.scalar(select(func.count(Vote.id))) == 0


def card_html(response, kind: str, object_id: int) -> str:
    html = without_templates(html_of(response))
    start = html.index(f'id="{kind}-{object_id}"')
    end = html.find("</article>", start)
    return html[start:end]


def test_comment_and_mentor_note_with_the_form(app, browse, story):
    member = browse("member")
    page = member.follow(member.post(f"/ideas/{story['idea']}/comments", {"body": "Love it"}))
    assert "Your comment is posted." in text_of(page)
    assert "Love it" in text_of(page)
    assert 'name="mentor_note"' not in html_of(page)  # members get no mentor-note box
    refused = member.follow(
        member.post(f"/ideas/{story['idea']}/comments", {"body": "Sneaky", "mentor_note": "1"})
    )
    assert "Only the facilitator may do this." in text_of(refused)
    assert "Sneaky" not in text_of(refused)
    facilitator = browse("facilitator")
    page = facilitator.get(f"/ideas/{story['idea']}")
    assert 'name="mentor_note"' in html_of(page)
    page = facilitator.follow(
        facilitator.post(
            f"/ideas/{story['idea']}/comments", {"body": "Film vertical", "mentor_note": "1"}
        )
    )
    note = re.search(
        r'<li class="comment mentor-note".*?</li>', without_templates(html_of(page)), re.S
    )
    assert note and "Film vertical" in note.group(0) and "Mentor note" in note.group(0)


def test_the_author_edits_an_idea_and_nobody_else_can(app, browse, story):
    other = browse("other_member")
    page = other.get(f"/ideas/{story['idea']}")
    assert f'action="/ideas/{story["idea"]}/edit"' not in html_of(page)
    refused = other.follow(
        other.post(f"/ideas/{story['idea']}/edit", {"title": "Mine now", "body": "", "tags": ""})
    )
    assert "Only its author may edit an idea." in text_of(refused)
    author = browse("member")
    assert f'action="/ideas/{story["idea"]}/edit"' in html_of(author.get(f"/ideas/{story['idea']}"))
    page = author.follow(
        author.post(
            f"/ideas/{story['idea']}/edit",
            {"title": "Trade fair reels", "body": "Three clips", "tags": "tiktok"},
        )
    )
    assert "Your changes are saved." in text_of(page)
    assert "Trade fair reels" in text_of(page) and "#tiktok" in text_of(page)


def test_task_life_cycle_with_forms(app, browse, story):
    browser = browse("other_member")
    created = browser.post(
        "/tasks",
        {
            "title": "Cut the reel",
            "description": "",
            "idea_id": str(story["idea"]),
            "next": f"/ideas/{story['idea']}",
        },
    )
    assert created.status_code == 302
    page = browser.follow(created)
    assert "The task is on the board." in text_of(page)
    with _db(app) as session:
        task_id = session.scalar(select(Task.id).where(Task.title == "Cut the reel"))
    board = browser.get("/")
    assert f'data-task-id="{task_id}"' in section_html(board, "tasks-open")
    claimed = browser.follow(browser.post(f"/tasks/{task_id}/claim", {"next": "/"}))
    assert "The task is yours." in text_of(claimed)
    column = section_html(claimed, "tasks-claimed")
    assert f'data-task-id="{task_id}"' in column
    assert 'data-action="complete"' in card_html(claimed, "task", task_id)
    released = browser.follow(browser.post(f"/tasks/{task_id}/release", {"next": "/"}))
    assert "You released the task" in text_of(released)
    assert f'data-task-id="{task_id}"' in section_html(released, "tasks-open")
    browser.post(f"/tasks/{task_id}/claim", {"next": "/"})
    done = browser.follow(browser.post(f"/tasks/{task_id}/complete", {"next": "/my-tasks"}))
    assert "Done! Thank you." in text_of(done)
    assert f'data-task-id="{task_id}"' in section_html(done, "tasks-completed")


def section_html(response, section_id: str) -> str:
    html = without_templates(html_of(response))
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_claiming_a_taken_task_gets_a_friendly_message(app, browse, people_, story):
    first, second = browse("member"), browse("other_member")
    first.post(f"/tasks/{story['task']}/claim", {"next": "/"})
    response = second.post(f"/tasks/{story['task']}/claim", {"next": "/"})
    page = second.follow(response)
    assert "Someone else claimed this task first." in text_of(page)
    assert 'class="flash flash-error"' in html_of(page)
    refused = second.follow(second.post(f"/tasks/{story['task']}/release", {"next": "/"}))
    assert "Only the person who claimed a task may release or complete it." in text_of(refused)
    with _db(app) as session:
        assert session.get(Task, story["task"]).claimed_by_id == people_.user("member").id


def test_the_claim_limit_is_explained(app, browse, people_):
    with _db(app) as session:
        member = session.merge(people_.user("member"))
        ids = [tasks.create_task(session, member, f"Task {n}")["id"] for n in range(6)]
    browser = browse("member")
    for task_id in ids[:5]:
        browser.post(f"/tasks/{task_id}/claim", {"next": "/"})
    page = browser.follow(browser.post(f"/tasks/{ids[5]}/claim", {"next": "/"}))
    assert (
        "You hold as many open tasks as one person may (5); finish or release one first."
        in text_of(page)
    )


def test_forms_carry_a_csrf_token_and_without_it_nothing_changes(app, browse, story):
    browser = browse("member")
    board = html_of(browser.get("/"))
    for form in re.findall(r'<form method="post".*?</form>', board, re.S):
        assert 'name="csrf_token"' in form
    response = browser.post("/ideas", {"title": "No token"}, csrf=False)
    assert response.status_code == 400
    response = browser.post(f"/tasks/{story['task']}/claim", {"csrf_token": "forged"}, csrf=False)
    assert response.status_code == 400
    with _db(app) as session:
        assert session.scalar(select(func.count(Idea.id))) == 1
        assert session.get(Task, story["task"]).status == "open"


def test_a_form_cannot_put_a_task_on_someone_else(app, browse, people_, story):
    other_id = people_.user("other_member").id
    browser = browse("member")
    browser.post(
        f"/tasks/{story['task']}/claim",
        {"claimed_by_id": str(other_id), "assignee": str(other_id), "next": "/"},
    )
    with _db(app) as session:
        assert session.get(Task, story["task"]).claimed_by_id == people_.user("member").id


@pytest.mark.parametrize("role", ["member", "facilitator", "observer"])
def test_no_page_offers_to_assign_work(browse, story, role):
    browser = browse(role)
    for page in ("/", f"/ideas/{story['idea']}", f"/tasks/{story['task']}", "/my-tasks"):
        html = html_of(browser.get(page)).lower()
        assert "assign" not in re.sub(r"never assigned|nobody assigns|zugeteilt", "", html)
        assert 'name="claimed_by' not in html and 'name="assignee' not in html


# ---- observers ------------------------------------------------------------------------------

WRITE_FORM_ACTIONS = re.compile(r'<form method="post" action="(?!/logout|/language)([^"]+)"')


def test_observers_see_no_control_that_writes(browse, story):
    browser = browse("observer")
    for page in ("/", f"/ideas/{story['idea']}", f"/tasks/{story['task']}", "/my-tasks"):
        html = html_of(browser.get(page))
        assert WRITE_FORM_ACTIONS.findall(html) == [], page
        assert 'data-action="claim"' not in html and 'data-action="vote"' not in html
    assert "Read-only view" in text_of(browser.get("/"))
    assert 'action="/language"' in html_of(browser.get("/"))  # their own setting


def test_members_do_see_their_controls(browse, story):
    html = html_of(browse("other_member").get("/"))
    assert "/ideas" in WRITE_FORM_ACTIONS.findall(html)
    assert f"/tasks/{story['task']}/claim" in WRITE_FORM_ACTIONS.findall(html)
    assert f"/ideas/{story['idea']}/vote" in WRITE_FORM_ACTIONS.findall(html)


def test_an_observer_posting_anyway_is_refused(app, browse, story):
    browser = browse("observer")
    for path, data in (
        (f"/ideas/{story['idea']}/vote", {"vote": "1"}),
        ("/ideas", {"title": "Hi"}),
        (f"/tasks/{story['task']}/claim", {}),
        ("/tasks", {"title": "Hi"}),
        (f"/ideas/{story['idea']}/comments", {"body": "Hi"}),
    ):
        page = browser.follow(browser.post(path, {**data, "next": "/"}))
        assert "Observers watch the board and cannot change it." in text_of(page), path
    with _db(app) as session:
        assert session.scalar(select(func.count(Vote.id))) == 0
        assert session.scalar(select(func.count(Idea.id))) == 1
        assert session.get(Task, story["task"]).status == "open"


# ---- user text stays text -----------------------------------------------------------------

EVIL = "<script>alert(1)</script>"


def test_user_text_never_becomes_markup(app, browse, people_):
    with _db(app) as session:
        member = session.merge(people_.user("member"))
        member.display_name = '<img src=x onerror="alert(2)">'
        session.commit()
        idea = ideas.create_idea(
            session,
            member,
            EVIL,
            f"{EVIL}\n\n<img src=x onerror=alert(3)> [x](javascript:alert(4))",
            ["a-b"],
        )
        ideas.add_comment(session, member, idea["id"], f"{EVIL} <iframe src=//evil>")
        task = tasks.create_task(
            session, member, EVIL, f"{EVIL} [y](javascript:alert(5))", idea["id"]
        )
    browser = browse("other_member")
    for page in (
        "/",
        f"/ideas/{idea['id']}",
        f"/tasks/{task['id']}",
        "/?q=%3Cscript%3E",
        f"/?tag={EVIL}",
    ):
        html = html_of(browser.get(page))
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html and "<iframe" not in html, page
        assert 'href="javascript:' not in html, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_of(browser.get(f"/ideas/{idea['id']}"))


# ---- what the live layer hooks into -----------------------------------------------------------


def test_pages_carry_the_hooks_the_live_client_needs(app, browse, story):
    browser = browse("member")
    board = browser.get("/")
    html = html_of(board)
    with _db(app) as session:
        last_seq = session.scalar(select(func.max(Event.seq)))
    assert f'data-seq="{last_seq}"' in html
    assert '<meta name="csrf-token" content="' in html
    for hook in (
        'id="presence"',
        'id="connection-status"',
        'id="tasks-open"',
        'id="tasks-claimed"',
        'id="tasks-done"',
        f'data-idea-id="{story["idea"]}"',
        f'data-task-id="{story["task"]}"',
        'data-action="claim"',
        'id="tpl-idea-card"',
        'id="tpl-task-card"',
        'id="idea-list"',
    ):
        assert hook in html, hook
    assert '<script type="module" src="/static/js/board.js">' in html
    idea_page = html_of(browser.get(f"/ideas/{story['idea']}"))
    assert 'id="comment-list"' in idea_page and 'id="tpl-comment"' in idea_page


def test_pages_keep_to_the_content_security_policy(browse, story):
    browser = browse("facilitator")
    for page in ("/", f"/ideas/{story['idea']}", f"/tasks/{story['task']}", "/my-tasks"):
        html = html_of(browser.get(page))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert not re.search(r"<style\b", html), page
        assert not re.search(r"\sstyle=", html), page
        assert not re.search(r"\son[a-z]+=", html), page
    for anonymous_page in ("/login", "/register"):
        html = html_of(Browser(browser.client.application).get(anonymous_page))
        # logged out, the modules that word the form messages in the page's language and
        # read the browser's time zone
        assert re.findall(r"<script[^>]*>", html) == [
            '<script type="module" src="/static/js/validity.js">',
            '<script type="module" src="/static/js/zone.js">',
        ], anonymous_page


# ---- the navigation ---------------------------------------------------------------------------


def test_navigation_shows_help_only_to_the_facilitator(browse):
    assert 'href="/help"' in html_of(browse("facilitator").get("/"))
    for role in ("member", "observer"):
        html = html_of(browse(role).get("/"))
        assert 'href="/help"' not in html
        for link in ('href="/"', 'href="/prompts"', 'href="/feed"', 'href="/calendar"'):
            assert link in html


def test_observers_menu_has_no_page_that_stays_empty_for_them(browse):
    """Observers hold no tasks and receive no nudges or notifications: their menu leaves out
    "My tasks", "Nudges" and "Inbox", which the people taking part keep."""
    personal = ('href="/my-tasks"', 'href="/nudges"', 'href="/notifications"')
    for role in ("member", "facilitator"):
        html = html_of(browse(role).get("/"))
        assert all(link in html for link in personal), role
    for path in ("/", "/calendar", "/feed"):
        html = html_of(browse("observer").get(path))
        assert not any(link in html for link in personal), path


def test_my_tasks_tells_an_observer_where_to_follow_the_work(browse):
    answer = browse("observer").get("/my-tasks")
    assert answer.status_code == 403
    page = text_of(answer)
    assert "Observers hold no tasks" in page and "I'm working on" not in page
    german = text_of(browse("observer").get("/my-tasks", headers={"Accept-Language": "de"}))
    assert "In der Beobachtungsrolle übernimmst du keine Aufgaben" in german
    # the whole list of one's own tasks answers the same; the board's columns stay open
    assert browse("observer").get("/tasks?status=done&mine=1").status_code == 403
    assert browse("observer").get("/tasks?status=done").status_code == 200


def test_observers_are_not_asked_to_pick_up_tasks(browse, story):
    member = browse("member")
    observer = browse("observer")
    assert "Pick what you can do" in text_of(member.get("/"))
    board = text_of(observer.get("/"))
    assert "Pick what you can do" not in board and "Who is working on what." in board
    assert "pick one up" in text_of(member.get("/calendar"))
    calendar = text_of(observer.get("/calendar"))
    assert "pick one up" not in calendar and "still waiting for someone" in calendar
    task = text_of(observer.get(f"/tasks/{story['task']}"))
    assert "only you can claim" not in task and "people claim tasks for themselves" in task


def test_an_observers_inbox_says_why_it_stays_empty(browse):
    """An observer who opens the inbox anyway reads why it is empty, not how it is sorted."""
    assert "Unread first, grouped by idea." in text_of(browse("member").get("/notifications"))
    inbox = text_of(browse("observer").get("/notifications"))
    assert "As an observer you receive no notifications here." in inbox
    assert "Unread first" not in inbox


def test_the_nudge_badge_shows_the_unread_count(app, browse):
    browser = browse("member")
    app.template_context_processors[None].append(lambda: {"unread_nudges": 3})
    html = html_of(browser.get("/"))
    badge = re.search(r'<span id="nudge-badge".*?</span></span>', html, re.S).group(0)
    assert 'data-count="3"' in badge and "hidden" not in badge.split(">")[0]


def test_navigation_names_the_person_and_their_department(browse, people_):
    html = text_of(browse("member").get("/"))
    assert "Mara" in html and "Marketing" in html


# ---- prompts and challenges on the board --------------------------------------------------------


def test_the_board_shows_current_prompts_and_hides_challenge_tallies(app, browse, people_):
    from datetime import timedelta

    from board import clock

    now = clock.now()
    with _db(app) as session:
        sam = session.merge(people_.user("facilitator"))
        running = Prompt(
            kind="challenge",
            title="Summer launch",
            body="",
            author_id=sam.id,
            submissions_close_at=now + timedelta(days=2),
            voting_close_at=now + timedelta(days=5),
            hide_tallies=True,
            votes_per_person=3,
            created_at=now,
        )
        closed = Prompt(
            kind="challenge",
            title="Old contest",
            body="",
            author_id=sam.id,
            submissions_close_at=now - timedelta(days=5),
            voting_close_at=now - timedelta(days=1),
            hide_tallies=True,
            created_at=now,
        )
        session.add_all([running, closed])
        session.commit()
        running_id, closed_id = running.id, closed.id
        idea = ideas.create_idea(
            session, session.merge(people_.user("member")), "Trail reel", "", prompt_id=running_id
        )
    browser = browse("other_member")
    browser.post(f"/ideas/{idea['id']}/vote", {"vote": "1", "next": "/"})
    board = browser.get("/")
    html = without_templates(html_of(board))
    assert f'href="/prompts/{running_id}"' in html
    assert f'href="/prompts/{closed_id}"' not in html.split('id="ideas"')[0]
    card = card_html(board, "idea", idea["id"])
    assert 'data-hidden="1"' in card
    assert "Tallies hidden until the challenge closes" in card
    assert "3 votes per person" in text_of(board)
    page = text_of(browser.get(f"/ideas/{idea['id']}"))
    assert "In this challenge everyone has 3 votes." in page


# How each language says that a tally is hidden, and what it said before the number went.
HIDDEN_WORD = {"en": "hidden", "de": "verborgen"}


def card_text(html: str) -> str:
    """A card's text as a reader sees it: elements with `hidden` and tags left out."""
    html = re.sub(r"<(\w+)\b[^>]*\shidden[\s>][^<]*</\1>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_hidden_tally_is_said_once_on_a_challenge_ideas_card(app, browse, people_, language):
    """The card said it twice: "? hidden" where the number goes, and "Tallies hidden until
    the challenge closes" under it. The sentence stays; the box shows no number."""
    from datetime import timedelta

    from board import clock

    now = clock.now()
    with _db(app) as session:
        running = Prompt(
            kind="challenge",
            title="Summer launch",
            body="",
            author_id=people_.user("facilitator").id,
            submissions_close_at=now + timedelta(days=2),
            voting_close_at=now + timedelta(days=5),
            hide_tallies=True,
            created_at=now,
        )
        session.add(running)
        session.commit()
        idea = ideas.create_idea(
            session, session.merge(people_.user("member")), "Trail reel", "", prompt_id=running.id
        )
    headers = {"Accept-Language": language}
    for who in ("other_member", "observer"):  # with a vote button and without
        browser = browse(who)
        board = card_text(card_html(browser.get("/", headers=headers), "idea", idea["id"]))
        page = html_of(browser.get(f"/ideas/{idea['id']}", headers=headers))
        support = page[page.index('class="aside-card support-card"') :]
        support = card_text(support[: support.index("</section>")])
        for text in (board, support):
            assert text.lower().count(HIDDEN_WORD[language]) == 1, (who, text)
            assert "?" not in text, (who, text)


# ---- language -----------------------------------------------------------------------------------


def test_pages_speak_german_after_the_browser(app, browse, story):
    browser = browse("member")
    board = text_of(browser.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert "Ideen" in board and "Aufgaben" in board and "Idee posten" in board
    assert "Post an idea" not in board
    idea = text_of(browser.get(f"/ideas/{story['idea']}", headers={"Accept-Language": "de"}))
    assert "Kommentare" in idea and "Daraus eine Aufgabe machen" in idea
    login = text_of(Browser(app).get("/login", headers={"Accept-Language": "de"}))
    assert "Anmelden" in login and "Passwort" in login


def test_refusals_speak_german_too(app, browse, story):
    first, second = browse("member"), browse("other_member")
    first.post(f"/tasks/{story['task']}/claim", {"next": "/"})
    response = second.post(
        f"/tasks/{story['task']}/claim", {"next": "/"}, headers={"Accept-Language": "de"}
    )
    page = second.get(response.headers["Location"], headers={"Accept-Language": "de"})
    assert "Jemand anderes war schneller" in text_of(page)


def test_the_language_switch_wins_over_the_browser(app, browse):
    browser = browse("member")
    response = browser.post("/language", {"language": "de", "next": "/my-tasks"})
    assert response.status_code == 302 and response.headers["Location"] == "/my-tasks"
    page = text_of(browser.get("/my-tasks", headers={"Accept-Language": "en"}))
    assert "Meine Aufgaben" in page
    browser.post("/language", {"language": "en", "next": "/"})
    assert "My tasks" in text_of(browser.get("/my-tasks", headers={"Accept-Language": "de"}))


def test_an_observer_chooses_between_the_weekly_summary_and_no_mail(browse):
    """Observers receive nothing but the feed's weekly summary: the settings page offers
    them that or nothing, and the people taking part every choice."""
    member = html_of(browse("member").get("/settings"))
    for choice in ("off", "instant", "daily", "weekly"):
        assert f'name="email_notifications" value="{choice}"' in member
    observer = html_of(browse("observer").get("/settings"))
    offered = re.findall(r'name="email_notifications" value="(\w+)"', observer)
    assert offered == ["off", "weekly"]


def test_an_observer_is_not_promised_word_of_mentions(browse):
    """An observer's settings said "Others mention you with @handle", as if a mention would
    reach them; observers are told of nothing as it happens."""
    member = text_of(browse("member").get("/settings"))
    assert "Others mention you with @" in member and "not notified" not in member
    observer = text_of(browse("observer").get("/settings", headers={"Accept-Language": "de"}))
    assert "in der Beobachtungsrolle wirst du darüber nicht benachrichtigt" in observer
    assert "Andere erwähnen dich mit" not in observer


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "2 to 30 lowercase letters"), ("de", "2 bis 30 Kleinbuchstaben")],
)
def test_a_refused_settings_form_comes_back_as_typed(browse, language, message):
    """A bad handle is explained beside the field, and what was typed and chosen stays on
    the page (no flash naming the field `handle`, no form reset to the old values)."""
    browser = browse("member")
    browser.get("/settings")
    response = browser.post(
        "/settings",
        {"handle": "Sam Sung", "email_notifications": "weekly"},
        headers={"Accept-Language": language},
    )
    assert response.status_code == 400
    page = html_of(response)
    assert 'value="Sam Sung"' in page
    assert re.search(r'value="weekly" checked', page)
    error = re.search(r'<small class="field-error" id="settings-handle-error">(.*?)</small>', page)
    assert error and message in error.group(1)
    assert "handle:" not in text_of(response)
    saved = html_of(browser.get("/settings"))
    assert 'value="weekly" checked' not in saved  # nothing was half-saved


def test_an_empty_board_asks_only_those_who_may_post_to_be_first(browse):
    assert "No ideas yet. Be the first!" in text_of(browse("member").get("/"))
    observer = text_of(browse("observer").get("/"))
    assert "No ideas yet." in observer and "Be the first" not in observer


def test_a_notifications_link_says_open_as_a_verb_in_german(app, member):
    """The toast of a new notification links with "Open": in German that is „Öffnen", not
    the open task's „Offen" (one msgid served both)."""
    member.patch("me", json={"language": "de"})
    page = member.client.get("/").get_data(as_text=True)
    raw = re.search(r'data-i18n="([^"]*)"', page).group(1)
    strings = json.loads(unescape(raw))
    assert strings["notification_open"] == "Öffnen"
    assert strings["status_open"] == "Offen"


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("role", ["facilitator", "observer"])
def test_each_page_title_names_the_board_once(browse, story, role, language):
    """A tab reads "Activity · Task-force board": the feed's title said the board's name
    twice ("Aktivität · Taskforce-Board · Taskforce-Board")."""
    browser = browse(role)
    paths = [page.format(**story) for page in PAGES if page != "/my-tasks"]
    paths += ["/feed", "/feed?period=7", "/prompts", "/people", "/settings", "/profile"]
    if role == "facilitator":
        paths += ["/help", "/moderation", "/invites", "/webhooks", "/nudges"]
    board_name = {"en": "Task-force board", "de": "Taskforce-Board"}[language]
    for path in paths:
        response = browser.get(path, headers={"Accept-Language": language})
        title = re.search(r"<title>(.*?)</title>", html_of(response), flags=re.S).group(1)
        assert unescape(title).count(board_name) == 1, (path, title)


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "That handle is already taken."), ("de", "Diesen Kurznamen hat schon jemand.")],
)
def test_a_taken_handle_is_said_beside_the_handle_field(browse, people_, language, message):
    """Someone else's handle: the settings page said so in a box above the form, with the
    handle box neither marked nor focused. It is said beside the box, once, and the box
    keeps what was typed."""
    browser = browse("member")
    browser.get("/settings")
    taken = people_.user("other_member").handle
    response = browser.post(
        "/settings",
        {"handle": taken, "email_notifications": "weekly"},
        headers={"Accept-Language": language},
    )
    assert response.status_code == 400
    page = html_of(response)
    error = re.search(r'<small class="field-error" id="settings-handle-error">(.*?)</small>', page)
    assert error and error.group(1) == message
    field = re.search(r'<input id="handle"[^>]*>', page).group(0)
    assert f'value="{taken}"' in field and 'aria-invalid="true"' in field
    assert 'aria-describedby="settings-handle-error"' in field and "autofocus" in field
    assert text_of(response).count(message) == 1  # not once above the form and once beside
