"""Observers (department heads) watch and never change: every write route over HTTP answers
403 read_only and changes nothing, the socket takes no writes, and the pages they read show
them no control that writes."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from board import clock, invites
from models import Base, Nudge, NudgeRecipient, Prompt, User, Webhook

# Every state-changing route and a body that would succeed for a member (so that a refusal
# can only come from the role). A new write route fails test_the_matrix_covers_every_write_route
# until it is added here or, if it changes nothing on the board, to PERSONAL below.
WRITES: dict[tuple[str, str], dict | None] = {
    ("POST", "/api/v1/ideas"): {"title": "Observer idea", "body": "Should not exist"},
    ("PATCH", "/api/v1/ideas/<int:idea_id>"): {"title": "Renamed by an observer"},
    ("PUT", "/api/v1/ideas/<int:idea_id>/vote"): None,
    ("DELETE", "/api/v1/ideas/<int:idea_id>/vote"): None,
    ("POST", "/api/v1/ideas/<int:idea_id>/comments"): {"body": "Observer comment"},
    ("POST", "/api/v1/tasks"): {"title": "Observer task"},
    ("POST", "/api/v1/tasks/<int:task_id>/claim"): None,
    ("POST", "/api/v1/tasks/<int:task_id>/release"): None,
    ("POST", "/api/v1/tasks/<int:task_id>/complete"): None,
    ("POST", "/api/v1/prompts"): {"kind": "challenge", "title": "Observer challenge", "body": "No"},
    ("POST", "/api/v1/nudges"): {"message": "Observer nudge", "to_user_id": "<member_id>"},
    ("POST", "/api/v1/nudges/<int:nudge_id>/read"): None,
    ("PATCH", "/api/v1/tasks/<int:task_id>"): {"channels": ["instagram"], "help_wanted": True},
    ("POST", "/api/v1/tasks/<int:task_id>/renew"): None,
    ("PUT", "/api/v1/ideas/<int:idea_id>/done"): None,
    ("DELETE", "/api/v1/ideas/<int:idea_id>/done"): None,
    ("POST", "/api/v1/ideas/<int:idea_id>/publications"): {
        "url": "https://example.com/reel",
        "channel": "instagram",
    },
    # Following exists to be told of things; observers are told nothing but their summary.
    ("PUT", "/api/v1/ideas/<int:idea_id>/follow"): None,
    ("DELETE", "/api/v1/ideas/<int:idea_id>/follow"): None,
    ("POST", "/api/v1/invites"): {"single_use": True},
    ("DELETE", "/api/v1/invites/<int:invite_id>"): None,
    # fixing mistakes and moderation in the open (issue 17)
    ("POST", "/api/v1/ideas/<int:idea_id>/withdraw"): None,
    ("POST", "/api/v1/ideas/<int:idea_id>/flags"): {"reason": "off_topic"},
    ("PUT", "/api/v1/ideas/<int:idea_id>/hidden"): {"reason": "Observer says no"},
    ("DELETE", "/api/v1/ideas/<int:idea_id>/hidden"): None,
    ("PATCH", "/api/v1/comments/<int:comment_id>"): {"body": "Rewritten by an observer"},
    ("DELETE", "/api/v1/comments/<int:comment_id>"): None,
    ("POST", "/api/v1/comments/<int:comment_id>/flags"): {"reason": "guidelines"},
    ("PUT", "/api/v1/comments/<int:comment_id>/hidden"): {"reason": "Observer says no"},
    ("DELETE", "/api/v1/comments/<int:comment_id>/hidden"): None,
    ("POST", "/api/v1/tasks/<int:task_id>/reopen"): None,
    ("POST", "/api/v1/images"): None,
}
# The pages' own forms (no JavaScript needed). Their refusal may be a 403 page or a redirect
# back with a message; either way nothing changes.
FORMS: dict[tuple[str, str], dict] = {
    ("POST", "/ideas"): {"title": "Observer idea", "body": "No"},
    ("POST", "/ideas/<int:idea_id>/edit"): {"title": "Renamed", "body": ""},
    ("POST", "/ideas/<int:idea_id>/vote"): {"vote": "1"},
    ("POST", "/ideas/<int:idea_id>/comments"): {"body": "Observer comment"},
    ("POST", "/tasks"): {"title": "Observer task"},
    ("POST", "/tasks/<int:task_id>/claim"): {},
    ("POST", "/tasks/<int:task_id>/release"): {},
    ("POST", "/tasks/<int:task_id>/complete"): {},
    ("POST", "/prompts"): {"kind": "prompt", "title": "Observer prompt", "body": "No"},
    ("POST", "/prompts/<int:prompt_id>/ideas"): {"title": "Observer idea", "body": ""},
    ("POST", "/prompts/<int:prompt_id>/ideas/<int:idea_id>/vote"): {"vote": "1"},
    ("POST", "/prompts/<int:prompt_id>/ideas/<int:idea_id>/notes"): {"body": "Note"},
    ("POST", "/prompts/<int:prompt_id>/ideas/<int:idea_id>/tasks"): {"titles": "One\nTwo"},
    ("POST", "/nudges"): {
        "message": "Observer nudge",
        "target": "to_user_id",
        "to_user_id": "<member_id>",
    },
    ("POST", "/nudges/<int:nudge_id>/read"): {},
    ("POST", "/tasks/<int:task_id>/plan"): {"channels": "instagram", "help_wanted": "1"},
    ("POST", "/tasks/<int:task_id>/renew"): {},
    ("POST", "/ideas/<int:idea_id>/done"): {"done": "1"},
    ("POST", "/ideas/<int:idea_id>/publications"): {
        "url": "https://example.com/reel",
        "channel": "instagram",
    },
    ("POST", "/ideas/<int:idea_id>/follow"): {"follow": "1"},
    ("POST", "/invites"): {"days": "7"},
    ("POST", "/invites/<int:invite_id>/revoke"): {},
    ("POST", "/ideas/<int:idea_id>/withdraw"): {},
    ("POST", "/ideas/<int:idea_id>/flag"): {"reason": "off_topic"},
    ("POST", "/ideas/<int:idea_id>/hide"): {"reason": "Observer says no"},
    ("POST", "/comments/<int:comment_id>/edit"): {"body": "Rewritten"},
    ("POST", "/comments/<int:comment_id>/delete"): {},
    ("POST", "/comments/<int:comment_id>/flag"): {"reason": "guidelines"},
    ("POST", "/comments/<int:comment_id>/hide"): {"reason": "Observer says no"},
    ("POST", "/tasks/<int:task_id>/reopen"): {},
    ("POST", "/webhooks"): {"url": "http://127.0.0.1:9/observer", "format": "json", "sign": "1"},
    ("POST", "/webhooks/<int:webhook_id>/test"): {},
    ("POST", "/webhooks/<int:webhook_id>/remove"): {},
}
# Writes that touch only the caller's own session or settings, never the board.
PERSONAL = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("PATCH", "/api/v1/me"),
    ("DELETE", "/api/v1/me"),
    ("POST", "/api/v1/feed/token"),
    ("DELETE", "/api/v1/feed/token"),
    ("POST", "/feed/token"),
    ("POST", "/feed/token/revoke"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/register"),
    ("POST", "/language"),
    ("POST", "/settings"),
    ("POST", "/profile"),
    ("POST", "/profile/time-zone"),
    ("POST", "/profile/password"),
    ("POST", "/profile/erase"),  # erasing oneself, as DELETE /api/v1/me
    ("POST", "/profile/sessions/<int:session_id>/end"),
    ("DELETE", "/api/v1/me/sessions/<int:session_id>"),
    ("POST", "/api/v1/me/password"),
    ("POST", "/reset-password/<token>"),
    ("POST", "/forgot-password"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("POST", "/mail/unsubscribe/<token>"),
    ("POST", "/api/v1/notifications/read"),
    ("POST", "/notifications/read"),
    ("POST", "/api/v1/calendar/token"),
    ("DELETE", "/api/v1/calendar/token"),
    ("POST", "/calendar/token"),
    ("POST", "/calendar/token/revoke"),
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Words on a button or link that would change the board.
WRITE_WORDS = (
    "vote",
    "claim",
    "release",
    "complete",
    "comment",
    "post",
    "new idea",
    "new task",
    "create task",
    "nudge",
    "edit",
    "save",
    "send",
    "delete",
    "challenge",
    "flag",
    "hide",
    "withdraw",
    "reopen",
    "upload",
)


def write_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods & WRITE_METHODS
        if rule.endpoint != "static"
    }


def snapshot(app) -> dict:
    """Every row of every table: 'changes nothing' means this stays equal."""
    with app.extensions["board_db"].Session() as session:
        return {
            table.name: sorted(map(tuple, session.execute(select(table)).all()), key=repr)
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def board_with_things(app, people_, member, other_member):
    """An idea in an open challenge, a task the member holds, a nudge to the member:
    something for every write to aim at."""
    sam, mara = people_.user("facilitator"), people_.user("member")
    with app.extensions["board_db"].Session() as session:
        now = clock.now()
        prompt = Prompt(
            kind="challenge",
            title="Open challenge",
            body="",
            author_id=sam.id,
            submissions_close_at=now + timedelta(days=2),
            voting_close_at=now + timedelta(days=4),
            hide_tallies=False,
            created_at=now,
        )
        nudge = Nudge(
            message="Psst",
            from_id=sam.id,
            to_user_id=mara.id,
            created_at=now,
            recipients=[NudgeRecipient(user_id=mara.id)],
        )
        webhook = Webhook(url="http://127.0.0.1:9/hook", format="json", created_at=now)
        session.add_all([prompt, nudge, webhook])
        invite, _token = invites.create_invite(
            session, session.get(User, sam.id), single_use=True, days=7
        )
        session.commit()
        prompt_id, nudge_id, webhook_id, invite_id = prompt.id, nudge.id, webhook.id, invite.id
    idea = member.post(
        "ideas", json={"title": "Existing idea", "body": "", "prompt_id": prompt_id}
    ).get_json()["id"]
    member.put(f"ideas/{idea}/vote")
    held = member.post("tasks", json={"title": "Held task", "idea_id": idea}).get_json()["id"]
    member.post(f"tasks/{held}/claim")
    comment = member.post(f"ideas/{idea}/comments", json={"body": "A comment"}).get_json()["id"]
    return {
        "comment_id": comment,
        "idea_id": idea,
        "task_id": held,
        "prompt_id": prompt_id,
        "nudge_id": nudge_id,
        "invite_id": invite_id,
        "webhook_id": webhook_id,
        "<member_id>": mara.id,
    }


def fill(rule: str, body: dict | None, things: dict) -> tuple[str, dict | None]:
    path = rule
    for name, value in things.items():
        path = path.replace(f"<int:{name}>", str(value))
    assert "<" not in path, f"no value for the parameter in {rule}"
    if body is not None:
        body = {
            k: str(things[v]) if isinstance(v, str) and v in things else v for k, v in body.items()
        }
    return path, body


def test_the_matrix_covers_every_write_route(app):
    uncovered = sorted(write_routes(app) - set(WRITES) - set(FORMS) - PERSONAL)
    assert not uncovered, f"add these write routes to the observer matrix: {uncovered}"


@pytest.mark.parametrize("method, rule", sorted(WRITES))
def test_observers_cannot_write_over_http(app, request, method, rule):
    assert (method, rule) in write_routes(app), f"{method} {rule} is gone: update the matrix"
    observer = request.getfixturevalue("observer")
    board_with_things = request.getfixturevalue("board_with_things")
    path, body = fill(rule, WRITES[(method, rule)], board_with_things)
    if body is not None and "to_user_id" in body:
        body["to_user_id"] = int(body["to_user_id"])
    before = snapshot(app)
    response = observer._call(method, path, json=body)
    assert response.status_code == 403, (method, path, response.get_json())
    assert response.get_json()["error"]["code"] == "read_only"
    assert snapshot(app) == before


@pytest.mark.parametrize("method, rule", sorted(FORMS))
def test_observers_cannot_write_through_the_pages_forms(app, request, method, rule):
    assert (method, rule) in write_routes(app), f"{method} {rule} is gone: update the matrix"
    observer = request.getfixturevalue("observer")
    board_with_things = request.getfixturevalue("board_with_things")
    path, form = fill(rule, FORMS[(method, rule)], board_with_things)
    before = snapshot(app)
    response = observer.client.open(
        path, method=method, data=form, headers={"X-CSRF-Token": observer.csrf_token}
    )
    assert response.status_code == 403 or 300 <= response.status_code < 400, (
        path,
        response.status_code,
    )
    assert snapshot(app) == before


def test_observer_refusals_speak_the_observers_language(observer, board_with_things):
    response = observer.post(
        "ideas", json={"title": "x", "body": ""}, headers={"Accept-Language": "de"}
    )
    assert response.get_json()["error"] == {
        "code": "read_only",
        "message": "Wer beobachtet, sieht das Board, kann aber nichts ändern.",
    }


def test_the_socket_takes_no_writes_from_observers(app, observer, board_with_things):
    from board.realtime import socketio

    socket = socketio.test_client(app, flask_test_client=observer.client)
    assert socket.is_connected()
    before = snapshot(app)
    idea = board_with_things["idea_id"]
    for name, payload in [
        ("vote", {"idea_id": idea}),
        ("idea.create", {"title": "Sneaky"}),
        ("comment", {"idea_id": idea, "body": "Sneaky"}),
        ("task.claim", {"task_id": board_with_things["task_id"]}),
        ("activity", {"type": "idea.created", "data": {}}),
    ]:
        socket.emit(name, payload)
    assert snapshot(app) == before
    socket.disconnect()


# ---- the pages show observers no control that writes ----------------------------------


class Controls(HTMLParser):
    """Collects forms, text areas, editable regions and buttons/links with their words."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.editable: list[str] = []
        self.buttons: list[dict] = []
        self._form: dict | None = None
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action") or "",
            }
            self.forms.append(self._form)
        elif tag in ("textarea",) or attrs.get("contenteditable") not in (None, "false"):
            self.editable.append(tag)
        elif tag in ("button", "a") or (tag == "input" and attrs.get("type") == "submit"):
            self._button = {
                "tag": tag,
                "form": self._form,
                "text": attrs.get("value") or "",
                "data": " ".join(
                    f"{k}={v}"
                    for k, v in attrs.items()
                    if k.startswith("data-") or k in ("id", "class", "role")
                ),
            }
            self.buttons.append(self._button)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag in ("button", "a"):
            self._button = None

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data


def allowed_form(form: dict) -> bool:
    """GET forms only navigate; POST forms may only aim at the observer's own things."""
    if form["method"] == "get":
        return True
    action = form["action"].split("?")[0]
    return any(re.fullmatch(re.sub(r"<[^>]+>", "[^/]+", rule), action) for _m, rule in PERSONAL)


NOT_PAGES = {
    "web.feed_atom",
    "web.feed_csv",
    "web.feed_export_csv",
    "web.feed_updates",
    "web.inbox_updates",
    "web.login",
    "web.register",
}


def observer_pages(app, things) -> list[str]:
    """Every page an observer can open: GET routes of the page blueprint, ids filled in."""
    pages = ["/feed?period=all"]
    for rule in app.url_map.iter_rules():
        if (
            not rule.endpoint.startswith("web.")
            or rule.endpoint in NOT_PAGES
            or "GET" not in rule.methods
        ):
            continue
        if not set(rule.arguments) <= {"idea_id", "task_id", "prompt_id"}:
            continue
        pages.append(fill(rule.rule, None, things)[0])
    return sorted(set(pages))


def test_pages_show_observers_no_controls_that_write(app, observer, facilitator, board_with_things):
    observer.post("feed/token")  # the renew and revoke buttons are the observer's own
    pages = observer_pages(app, board_with_things)
    assert {"/", "/feed"} <= set(pages)
    for path in pages:
        response = observer.get(path)
        if response.status_code in (403, 404) or "html" not in response.content_type:
            continue  # not a page for observers (e.g. the facilitator's help)
        assert response.status_code == 200, path
        controls = Controls()
        controls.feed(response.get_data(as_text=True))
        assert all(allowed_form(form) for form in controls.forms), (path, controls.forms)
        assert controls.editable == [], (path, controls.editable)
        for button in controls.buttons:
            if button["form"] is not None and allowed_form(button["form"]):
                continue
            words = f"{button['text']} {button['data']}".lower()
            if button["tag"] == "a" and "role=button" not in words:
                continue  # plain links navigate; they cannot write
            assert not any(word in words for word in WRITE_WORDS), (path, button)
