"""Broadcasts written straight to the WebSockets (board/fanout.py), on a real server in
this process: the frames are valid WebSocket messages, every client gets every event in
`seq` order (WebSocket clients directly, long-polling ones through their queue), and a
frame written directly arrives as a Socket.IO event."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import socketio as socketio_client
from engineio import packet as eio_packet
from socketio import packet as sio_packet
from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage

from board import fanout
from board.realtime import socketio
from tests.conftest import PASSWORD
from tests.test_socket_transport import cookie, server  # noqa: F401 - fixtures

TIMEOUT = 20  # seconds; a bound on waiting, never an expectation of speed


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_text_frame_reads_back_as_one_websocket_message(size):
    text = ("ä" * size)[:size] if size % 2 else "x" * size
    client = Connection(ConnectionType.CLIENT)
    client.receive_data(fanout.text_frame(text))
    [message] = list(client.events())
    assert isinstance(message, TextMessage)
    assert message.data == text and message.message_finished


class Listener:
    def __init__(self, url: str, session_cookie: str, transport: str):
        self.envelopes: list[dict] = []
        self.client = socketio_client.Client(reconnection=False)
        self.client.on("activity", self.envelopes.append)
        self.client.connect(
            url, headers={"Cookie": session_cookie}, transports=[transport], wait_timeout=TIMEOUT
        )

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + TIMEOUT
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.05)


def test_every_client_gets_every_event_in_order(server, cookie):  # noqa: F811
    listeners = [Listener(server, cookie, "websocket") for _ in range(3)]
    listeners.append(Listener(server, cookie, "polling"))
    sockets = list(socketio.server.eio.sockets.values())
    assert sum(hasattr(s, "board_websocket") for s in sockets) >= 3  # the direct path
    session = requests.Session()
    token = session.post(
        f"{server}/api/v1/auth/login",
        json={"email": "ivan@example.com", "password": PASSWORD},
        timeout=TIMEOUT,
    ).json()["csrf_token"]

    def post(n: int) -> None:
        for i in range(n):
            response = session.post(
                f"{server}/api/v1/ideas",
                json={"title": f"Idea {i}", "body": ""},
                headers={"X-CSRF-Token": token},
                timeout=TIMEOUT,
            )
            assert response.status_code == 201

    writers = [threading.Thread(target=post, args=(10,)) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(TIMEOUT * 3)
    for listener in listeners:
        listener.wait_for(20)
        created = [e["seq"] for e in listener.envelopes if e["type"] == "idea.created"]
        assert len(created) == 20
        assert created == sorted(created)
        listener.client.disconnect()


def test_a_frame_written_directly_arrives_as_an_event(server, cookie):  # noqa: F811
    listener = Listener(server, cookie, "websocket")
    [eio_socket] = [
        s for s in socketio.server.eio.sockets.values() if hasattr(s, "board_websocket")
    ]
    envelope = {"seq": 1, "type": "idea.votes_changed", "data": {"idea_id": 7, "votes": 1}}
    encoded = sio_packet.Packet(sio_packet.EVENT, namespace="/", data=["activity", envelope])
    frame = fanout.text_frame(eio_packet.Packet(eio_packet.MESSAGE, encoded.encode()).encode())
    deadline = time.monotonic() + TIMEOUT
    while not fanout.write_direct(eio_socket, frame):  # the writer may still hold a ping
        assert time.monotonic() < deadline
        time.sleep(0.05)
    listener.wait_for(1)
    assert listener.envelopes == [envelope]
    listener.client.disconnect()
