"""Engine.IO's pings from one thread per process (board/pings.py): on a real server in this
process, sockets are pinged at their interval, answered pings lead to the next one, and no
socket holds a sleeping thread of its own for it."""

from __future__ import annotations

import threading
import time

import pytest
import websocket

from board import pings
from board.realtime import PING_INTERVAL_SECONDS, socketio
from tests.test_socket_transport import cookie, open_websocket, server  # noqa: F401 - fixtures

TIMEOUT = 20  # seconds; a bound on waiting, never an expectation of speed
SHORT = 0.2  # seconds between pings in these tests, instead of PING_INTERVAL_SECONDS


@pytest.fixture
def quick_pings(server):  # noqa: F811
    shared = socketio.server.eio.board_pings
    shared.interval = SHORT
    yield shared
    shared.interval = PING_INTERVAL_SECONDS


def ping_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if "_send_ping" in t.name]


def next_packet(ws) -> str:
    """The next Engine.IO packet that is not a Socket.IO message (pings, in these tests)."""
    while True:
        text = ws.recv()
        if not text.startswith("4"):
            return text


def test_sockets_wait_for_their_pings_in_one_thread(server, cookie):  # noqa: F811
    sockets = [open_websocket(server, cookie) for _ in range(5)]
    shared = socketio.server.eio.board_pings
    assert shared.waiting() == 5
    assert ping_threads() == []
    assert [t.name for t in threading.enumerate()].count(shared.name) == 1
    for ws in sockets:
        ws.close()


def test_a_socket_is_pinged_at_its_interval_and_again_after_each_answer(
    server,  # noqa: F811
    cookie,  # noqa: F811
    quick_pings,
):
    ws = open_websocket(server, cookie)
    for _round in range(3):
        started = time.monotonic()
        assert next_packet(ws) == "2"  # a ping
        assert time.monotonic() - started < TIMEOUT
        ws.send("3")  # the pong
    ws.close()


def test_an_unanswered_ping_gets_no_second_one(server, cookie, quick_pings):  # noqa: F811
    ws = open_websocket(server, cookie, timeout=SHORT * 10)
    assert next_packet(ws) == "2"
    with pytest.raises(websocket.WebSocketTimeoutException):  # nothing more until the pong
        next_packet(ws)
    ws.send("3")
    ws.settimeout(TIMEOUT)
    assert next_packet(ws) == "2"
    ws.close()


class Socket:
    """What `pings.ping` asks of an Engine.IO socket."""

    def __init__(self, sid: str, fails: bool = False):
        self.sid = sid
        self.closing = self.closed = False
        self.last_ping = None
        self.fails = fails
        self.pinged = threading.Event()

    def send(self, pkt) -> None:
        self.pinged.set()
        if self.fails:
            raise OSError("gone")


def test_a_closed_socket_is_not_pinged_and_a_failing_one_stops_nobody_elses():
    timer = pings.Pings(SHORT, name="test-pings")
    closed, failing, alive = Socket("closed"), Socket("failing", fails=True), Socket("alive")
    closed.closed = True
    for socket in (closed, failing, alive):
        timer.due(socket)
    assert alive.pinged.wait(TIMEOUT) and failing.pinged.is_set()
    assert alive.last_ping is not None
    assert not closed.pinged.is_set() and closed.last_ping is None
    assert timer.waiting() == 0
    timer.stop()


def test_a_socket_due_sooner_than_the_others_is_pinged_first():
    timer = pings.Pings(TIMEOUT * 3, name="test-pings")
    later = Socket("later")
    timer.due(later)  # the thread now sleeps until this one is due
    timer.interval = SHORT
    sooner = Socket("sooner")
    timer.due(sooner)
    assert sooner.pinged.wait(TIMEOUT)
    assert not later.pinged.is_set() and timer.waiting() == 1
    timer.stop()
    assert timer.waiting() == 0 and "test-pings" not in [t.name for t in threading.enumerate()]
