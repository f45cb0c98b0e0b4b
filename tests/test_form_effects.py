"""Every page form × every role, judged by what it did to the database, not by its status.

A page form answers everyone with a redirect (Post/Redirect/Get, refusals as a flash
message), so a status says nothing about whether it worked. Each row below posts a form
that would succeed for the right person and names the roles whose post must change the
board; for every other role the whole database must stay exactly as it was.
`test_every_page_form_has_a_row` walks the URL map, so a new form cannot skip the table.

The board the forms aim at (people of every role logged in, one of everything) is built
once per module; each case gets its own copy of that database file and its own app.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from board import clock, create_app, invites, webhooks
from board import ideas as idea_service
from board import nudges as nudge_service
from board import prompts as prompt_service
from board import tasks as task_service
from board.settings import Settings
from models import Base, LoginSession, User
from tests.conftest import PASSWORD, JsonClient, People, make_people

ROLES = ("member", "other_member", "facilitator", "observer")
EVERYONE = frozenset(ROLES)
TAKING_PART = frozenset({"member", "other_member", "facilitator"})
MARA = frozenset({"member"})  # the author of {idea}, the claimant of {claimed}
SAM = frozenset({"facilitator"})
NOBODY: frozenset[str] = frozenset()

# Columns that change on any request by a logged-in person (bookkeeping, not the board).
VOLATILE_COLUMNS = {"last_seen_at", "last_active_at", "last_seen"}


@dataclass(frozen=True)
class Form:
    rule: str  # exactly as in app.url_map
    path: str  # with {idea}, {task} (open), {claimed} (held by member), … filled in
    data: dict
    changes: frozenset[str]  # the roles whose post must change the database
    note: str = ""


FORMS = [
    Form("/ideas", "/ideas", {"title": "Form idea", "body": "x", "tags": "reel"}, TAKING_PART),
    Form("/ideas/<int:idea_id>/edit", "/ideas/{idea}/edit", {"title": "Renamed", "body": ""}, MARA),
    Form("/ideas/<int:idea_id>/vote", "/ideas/{idea}/vote", {"vote": "1"}, TAKING_PART),
    Form("/ideas/<int:idea_id>/comments", "/ideas/{idea}/comments", {"body": "Yes!"}, TAKING_PART),
    Form(
        "/ideas/<int:idea_id>/follow",
        "/ideas/{idea}/follow",
        {"following": "1"},
        frozenset({"other_member", "facilitator"}),
        note="its author follows it already",
    ),
    Form("/ideas/<int:idea_id>/done", "/ideas/{idea}/done", {"done": "1"}, MARA),
    Form(
        "/ideas/<int:idea_id>/publications",
        "/ideas/{idea}/publications",
        {"url": "https://example.com/reel", "channel": "instagram"},
        TAKING_PART,
    ),
    Form("/tasks", "/tasks", {"title": "Form task"}, TAKING_PART),
    Form("/tasks/<int:task_id>/claim", "/tasks/{task}/claim", {}, TAKING_PART),
    Form("/tasks/<int:task_id>/release", "/tasks/{claimed}/release", {}, MARA),
    Form("/tasks/<int:task_id>/complete", "/tasks/{claimed}/complete", {}, MARA),
    Form(
        "/tasks/<int:task_id>/plan",
        "/tasks/{claimed}/plan",
        {"channels": "instagram", "help_wanted": "1"},
        MARA,
    ),
    Form("/prompts", "/prompts", {"kind": "prompt", "title": "What now?", "body": ""}, SAM),
    Form(
        "/prompts/<int:prompt_id>/ideas",
        "/prompts/{prompt}/ideas",
        {"title": "An answer", "body": ""},
        TAKING_PART,
    ),
    Form(
        "/prompts/<int:prompt_id>/ideas/<int:idea_id>/vote",
        "/prompts/{prompt}/ideas/{prompt_idea}/vote",
        {"vote": "1"},
        TAKING_PART,
    ),
    Form(
        "/prompts/<int:prompt_id>/ideas/<int:idea_id>/notes",
        "/prompts/{prompt}/ideas/{prompt_idea}/notes",
        {"body": "Try a shorter hook."},
        SAM,
    ),
    Form(
        "/prompts/<int:prompt_id>/ideas/<int:idea_id>/tasks",
        "/prompts/{prompt}/ideas/{prompt_idea}/tasks",
        {"titles": "Script\nShoot"},
        TAKING_PART,
    ),
    Form(
        "/nudges",
        "/nudges",
        {"message": "Need a hand?", "target": "to_user_id", "to_user_id": "{mara}"},
        SAM,
    ),
    Form("/nudges/<int:nudge_id>/read", "/nudges/{nudge}/read", {}, MARA),
    Form("/invites", "/invites", {"days": "7"}, SAM),
    Form("/invites/<int:invite_id>/revoke", "/invites/{invite}/revoke", {}, SAM),
    Form(
        "/webhooks",
        "/webhooks",
        {"url": "http://127.0.0.1:9/effects", "format": "json", "sign": "1"},
        SAM,
    ),
    Form("/webhooks/<int:webhook_id>/remove", "/webhooks/{webhook}/remove", {}, SAM),
    # Everyone's own things: observers included, and never anybody else's.
    Form("/language", "/language", {"language": "de"}, EVERYONE),
    Form("/settings", "/settings", {"email_notifications": "weekly"}, EVERYONE),
    Form("/profile", "/profile", {"display_name": "Renamed Person"}, EVERYONE),
    Form("/profile/time-zone", "/profile/time-zone", {"timezone": "Europe/Berlin"}, EVERYONE),
    Form(
        "/profile/password",
        "/profile/password",
        {"current_password": PASSWORD, "new_password": "a-new-long-passphrase"},
        EVERYONE,
    ),
    Form(
        "/profile/sessions/<int:session_id>/end",
        "/profile/sessions/{session}/end",
        {},
        MARA,
        note="Mara's session on her phone",
    ),
    Form(
        "/profile/erase",
        "/profile/erase",
        {"password": PASSWORD, "confirm": "1"},
        EVERYONE,
        note="each erases only themselves",
    ),
    Form("/feed/token", "/feed/token", {}, EVERYONE),
    Form("/calendar/token", "/calendar/token", {}, EVERYONE),
    Form("/logout", "/logout", {}, EVERYONE),
    # fixing mistakes and moderation in the open (issue 17): {comment} is Mara's comment on
    # {idea}, {done} a task she completed
    Form("/ideas/<int:idea_id>/withdraw", "/ideas/{idea}/withdraw", {}, MARA),
    Form("/ideas/<int:idea_id>/flag", "/ideas/{idea}/flag", {"reason": "off_topic"}, TAKING_PART),
    Form("/ideas/<int:idea_id>/hide", "/ideas/{idea}/hide", {"reason": "confidential"}, SAM),
    Form("/comments/<int:comment_id>/edit", "/comments/{comment}/edit", {"body": "Fixed"}, MARA),
    Form("/comments/<int:comment_id>/delete", "/comments/{comment}/delete", {}, MARA),
    Form(
        "/comments/<int:comment_id>/flag",
        "/comments/{comment}/flag",
        {"reason": "guidelines"},
        TAKING_PART,
    ),
    Form("/comments/<int:comment_id>/hide", "/comments/{comment}/hide", {"reason": "rude"}, SAM),
    Form("/tasks/<int:task_id>/reopen", "/tasks/{done}/reopen", {}, MARA),
]
# Forms that are not a logged-in person's: they are tested where their flow is.
ELSEWHERE = {
    "/login": "tests/test_pages.py, tests/test_security_pages.py",
    "/register": "tests/test_pages.py, tests/test_invites.py",
    "/reset-password/<token>": "tests/test_accounts.py",
    "/forgot-password": "tests/test_password_reset_mail.py (no login, a real SMTP server)",
    "/mail/unsubscribe/<token>": "tests/test_mail.py (one click, no login)",
    "/feed/token/revoke": "tests/test_feed_export.py (needs a token first)",
    "/calendar/token/revoke": "tests/test_calendar.py (needs a token first)",
    "/notifications/read": "tests/test_notifications.py (needs a notification first)",
    "/tasks/<int:task_id>/renew": "tests/test_leases.py (needs leases turned on)",
    "/webhooks/<int:webhook_id>/test": "tests/test_webhooks.py (sends, records nothing)",
}


def snapshot(app) -> dict:
    """Every row of every table, bookkeeping columns left out."""
    with app.extensions["board_db"].Session() as session:
        state = {}
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            rows = session.execute(select(*columns)).all()
            state[table.name] = sorted(map(tuple, rows), key=repr)
        return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


@dataclass(frozen=True)
class BoardTemplate:
    """The board every case starts from, saved once per module: a database file and the
    cookies and CSRF tokens of each role's login in it."""

    path: Path
    cookies: dict[str, list[dict]]
    csrf_tokens: dict[str, str]
    ids: dict[str, int]


def make_things(app, people_: People) -> dict[str, int]:
    """One of everything a form can aim at, made through the services."""
    with app.extensions["board_db"].Session() as session:
        mara = session.get(User, people_.user("member").id)
        sam = session.get(User, people_.user("facilitator").id)
        idea = idea_service.create_idea(session, mara, "Booth reel", "Short clips")
        task = task_service.create_task(session, mara, "Open task", idea_id=idea["id"])
        claimed = task_service.create_task(session, mara, "Held task", idea_id=idea["id"])
        task_service.claim_task(session, mara, claimed["id"], claim_limit=10)
        prompt = prompt_service.create_prompt(session, sam, "prompt", "What should we film?")
        prompt_idea = idea_service.create_idea(
            session, mara, "Behind the scenes", "", prompt_id=prompt["id"]
        )
        nudge = nudge_service.send_nudge(session, sam, "Need a hand?", to_user_id=mara.id)
        invite, _token = invites.create_invite(session, sam)
        webhook = webhooks.add_webhook(
            session, "http://127.0.0.1:9/hook", "json", None, [], actor=None, local_network=True
        )
        comment = idea_service.add_comment(session, mara, idea["id"], "Typo hre")
        done = task_service.create_task(session, mara, "Done task")
        task_service.claim_task(session, mara, done["id"], claim_limit=10)
        task_service.complete_task(session, mara, done["id"])
        phone = LoginSession(
            board_sid="effects-phone", user_id=mara.id, user_agent="phone", created_at=clock.now()
        )
        session.add(phone)
        session.commit()
        return {
            "idea": idea["id"],
            "task": task["id"],
            "claimed": claimed["id"],
            "prompt": prompt["id"],
            "prompt_idea": prompt_idea["id"],
            "nudge": nudge["id"],
            "invite": invite.id,
            "webhook": webhook.id,
            "session": phone.id,
            "mara": mara.id,
            "comment": comment["id"],
            "done": done["id"],
        }


@pytest.fixture(scope="module")
def board_template(sqlite_template, tmp_path_factory) -> BoardTemplate:
    """People of every role logged in and one of everything, built once per module (the
    156 cases each start from a copy of this file instead of building it again)."""
    workdir = tmp_path_factory.mktemp("form-effects")
    path = workdir / "board.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        instance_path=workdir / "instance",
        database_url=f"sqlite:///{path}",
        secret_key="test-secret",
        claim_limit=5,
        testing=True,
    )
    app = create_app({"TESTING": True}, settings=settings)
    try:
        people_ = make_people(app)
        clients = {role: people_.client(role) for role in ROLES}
        ids = make_things(app, people_)
    finally:
        app.extensions["board_db"].dispose()  # the last connection folds the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return BoardTemplate(
        path,
        {role: saved_cookies(client.client) for role, client in clients.items()},
        {role: client.csrf_token for role, client in clients.items()},
        ids,
    )


def saved_cookies(client) -> list[dict]:
    """A test client's cookies (werkzeug lists them only on the client's _cookies)."""
    return [
        {
            "key": cookie.decoded_key,
            "value": cookie.decoded_value,
            "domain": cookie.domain,
            "origin_only": cookie.origin_only,
            "path": cookie.path,
        }
        for cookie in client._cookies.values()
    ]


@pytest.fixture
def database_url(board_template, tmp_path) -> str:
    """Each case on its own copy of the module's board."""
    path = tmp_path / "board.sqlite3"
    shutil.copy(board_template.path, path)
    return f"sqlite:///{path}"


@pytest.fixture
def things(app, board_template):
    """Each role's client, logged in (the template's login), and the ids of the things."""
    clients = {}
    for role in ROLES:
        client = JsonClient(app.test_client())
        for cookie in board_template.cookies[role]:
            client.client.set_cookie(**cookie)
        client.csrf_token = board_template.csrf_tokens[role]
        clients[role] = client
    return clients, board_template.ids


def page_form_rules(app) -> set[str]:
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and not rule.rule.startswith("/api/")
        and rule.endpoint != "static"
    }


def test_every_page_form_has_a_row(app):
    covered = {form.rule for form in FORMS} | set(ELSEWHERE)
    assert not page_form_rules(app) - covered, "add these forms to FORMS (or ELSEWHERE)"
    assert not covered - page_form_rules(app), "rows for forms that no longer exist"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("form", FORMS, ids=[f.rule for f in FORMS])
def test_a_form_changes_the_board_exactly_for_the_roles_it_may(app, things, form, role):
    clients, ids = things
    client = clients[role]
    path = form.path.format(**ids)
    data = {k: v.format(**ids) for k, v in form.data.items()}
    before = snapshot(app)
    response = client.client.post(path, data=data, headers={"X-CSRF-Token": client.csrf_token})
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    changed = changed_tables(before, snapshot(app))
    if role in form.changes:
        assert changed, f"{role}'s {path} changed nothing ({response.status_code})"
    else:
        assert not changed, f"{role}'s {path} changed {changed}"
