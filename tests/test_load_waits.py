"""Nobody waits for a turn while holding what others wait for.

The day of load (bench/day.py, docs/reliability.md) froze the embedded default at 500
clients and 100 writes/s: the write queue's waiters held every pooled connection, a
committed write's publisher waited for one more (its session check) while holding the
emit order, and the writer holding SQLite's lock waited for that order. These tests pin
each link of that chain, on a real SQLite file, without timing anything.
"""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from sqlalchemy import select, text

from board import db as board_db
from board import events, ideas, realtime
from board.db import Database, WriteQueue, reads_first, write_queue_of
from models import Idea, User
from tests.realtime_helpers import connect

pytestmark = pytest.mark.faults


def wait_until(condition, what: str, bound: float = 30.0) -> None:
    done = threading.Event()
    for _ in range(int(bound / 0.01)):
        if condition():
            return
        done.wait(0.01)  # polling another thread's progress
    raise AssertionError(f"not within {bound} s: {what}")


def test_a_writer_waiting_for_its_turn_holds_no_pooled_connection(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'board.sqlite3'}")
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    first_has_turn, first_may_commit = threading.Event(), threading.Event()
    second_done = threading.Event()

    def first():
        with database.Session() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            first_has_turn.set()
            first_may_commit.wait(30)
            session.commit()

    def second():
        with database.Session() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            session.commit()
        second_done.set()

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert first_has_turn.wait(30)
    threads.append(threading.Thread(target=second))
    threads[1].start()
    write_queue = write_queue_of(database.engine)
    wait_until(
        lambda: write_queue._next_ticket > write_queue._serving + 1,
        "the second writer is in the queue",
    )
    # The first writer holds one connection; the second waits without one.
    assert database.engine.pool.checkedout() == 1
    first_may_commit.set()
    for thread in threads:
        thread.join(30)
    assert second_done.is_set()
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]
    database.dispose()


def test_writers_get_their_turns_in_arrival_order_past_one_that_gave_up():
    """The write queue wakes each writer when its own turn comes: in the order they
    arrived, and past a writer whose wait ran out (nobody waits for a ticket given up)."""
    queue = WriteQueue()
    assert queue.acquire(30)  # the writer at work
    granted: list[str] = []
    lock = threading.Lock()

    def writer(name: str, timeout: float):
        if queue.acquire(timeout):
            with lock:
                granted.append(name)
            queue.release()
        else:
            with lock:
                granted.append(f"{name} gave up")

    threads = []
    for name, timeout in [("a", 30), ("b", 0.2), ("c", 30), ("d", 30)]:
        threads.append(threading.Thread(target=writer, args=(name, timeout)))
        threads[-1].start()
        wait_until(lambda: queue._next_ticket == len(threads) + 1, f"{name} is in the queue")
    wait_until(lambda: granted == ["b gave up"], "b's wait ran out while a waited")
    queue.release()  # the writer at work is done: a, then c and d; b's ticket is skipped
    for thread in threads:
        thread.join(30)
    assert granted == ["b gave up", "a", "c", "d"]
    assert queue.acquire(0)  # and the queue is free again


def test_a_write_whose_turn_does_not_come_in_time_is_refused_with_503_and_writes_nothing(
    app, member, monkeypatch
):
    """Overload fails fast: a SQLite writer whose turn in the write queue does not come
    within the bound gets the error envelope's 503 with Retry-After, having written
    nothing, and the next writer is served as usual. (Before, a writer whose turn did not
    come went on to SQLite's lock anyway, here free, after waiting the whole busy timeout,
    30 s; under sustained overload that meant a minute of waiting per request.)"""
    monkeypatch.setattr(board_db, "WRITE_TURN_WAIT_SECONDS", 0.2)
    database: Database = app.extensions["board_db"]
    queue = write_queue_of(database.engine)
    assert queue.acquire(30)  # a long write holds its turn
    try:
        refused = member.post("ideas", json={"title": "Refused", "body": ""})
    finally:
        queue.release()
    assert refused.status_code == 503, refused.get_json()
    assert refused.get_json()["error"]["code"] == "service_unavailable"
    assert refused.headers["Retry-After"] == "5"
    accepted = member.post("ideas", json={"title": "Accepted", "body": ""})
    assert accepted.status_code == 201, accepted.get_json()
    with database.ReadSession() as session:
        titles = session.scalars(select(Idea.title)).all()
    assert "Accepted" in titles and "Refused" not in titles


def test_reads_first_needs_no_write_lock_and_keeps_what_it_loaded(app, people_):
    database: Database = app.extensions["board_db"]
    person_id = people_.user("member").id
    holder = sqlite3.connect(database.engine.url.database, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock
    try:
        with database.Session() as session:
            person = reads_first(session, lambda s: s.get(User, person_id))
            assert not session.in_transaction()  # the read ended; no write began
            assert person in session and person.display_name == "Mara"
    finally:
        holder.rollback()
        holder.close()


def test_a_write_request_checks_its_login_without_the_write_lock(app, member):
    """A POST refused by validation never writes, so it must not wait for the lock at
    all: before, its login check began the write transaction (BEGIN IMMEDIATE) and the
    request waited the whole busy timeout, then answered 503."""
    database: Database = app.extensions["board_db"]
    holder = sqlite3.connect(database.engine.url.database, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = member.post("ideas", json={"title": "", "body": ""})
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_fields"


def test_the_publishers_session_check_never_waits_for_the_request_pool(app, member):
    """Right after a commit, the publisher re-checks the sockets' sessions (no message
    queue): with every pooled connection taken by requests, that check still runs."""
    tab = connect(app, member)
    assert tab.is_connected()
    database: Database = app.extensions["board_db"]
    pool = database.engine.pool
    taken = []
    try:
        while pool.checkedout() < pool.size() + pool._max_overflow:
            taken.append(database.engine.connect())
        assert realtime.live().revalidate_if_people_changed() == []
        assert realtime.live().revalidate() == []
    finally:
        for conn in taken:
            conn.close()
    assert tab.is_connected()


def test_a_writer_commits_while_the_previous_writers_fan_out_is_still_running(
    app, people_, monkeypatch
):
    """The emit order is kept by tickets, not by a lock held from before COMMIT through
    the fan-out: the next writer commits (and frees the database's lock and its pooled
    connection) while the previous one is still publishing, then publishes after it."""
    monkeypatch.setattr(events, "ORDER_WAIT_SECONDS", 120)  # no fallback hides a wait
    database: Database = app.extensions["board_db"]
    author_id = people_.user("member").id
    first_is_publishing, first_may_finish = threading.Event(), threading.Event()
    published: list[str] = []

    def slow_publisher(envelope, rooms):
        title = envelope["data"]["idea"]["title"]
        if title == "first":
            first_is_publishing.set()
            first_may_finish.wait(120)
        published.append(title)

    def write(title: str) -> None:
        with database.Session() as session:
            ideas.create_idea(session, session.get(User, author_id), title, "")

    events.add_publisher(slow_publisher)
    try:
        first = threading.Thread(target=write, args=("first",))
        first.start()
        assert first_is_publishing.wait(60)
        second = threading.Thread(target=write, args=("second",))
        second.start()

        def second_committed() -> bool:
            with database.ReadSession() as session:
                return session.scalar(select(Idea.id).where(Idea.title == "second")) is not None

        wait_until(second_committed, "the second idea is committed during the first fan-out")
        first_may_finish.set()
        first.join(60)
        second.join(60)
    finally:
        first_may_finish.set()
        events.remove_publisher(slow_publisher)
    assert published == ["first", "second"]  # still published in seq order


def test_clients_are_given_a_minute_before_a_late_ping_drops_them(app):
    """The Engine.IO handshake tells every client how long the server may stay silent:
    python-engineio waits max(pingInterval, pingTimeout) + 5 s, browsers interval +
    timeout. At the default 20 s a Python client dropped when a ping came 5 s late."""
    response = app.test_client().get("/socket.io/?EIO=4&transport=polling")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("0")
    handshake = json.loads(body[1:])
    assert handshake["pingInterval"] == realtime.PING_INTERVAL_SECONDS * 1000
    assert handshake["pingTimeout"] == realtime.PING_TIMEOUT_SECONDS * 1000
    assert max(handshake["pingInterval"], handshake["pingTimeout"]) >= 60_000
