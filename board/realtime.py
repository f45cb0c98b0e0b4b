"""Socket.IO: authenticated connect, rooms, presence. No business logic lives here.

The socket only pushes (server → client); every write goes through the HTTP API.
"""

from __future__ import annotations

from flask import Flask
from flask import session as cookie_session
from flask_login import current_user
from flask_socketio import SocketIO, join_room

from board import events
from board.settings import Settings

socketio = SocketIO()

ASYNC_MODE = "threading"


def session_room(board_sid: str) -> str:
    return f"session:{board_sid}"


def init_realtime(app: Flask, settings: Settings) -> None:
    socketio.init_app(
        app,
        async_mode=ASYNC_MODE,
        message_queue=settings.message_queue,
        cors_allowed_origins=settings.cors_origins,
        manage_session=False,
        max_http_buffer_size=64 * 1024,
    )
    events.add_publisher(publish)


def publish(envelope: dict, rooms: list[str]) -> None:
    for room in rooms:
        socketio.emit("activity", envelope, to=room)


@socketio.on("connect")
def on_connect(auth=None):
    if not current_user.is_authenticated:
        return False
    join_room(events.PUBLIC_ROOM)
    join_room(events.user_room(current_user.id))
    if cookie_session.get("board_sid"):
        join_room(session_room(cookie_session["board_sid"]))
    return True
