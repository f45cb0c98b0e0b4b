"""Helpers for the socket tests: a Flask-SocketIO test client that carries a JSON
client's login cookie, and readers for what it received."""

from __future__ import annotations

from board.realtime import socketio


def connect(app, json_client, **kwargs):
    """A Socket.IO test client with the cookies of `json_client` (logged in or not)."""
    return socketio.test_client(app, flask_test_client=json_client.client, **kwargs)


def received(socket, name: str) -> list:
    """The payloads of every `name` event the socket got since the last call (also
    after it was disconnected, unlike get_received)."""
    messages, socket.queue[:] = list(socket.queue), []
    return [m["args"][0] for m in messages if m["name"] == name]


def activity(socket) -> list[dict]:
    return received(socket, "activity")
