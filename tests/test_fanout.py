"""Broadcasts written straight to the WebSockets (board/fanout.py), on a real server in
this process: the frames are valid WebSocket messages, every client gets every event in
`seq` order (WebSocket clients directly, long-polling ones through their queue), and a
frame written directly arrives as a Socket.IO event."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests
import socketio as socketio_client
import websocket
from engineio import packet as eio_packet
from socketio import packet as sio_packet
from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage

from board import fanout
from board.events import PUBLIC_ROOM
from board.realtime import ACTIVITY, socketio
from tests.conftest import PASSWORD
from tests.test_socket_transport import cookie, open_websocket, server  # noqa: F401 - fixtures

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


def poster(url: str):
    """Posts a new idea with the given title, as a logged-in member, over HTTP."""
    session = requests.Session()
    token = session.post(
        f"{url}/api/v1/auth/login",
        json={"email": "ivan@example.com", "password": PASSWORD},
        timeout=TIMEOUT,
    ).json()["csrf_token"]

    def post(title: str) -> None:
        response = session.post(
            f"{url}/api/v1/ideas",
            json={"title": title, "body": ""},
            headers={"X-CSRF-Token": token},
            timeout=TIMEOUT,
        )
        assert response.status_code == 201

    return post


def test_every_client_gets_every_event_in_order(server, cookie):  # noqa: F811
    listeners = [Listener(server, cookie, "websocket") for _ in range(3)]
    listeners.append(Listener(server, cookie, "polling"))
    sockets = list(socketio.server.eio.sockets.values())
    assert sum(hasattr(s, "board_websocket") for s in sockets) >= 3  # the direct path
    post_idea = poster(server)

    def post(n: int) -> None:
        for i in range(n):
            post_idea(f"Idea {i}")

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
    writers = fanout.writers_of(socketio.server.eio)
    # The writer may still hold a ping, or not be listed yet: until then it is to be queued.
    while fanout.write_frames(writers, [eio_socket.sid], frame):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    listener.wait_for(1)
    assert listener.envelopes == [envelope]
    listener.client.disconnect()


def listed_writer() -> fanout.DirectWriter:
    """The one socket's direct writer, once its writer thread has listed it."""
    writers = fanout.writers_of(socketio.server.eio)
    deadline = time.monotonic() + TIMEOUT
    while not writers:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    [writer] = writers.values()
    return writer


def activities(ws: websocket.WebSocket, count: int) -> list[dict]:
    received = []
    while len(received) < count:
        message = ws.recv()
        if message.startswith("42"):  # an event; pings and presence counts aside
            name, envelope = json.loads(message[2:])
            if name == ACTIVITY:
                received.append(envelope)
    return received


def test_an_event_too_big_for_the_socket_buffer_arrives_whole_and_before_the_next(
    server,  # noqa: F811
    cookie,  # noqa: F811
):
    """The first frame is only partly written at once (the client reads nothing yet and
    both buffers are small): its rest goes in the background, and the events after it,
    written or queued meanwhile, still arrive after it, each whole."""
    ws = open_websocket(
        server, cookie, TIMEOUT, sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)]
    )
    writer = listed_writer()
    writer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    text = "".join(chr(0x61 + i % 26) for i in range(300_000))
    socketio.emit(ACTIVITY, {"seq": 1, "text": text}, to=PUBLIC_ROOM, namespace="/")
    for seq in range(2, 21):
        socketio.emit(ACTIVITY, {"seq": seq}, to=PUBLIC_ROOM, namespace="/")
    received = activities(ws, 20)
    assert [envelope["seq"] for envelope in received] == list(range(1, 21))
    assert received[0]["text"] == text
    ws.close()


def test_a_broadcast_waits_behind_what_the_sockets_writer_is_sending(server, cookie):  # noqa: F811
    """A packet that went through the socket's queue and is still being sent by its
    writer thread arrives before a broadcast made meanwhile."""
    ws = open_websocket(server, cookie, TIMEOUT)
    writer = listed_writer()
    eio_socket = socketio.server.eio.sockets[writer.sid]
    queued = sio_packet.Packet(sio_packet.EVENT, namespace="/", data=[ACTIVITY, {"seq": 1}])
    with writer.send_lock:  # the writer takes the packet, then waits to send it
        eio_socket.send(eio_packet.Packet(eio_packet.MESSAGE, queued.encode()))
        deadline = time.monotonic() + TIMEOUT
        while not writer.busy:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        socketio.emit(ACTIVITY, {"seq": 2}, to=PUBLIC_ROOM, namespace="/")
    assert [envelope["seq"] for envelope in activities(ws, 2)] == [1, 2]
    ws.close()


def test_a_closed_socket_leaves_the_fan_out(server, cookie):  # noqa: F811
    """Sockets come and go all day: each one's direct writer goes with it."""
    listeners = [Listener(server, cookie, "websocket") for _ in range(3)]
    writers = fanout.writers_of(socketio.server.eio)
    deadline = time.monotonic() + TIMEOUT
    while len(writers) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for listener in listeners:
        listener.client.disconnect()
    while writers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert writers == {}


def test_sockets_that_come_later_get_the_events_after_they_came(server, cookie):  # noqa: F811
    """Each pass writes to the sockets its rooms held when it started: one that connects
    after a pass gets the next one, one that left gets nothing more."""
    post = poster(server)

    def titles(listener: Listener) -> list[str]:
        return [e["data"]["idea"]["title"] for e in listener.envelopes]

    first = Listener(server, cookie, "websocket")
    post("One")
    first.wait_for(1)
    second = Listener(server, cookie, "websocket")
    post("Two")
    second.wait_for(1)
    first.wait_for(2)
    first.client.disconnect()
    third = Listener(server, cookie, "websocket")
    post("Three")
    second.wait_for(2)
    third.wait_for(1)

    assert titles(first) == ["One", "Two"]
    assert titles(second) == ["Two", "Three"]
    assert titles(third) == ["Three"]
    second.client.disconnect()
    third.client.disconnect()


def test_the_sockets_kept_per_audience_stay_few_however_many_private_events():
    """Each private event names its own recipients' rooms: a server that sends thousands
    of them between two connects keeps a bounded number of audiences, not one each."""
    manager = socketio.server.manager
    manager.basic_enter_room("sid", "/", None, eio_sid="eio")
    try:
        for n in range(3 * fanout.MAX_AUDIENCES):
            manager._audience("/", (f"user:{n}",))
        assert len(manager._audiences) <= fanout.MAX_AUDIENCES
    finally:
        manager.basic_leave_room("sid", "/", None)
