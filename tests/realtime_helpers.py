"""Helpers for the socket tests: a Flask-SocketIO test client that carries a JSON
client's login cookie, and readers for what it received."""

from __future__ import annotations

import threading
import time

from board import events
from board.realtime import socketio

BURST_TIMEOUT = 30  # seconds; a bound on waiting, never an expectation of speed


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


def held_burst(people_, monkeypatch, writes: list[tuple[str, str, dict]]) -> None:
    """Make the envelopes of `writes` certain to pile up behind a fan-out, as they do when
    a server is behind: a first idea ("Hold") is posted and its fan-out pass held (a
    publisher that waits, as a slow fan-out would) until every write — each (person,
    path, body), all at once, each by its own client; "{idea}" in a path is the held
    idea's id — has committed and queued; then they all go out in the next pass."""
    clients = [people_.client(who) for who, _path, _body in writes]
    first_is_out, release = threading.Event(), threading.Event()

    def hold_the_first_pass(envelope, rooms):
        if envelope["type"] == "idea.created" and envelope["data"]["idea"]["title"] == "Hold":
            first_is_out.set()
            release.wait(BURST_TIMEOUT)

    monkeypatch.setattr(events, "ORDER_WAIT_SECONDS", BURST_TIMEOUT * 4)  # no fallback
    events.add_publisher(hold_the_first_pass)
    failures: list = []
    threads: list[threading.Thread] = []

    def write(client, path, body):
        response = client.post(path, json=body)
        if response.status_code not in (200, 201):
            failures.append(response.get_json())

    try:
        hold = people_.client("member")
        threads.append(
            threading.Thread(target=write, args=(hold, "ideas", {"title": "Hold", "body": ""}))
        )
        threads[0].start()
        assert first_is_out.wait(BURST_TIMEOUT)
        idea = hold.get("ideas").get_json()["items"][0]["id"]
        for client, (_who, path, body) in zip(clients, writes, strict=True):
            threads.append(
                threading.Thread(target=write, args=(client, path.format(idea=idea), body))
            )
            threads[-1].start()
        deadline = time.monotonic() + BURST_TIMEOUT
        while len(events._outbox._items) < len(writes):  # each write: one envelope
            assert time.monotonic() < deadline, "the burst did not queue behind the held pass"
            time.sleep(0.01)  # polling other threads' progress
    finally:
        release.set()
        for thread in threads:
            thread.join(BURST_TIMEOUT)
        events.remove_publisher(hold_the_first_pass)
    assert failures == []
