"""Fewer frames when the server is behind: a socket that asks for it at connect
(`auth: {"batch": true}`) gets the envelopes that piled up during a fan-out in one
`activity.batch` event, in seq order; every other socket still gets one `activity` per
envelope. On a real server in this process, with real WebSocket clients.

Whether envelopes pile up depends on timing, so the burst test makes it certain instead
(`held_burst`): the first write's fan-out is held until the burst's writers have all
committed and queued behind it."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import replace

import pytest
import requests
import socketio as socketio_client

from board import events, realtime
from board.realtime import ACTIVITY, ACTIVITY_BATCH
from tests.conftest import PASSWORD
from tests.realtime_helpers import held_burst
from tests.test_socket_transport import server  # noqa: F401 - fixture

TIMEOUT = 30  # seconds; a bound on waiting, never an expectation of speed


@pytest.fixture
def settings(settings):
    # Works-council mode: the observer's tab gets masked copies, in their own rooms.
    return replace(settings, observers_see_names=False)


class Tab:
    """A WebSocket client that keeps every activity event it gets, as it got them."""

    def __init__(self, url: str, email: str, batch: bool):
        self.url = url
        self.http = requests.Session()
        login = self.http.post(
            f"{url}/api/v1/auth/login",
            json={"email": email, "password": PASSWORD},
            timeout=TIMEOUT,
        )
        assert login.status_code == 200, login.text
        self.events: list[tuple[str, object]] = []
        self.client = socketio_client.Client(reconnection=False)
        self.client.on(ACTIVITY, lambda envelope: self.events.append((ACTIVITY, envelope)))
        self.client.on(ACTIVITY_BATCH, lambda batch: self.events.append((ACTIVITY_BATCH, batch)))
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.client.connect(
            url,
            headers={"Cookie": cookie},
            transports=["websocket"],
            auth={"batch": True} if batch else None,
            wait_timeout=TIMEOUT,
        )

    def envelopes(self) -> list[dict]:
        """Every envelope received, in the order received (a batch as its envelopes)."""
        out = []
        for name, payload in list(self.events):
            out += payload if name == ACTIVITY_BATCH else [payload]
        return out

    def logged(self, after: int) -> list[dict]:
        """What the log shows this person after `after` (what it must have received)."""
        page = self.http.get(
            f"{self.url}/api/v1/events", params={"after": after, "limit": 1000}, timeout=TIMEOUT
        )
        return page.json()["items"]

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + TIMEOUT
        while len(self.envelopes()) < count and time.monotonic() < deadline:
            time.sleep(0.05)  # polling another thread's progress


def test_a_burst_arrives_in_one_batch_per_socket_every_envelope_once_in_seq_order(
    server,  # noqa: F811
    people_,
    monkeypatch,
):
    tabs = {
        "mara": Tab(server, "mara@example.com", batch=True),  # member, gets nudges
        "sam": Tab(server, "sam@example.com", batch=True),  # facilitator, sends them
        "olga": Tab(server, "olga@example.com", batch=True),  # works-council observer
        "ivan": Tab(server, "ivan@example.com", batch=False),  # did not ask: one by one
    }
    mara_id = people_.user("member").id
    writes = [("member", "ideas", {"title": f"Idea {i}", "body": ""}) for i in range(6)]
    writes += [("other_member", "ideas/{idea}/comments", {"body": f"C{i}"}) for i in range(6)]
    writes += [
        ("facilitator", "nudges", {"to_user_id": mara_id, "message": f"N{i}"}) for i in range(3)
    ]
    random.Random(7).shuffle(writes)  # nudges interleaved with the public changes
    held_burst(people_, monkeypatch, writes)

    first_seq = tabs["mara"].logged(0)[0]["seq"]
    expected = {name: tab.logged(first_seq - 1) for name, tab in tabs.items()}
    assert [len(expected[n]) for n in ("mara", "sam", "olga", "ivan")] == [16, 16, 13, 13]
    for name, tab in tabs.items():
        tab.wait_for(len(expected[name]))
    for name, tab in tabs.items():
        got = tab.envelopes()
        seqs = [e["seq"] for e in got]
        # Every envelope exactly once, in seq order, nudges in their place among the rest.
        assert seqs == [e["seq"] for e in expected[name]], f"{name}: order or completeness"
        if name != "olga":
            assert got == expected[name], f"{name}: not the envelopes the log keeps"
        tab.client.disconnect()

    # The observer's copies are masked as ever: the same seqs, no names.
    for envelope in tabs["olga"].envelopes():
        assert "Mara" not in str(envelope) and "Ivan" not in str(envelope)
    # One frame for the whole burst on each socket that asked; one per envelope otherwise.
    for name in ("mara", "sam", "olga"):
        assert [n for n, _ in tabs[name].events] == [ACTIVITY, ACTIVITY_BATCH], name
    assert {n for n, _ in tabs["ivan"].events} == {ACTIVITY}
    assert len(tabs["ivan"].events) == 13


def test_on_a_quiet_board_a_batch_socket_gets_each_envelope_at_once_on_its_own(
    server,  # noqa: F811
    people_,
):
    tab = Tab(server, "mara@example.com", batch=True)
    writer = people_.client("other_member")
    for i in range(3):
        assert writer.post("ideas", json={"title": f"Quiet {i}", "body": ""}).status_code == 201
        # Each write's answer comes after its envelope is out: nothing waits for company.
        tab.wait_for(i + 1)
        assert [n for n, _ in tab.events] == [ACTIVITY] * (i + 1)
    assert tab.envelopes() == tab.logged(0)
    tab.client.disconnect()


def test_waiting_passes_from_other_processes_are_delivered_as_one_in_their_order():
    """A process reading the Redis channel joins the other processes' passes that are
    already waiting into one (one frame per socket for all of them); its own messages and
    every other message keep their place, so nothing overtakes anything."""

    def emit(host, event, data):
        return json.dumps(
            {"method": "emit", "event": event, "data": [data], "namespace": "/", "host_id": host}
        )

    def pass_(host, *seqs):
        return emit(host, realtime._ACTIVITIES, [[{"seq": s}, ["board"]] for s in seqs])

    raw = [
        pass_("a", 1, 2),
        pass_("c", 3),
        pass_("a", 4),
        emit("a", realtime._END_SOCKETS, None),
        pass_("a", 5),
        pass_("me", 6),
        pass_("a", 7),
    ]
    joined = realtime._join_passes(raw, "me", json)
    shape = [
        (m["event"], [item[0]["seq"] for item in m["data"][0]] if m["data"][0] else None)
        for m in joined
    ]
    assert shape == [
        (realtime._ACTIVITIES, [1, 2, 3, 4]),
        (realtime._END_SOCKETS, None),
        (realtime._ACTIVITIES, [5]),
        (realtime._ACTIVITIES, [6]),  # its own: already delivered when it was published
        (realtime._ACTIVITIES, [7]),
    ]


def test_a_busy_board_gathers_what_commits_during_the_pause_into_the_next_pass(monkeypatch):
    """When envelopes were waiting as a pass ended, the next pass waits BUSY_PASS_SECONDS
    from the previous one's start and takes everything that committed meanwhile; a board
    that keeps up never waits. The outbox on its own, with real threads."""
    monkeypatch.setattr(events, "BUSY_PASS_SECONDS", 3.0)  # a bound wide enough to be sure
    outbox = events.Outbox()
    passes: list[list[int]] = []
    threads: list[threading.Thread] = []
    second_is_queued = threading.Event()

    def send(batch):
        passes.append([envelope["seq"] for envelope, _rooms in batch])
        if len(passes) == 1:  # a writer commits while the first pass is out
            threads.append(writer(2))
            assert second_is_queued.wait(TIMEOUT)

    def writer(seq):
        def run():
            mark = outbox.put([({"seq": seq}, ["board"])])
            if seq == 2:
                second_is_queued.set()
            outbox.deliver(mark, send, TIMEOUT)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    threads.append(writer(1))
    deadline = time.monotonic() + TIMEOUT
    while outbox._sent < 1:  # the first pass is over; the second writer runs the next
        assert time.monotonic() < deadline, "the first pass did not end"
        time.sleep(0.01)  # polling other threads' progress
    threads += [writer(3), writer(4)]  # they commit while the successor pauses
    for thread in threads:
        thread.join(TIMEOUT)
    assert passes == [[1], [2, 3, 4]]
    # And a board that keeps up: nothing waited as that pass ended, the next goes at once.
    assert outbox._next_pass_at == 0.0


def test_passes_in_quick_succession_make_the_board_busy_though_none_found_others_waiting(
    monkeypatch,
):
    """Writers that commit one by one, each finding the outbox empty when its pass ends,
    still come too fast for a pass each: after BUSY_PASSES passes within BUSY_PASS_SECONDS
    the next waits and gathers what commits meanwhile. A lone change keeps its own pass at
    once."""
    monkeypatch.setattr(events, "BUSY_PASS_SECONDS", 3.0)  # a bound wide enough to be sure
    outbox = events.Outbox()
    passes: list[list[int]] = []

    def send(batch):
        passes.append([envelope["seq"] for envelope, _rooms in batch])

    for seq in range(1, events.BUSY_PASSES):
        outbox.deliver(outbox.put([({"seq": seq}, ["board"])]), send, TIMEOUT)
        assert outbox._next_pass_at == 0.0  # a few changes: each went at once
    outbox.deliver(outbox.put([({"seq": events.BUSY_PASSES}, ["board"])]), send, TIMEOUT)
    assert outbox._next_pass_at > time.monotonic()  # the next pass waits
    assert passes == [[seq] for seq in range(1, events.BUSY_PASSES + 1)]
