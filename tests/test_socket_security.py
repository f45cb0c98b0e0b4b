"""Who may open a socket, from where, how much they may send, and that sending changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from board import create_app
from board.realtime import MAX_CLIENT_MESSAGE_BYTES, socketio
from board.settings import Settings, SettingsError
from models import Comment, Event, Idea, Task, Vote
from tests.realtime_helpers import activity, connect

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def test_a_connection_without_a_logged_in_session_is_refused(app, anonymous):
    socket = connect(app, anonymous)
    assert not socket.is_connected()


def test_a_connection_after_logout_is_refused(app, member):
    assert member.post("auth/logout").status_code == 204
    assert not connect(app, member).is_connected()


def test_a_session_without_board_sid_is_refused(app, member):
    """Logout finds sockets by the login's board_sid: a socket without one must not exist."""
    with member.client.session_transaction() as cookie_session:
        del cookie_session["board_sid"]
    assert not connect(app, member).is_connected()


@pytest.mark.parametrize("name", ["member", "facilitator", "observer"])
def test_every_role_may_watch_the_board_live(app, people_, name):
    assert connect(app, people_.client(name)).is_connected()


# ---- origin ---------------------------------------------------------------------------


def test_a_handshake_from_another_origin_is_refused(app, member):
    response = member.client.get(HANDSHAKE, headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert b"Not an accepted origin" in response.data


def test_a_handshake_from_the_boards_own_origin_is_accepted(app, member):
    response = member.client.get(HANDSHAKE, headers={"Origin": "http://localhost"})
    assert response.status_code == 200
    assert response.data.startswith(b"0{")


def test_named_origins_are_the_only_ones_accepted(settings):
    from dataclasses import replace

    named = create_app(
        {"TESTING": True}, settings=replace(settings, cors_origins=["https://board.example.com"])
    )
    try:
        client = named.test_client()
        ok = client.get(HANDSHAKE, headers={"Origin": "https://board.example.com"})
        refused = client.get(HANDSHAKE, headers={"Origin": "http://localhost"})
        assert (ok.status_code, refused.status_code) == (200, 400)
    finally:
        named.extensions["board_db"].dispose()


@pytest.mark.parametrize("raw", ["*", "https://board.example.com,*", "", " , "])
def test_the_environment_cannot_switch_the_origin_check_off(raw, tmp_path):
    with pytest.raises(SettingsError):
        Settings.from_env({"BOARD_CORS_ORIGINS": raw, "BOARD_INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("origins", ["*", ["*"], [], ["https://a.example", "*"]])
def test_no_other_path_can_switch_the_origin_check_off(settings, origins):
    from dataclasses import replace

    with pytest.raises(SettingsError):
        create_app({"TESTING": True}, settings=replace(settings, cors_origins=origins))


def test_the_server_refuses_to_run_if_the_check_was_switched_off_later(app):
    from board.realtime import require_origin_check

    eio = socketio.server.eio
    saved = eio.cors_allowed_origins
    try:
        for off in ("*", []):
            eio.cors_allowed_origins = off
            with pytest.raises(SettingsError):
                require_origin_check()
    finally:
        eio.cors_allowed_origins = saved


# ---- size -----------------------------------------------------------------------------


def open_polling_session(member) -> str:
    response = member.client.get(HANDSHAKE)
    assert response.status_code == 200
    return json.loads(response.data[1:])["sid"]


def test_an_oversized_message_is_refused(app, member):
    sid = open_polling_session(member)
    oversized = "4" + "x" * (MAX_CLIENT_MESSAGE_BYTES + 1)
    response = member.client.post(
        f"{HANDSHAKE}&sid={sid}", data=oversized, content_type="text/plain"
    )
    assert response.status_code == 413


def test_only_a_sockets_requests_pass_the_socket_middleware(app, member, monkeypatch):
    """Flask-SocketIO's middleware copies every request's environ, and under gunicorn
    Engine.IO's defines a class for it: a page or an API call goes to Flask past them, a
    socket's request still through them (board/realtime.py: socket_paths_apart)."""
    middleware = type(socketio.sockio_mw)
    call = middleware.__call__
    passed = []

    def noting(self, environ, start_response):
        passed.append(environ["PATH_INFO"])
        return call(self, environ, start_response)

    monkeypatch.setattr(middleware, "__call__", noting)
    served = {"gunicorn.socket": object()}  # as gunicorn's environ carries it
    assert member.get("me", environ_base=served).status_code == 200
    assert member.client.get("/", environ_base=served).status_code == 200
    assert passed == []
    assert member.client.get(HANDSHAKE, environ_base=served).status_code == 200
    assert passed == ["/socket.io/"]


def test_a_message_within_the_limit_is_accepted(app, member):
    sid = open_polling_session(member)
    response = member.client.post(f"{HANDSHAKE}&sid={sid}", data="40", content_type="text/plain")
    assert response.status_code == 200


# ---- clients cannot write ---------------------------------------------------------------


def test_the_socket_has_no_handler_but_connect_and_disconnect():
    """Writes are HTTP only: a handler for client events would be a second, unchecked API."""
    assert set(socketio.server.handlers.get("/", {})) <= {"connect", "disconnect"}


def counts(db):
    return [
        db.scalar(select(func.count()).select_from(model))
        for model in (Idea, Vote, Comment, Task, Event)
    ]


CLIENT_EMITS = [
    ("vote", {"idea_id": 1}),
    ("idea.create", {"title": "Sneaky", "body": "x"}),
    ("activity", {"seq": 999, "type": "idea.created", "data": {}}),
    ("claim", {"task_id": 1}),
    ("message", "hello"),
    ("disconnect", None),
    ("connect", {"role": "facilitator"}),
    ("presence", {"online": 1000}),
]


def test_whatever_a_client_emits_changes_nothing_and_reaches_nobody(app, db, member, other_member):
    idea = member.post("ideas", json={"title": "Real", "body": ""}).get_json()
    member.post("tasks", json={"title": "Real task", "idea_id": idea["id"]})
    sender, watcher = connect(app, member), connect(app, other_member)
    activity(watcher)
    before = counts(db)

    for event, payload in CLIENT_EMITS:
        sender.emit(event, payload)

    db.expire_all()
    assert counts(db) == before
    assert watcher.get_received() == []
    assert sender.is_connected() and watcher.is_connected()
