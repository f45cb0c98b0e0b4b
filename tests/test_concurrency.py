"""Concurrency is decided by the database, on SQLite and on PostgreSQL.

Many threads fire at once (a barrier releases them together), each with its own Flask test
client logged in beforehand, against one app: the same path a real server takes.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text, update

from board import events, tasks
from models import Event, Task, User, Vote
from tests.conftest import BOTH_DATABASES, JsonClient, make_user

THREADS = 16


def at_once(calls: list[Callable[[], object]]) -> list:
    """Run every call in its own thread, released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, failures
    return results


def answer(response) -> tuple[int, dict | None]:
    return response.status_code, response.get_json(silent=True)


def people(app, count: int, prefix: str = "p") -> list[JsonClient]:
    """`count` people from four departments, each logged in with their own client."""
    clients = []
    for number in range(count):
        user = make_user(app, f"{prefix}{number}", "member", f"Department {number % 4}")
        clients.append(JsonClient(app.test_client()).login(user.email))
    return clients


def same_person(app, email: str, count: int) -> list[JsonClient]:
    """One person logged in `count` times (tabs, phones, a script)."""
    return [JsonClient(app.test_client()).login(email) for _ in range(count)]


def scalar(app, statement):
    with app.extensions["board_db"].Session() as session:
        return session.scalar(statement)


def event_types(app) -> Counter:
    with app.extensions["board_db"].Session() as session:
        return Counter(session.scalars(select(Event.type)))


@BOTH_DATABASES
def test_one_person_voting_many_times_at_once_leaves_one_vote(app, member):
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    tabs = same_person(app, "mara@example.com", THREADS)
    results = at_once([lambda c=c: answer(c.put(f"ideas/{idea['id']}/vote")) for c in tabs])
    assert {status for status, _ in results} == {200}
    assert all(body["voted"] is True and body["votes"] == 1 for _, body in results)
    assert scalar(app, select(func.count(Vote.id))) == 1
    assert member.get(f"ideas/{idea['id']}").get_json()["votes"] == 1
    assert event_types(app)["idea.votes_changed"] == 1


@BOTH_DATABASES
def test_many_people_voting_at_once_count_every_vote_in_order(app, member):
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    voters = people(app, THREADS)
    results = at_once([lambda c=c: answer(c.put(f"ideas/{idea['id']}/vote")) for c in voters])
    assert {status for status, _ in results} == {200}
    assert sorted(body["votes"] for _, body in results) == list(range(1, THREADS + 1))
    assert scalar(app, select(func.count(Vote.id))) == THREADS
    shown = member.get(f"ideas/{idea['id']}").get_json()
    assert (shown["votes"], shown["departments_supporting"]) == (THREADS, 4)
    # Each idea.votes_changed carries the tally as of its own commit, in seq order:
    # a client applying them one by one ends at the true count.
    items = member.get("events?after=0&limit=1000").get_json()["items"]
    tallies = [e["data"]["votes"] for e in items if e["type"] == "idea.votes_changed"]
    assert tallies == list(range(1, THREADS + 1))


@BOTH_DATABASES
def test_voting_and_unvoting_at_once_leaves_counts_equal_to_rows(app, member):
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    voters = people(app, THREADS)
    for client in voters[: THREADS // 2]:
        client.put(f"ideas/{idea['id']}/vote")
    calls = [
        lambda c=c: answer(c.delete(f"ideas/{idea['id']}/vote")) for c in voters[: THREADS // 2]
    ]
    calls += [lambda c=c: answer(c.put(f"ideas/{idea['id']}/vote")) for c in voters[THREADS // 2 :]]
    assert {status for status, _ in at_once(calls)} == {200}
    rows = scalar(app, select(func.count(Vote.id)))
    assert rows == THREADS // 2
    assert member.get(f"ideas/{idea['id']}").get_json()["votes"] == rows
    items = member.get("events?after=0&limit=1000").get_json()["items"]
    assert [e["data"]["votes"] for e in items if e["type"] == "idea.votes_changed"][-1] == rows


@BOTH_DATABASES
def test_many_people_claiming_one_task_exactly_one_wins(app, member):
    task = member.post("tasks", json={"title": "Film the booth"}).get_json()
    claimants = people(app, THREADS)
    results = at_once([lambda c=c: answer(c.post(f"tasks/{task['id']}/claim")) for c in claimants])
    winners = [body for status, body in results if status == 200]
    losers = [body for status, body in results if status != 200]
    assert len(winners) == 1
    assert {(409, body["error"]["code"]) for body in losers} == {(409, "already_claimed")}
    assert len(losers) == THREADS - 1
    held_by = scalar(app, select(Task.claimed_by_id).where(Task.id == task["id"]))
    assert held_by == winners[0]["claimed_by"]["id"]
    assert event_types(app)["task.claimed"] == 1


@BOTH_DATABASES
@pytest.mark.parametrize("already_held", [0, 3])
def test_one_person_claiming_many_tasks_at_once_never_passes_the_limit(
    app, member, settings, already_held
):
    limit = settings.claim_limit
    all_tasks = [
        member.post("tasks", json={"title": f"t{i}"}).get_json()
        for i in range(THREADS + already_held)
    ]
    for task in all_tasks[:already_held]:
        assert member.post(f"tasks/{task['id']}/claim").status_code == 200
    tabs = same_person(app, "mara@example.com", THREADS)
    results = at_once(
        [
            lambda c=c, t=t: answer(c.post(f"tasks/{t['id']}/claim"))
            for c, t in zip(tabs, all_tasks[already_held:], strict=True)
        ]
    )
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: limit - already_held, 409: THREADS - limit + already_held}
    assert {body["error"]["code"] for status, body in results if status == 409} == {"claim_limit"}
    held = scalar(
        app,
        select(func.count(Task.id)).where(
            Task.claimed_by_id == member.user["id"], Task.status == "claimed"
        ),
    )
    assert held == limit
    assert event_types(app)["task.claimed"] == limit


@BOTH_DATABASES
def test_sixteen_writer_threads_all_succeed(app, member, caplog):
    """No 'database is locked' on SQLite: writers queue behind BEGIN IMMEDIATE and wait."""
    idea = member.post("ideas", json={"title": "Shared", "body": ""}).get_json()
    writers = people(app, THREADS)

    def work(client: JsonClient) -> list[int]:
        mine = client.post("ideas", json={"title": "Mine", "body": "", "tags": ["blog"]})
        statuses = [mine.status_code]
        statuses.append(client.put(f"ideas/{idea['id']}/vote").status_code)
        statuses.append(
            client.post(f"ideas/{idea['id']}/comments", json={"body": "+1"}).status_code
        )
        task = client.post("tasks", json={"title": "Mine", "idea_id": idea["id"]})
        statuses.append(task.status_code)
        statuses.append(client.post(f"tasks/{task.get_json()['id']}/claim").status_code)
        statuses.append(
            client.patch(f"ideas/{mine.get_json()['id']}", json={"title": "Edited"}).status_code
        )
        statuses.append(client.get("ideas?sort=hot").status_code)
        return statuses

    results = at_once([lambda c=c: work(c) for c in writers])
    assert all(statuses == [201, 200, 201, 201, 200, 200, 200] for statuses in results), results
    assert "database is locked" not in caplog.text
    assert member.get(f"ideas/{idea['id']}").get_json()["votes"] == THREADS
    items = member.get("events?after=0&limit=1000").get_json()["items"]
    seqs = [e["seq"] for e in items]
    # the writers' six writes each, the shared idea, and each writer's joining the board
    assert sum(e["type"] == "person.joined" for e in items) == THREADS
    assert len(seqs) == len(set(seqs)) == 1 + THREADS * 7


@BOTH_DATABASES
def test_a_reader_following_the_event_log_misses_nothing(app, member):
    """A client that follows `after=last_seq` while writers commit sees every event once:
    seq order is commit order (on PostgreSQL thanks to the event log's advisory lock)."""
    writers = people(app, THREADS)
    reader = JsonClient(app.test_client()).login("mara@example.com")
    done = threading.Event()
    seen: list[int] = []

    def follow() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            body = reader.get(f"events?after={cursor}&limit=1000").get_json()
            seen.extend(e["seq"] for e in body["items"])
            cursor = body["last_seq"]
            if finished and not body["items"]:
                return

    def write(client: JsonClient) -> None:
        for number in range(3):
            client.post("ideas", json={"title": f"idea {number}", "body": ""})

    follower = threading.Thread(target=follow)
    follower.start()
    try:
        at_once([lambda c=c: write(c) for c in writers])
    finally:
        done.set()
        follower.join(timeout=120)
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    with app.extensions["board_db"].Session() as session:
        assert seen == list(session.scalars(select(Event.seq).order_by(Event.seq)))


# ---- the PostgreSQL locks, one at a time ---------------------------------------------------


def wait_until_blocked(app, timeout: float = 60) -> None:
    """Until some other connection waits for a lock (pg_stat_activity says so)."""
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database() AND pid <> pg_backend_pid()"
    )
    with app.extensions["board_db"].engine.connect() as connection:
        while time.monotonic() < deadline:
            if connection.execute(query).scalar():
                return
            connection.rollback()
            time.sleep(0.01)
    raise AssertionError("the second transaction never waited for the lock")


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_event_writers_queue_in_commit_order(app, member):
    """An event written later cannot commit with a smaller seq than one still committing."""
    database = app.extensions["board_db"]
    actor_id = member.user["id"]
    first = database.Session()
    earlier = events.record(first, "task.created", first.get(User, actor_id), {"task": {}})
    numbered, go_on = threading.Event(), threading.Event()

    def hold(_session, _seq) -> None:  # runs between the event row and COMMIT
        numbered.set()
        go_on.wait(60)

    events.when_numbered(first, earlier, hold)
    first_commit = threading.Thread(target=first.commit)
    first_commit.start()
    later: dict = {}
    committed = threading.Event()

    def second_writer() -> None:
        with database.Session() as session:
            later["envelope"] = events.record(
                session, "task.created", session.get(User, actor_id), {"task": {}}
            )
            session.commit()
            committed.set()

    thread = threading.Thread(target=second_writer)
    try:
        assert numbered.wait(60)
        thread.start()
        wait_until_blocked(app)
        assert not committed.is_set()  # still waiting for the first transaction's COMMIT
    finally:
        go_on.set()
        first_commit.join(timeout=60)
        first.close()
        thread.join(timeout=60)
    assert committed.is_set()
    assert later["envelope"]["seq"] > earlier["seq"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_an_open_change_keeps_no_event_writer_waiting(app, member):
    """The event lock is taken as the event rows are written, just before COMMIT: a writer
    that recorded an event and is still working holds up nobody else's events."""
    database = app.extensions["board_db"]
    actor_id = member.user["id"]
    first = database.Session()
    try:
        earlier = events.record(first, "task.created", first.get(User, actor_id), {"task": {}})
        later: dict = {}

        def second_writer() -> None:
            with database.Session() as session:
                later["envelope"] = events.record(
                    session, "task.created", session.get(User, actor_id), {"task": {}}
                )
                session.commit()

        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the second writer waited for the first one's lock"
        first.commit()
    finally:
        first.close()
    assert earlier["seq"] > later["envelope"]["seq"]  # numbered in the order they committed


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_event_rows_and_commit_reach_the_server_together(app, member):
    """A writer whose thread stalls right after its event rows went out (a busy process:
    hundreds of threads, one GIL) keeps no other event writer waiting: the event lock,
    the rows and the COMMIT go to PostgreSQL as one message, so the lock is already free."""
    database = app.extensions["board_db"]
    actor_id = member.user["id"]
    stalled, go_on = threading.Event(), threading.Event()
    recorded: dict = {}

    def stall(conn, cursor, statement, parameters, context, executemany) -> None:
        if "INSERT INTO events" in statement and threading.current_thread().name == "first":
            stalled.set()
            go_on.wait(60)

    def writer(name: str) -> None:
        with database.Session() as session:
            user = session.get(User, actor_id)
            recorded[name] = events.record(session, "task.created", user, {"task": {}})
            session.commit()

    first = threading.Thread(target=writer, args=("first",), name="first")
    second = threading.Thread(target=writer, args=("second",), name="second")
    sa_event.listen(database.engine, "after_cursor_execute", stall)
    try:
        first.start()
        assert stalled.wait(60)
        with database.Session() as session:  # the stalled writer's row is committed
            assert session.scalar(select(func.count()).select_from(Event)) == 1
        second.start()
        second.join(timeout=30)
        assert not second.is_alive(), "the second writer waited for the stalled one's lock"
    finally:
        go_on.set()
        first.join(timeout=60)
        second.join(timeout=60)
        sa_event.remove(database.engine, "after_cursor_execute", stall)
    assert recorded["second"]["seq"] > recorded["first"]["seq"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_claim_limit_waits_for_the_persons_claim_in_flight(app, member):
    """A claim counts the person's claims only after their other claims have committed."""
    database = app.extensions["board_db"]
    first_task, second_task = (
        member.post("tasks", json={"title": t}).get_json()["id"] for t in ("first", "second")
    )
    user_id = member.user["id"]
    in_flight = database.Session()
    tasks._lock_claimant(in_flight, in_flight.get(User, user_id))
    in_flight.execute(
        update(Task).where(Task.id == first_task).values(status="claimed", claimed_by_id=user_id)
    )
    outcome: list = []

    def claim_second() -> None:
        with database.Session() as session:
            try:
                tasks.claim_task(session, session.get(User, user_id), second_task, claim_limit=1)
                outcome.append("claimed")
            except Exception as exc:  # noqa: BLE001
                outcome.append(getattr(exc, "code", repr(exc)))

    thread = threading.Thread(target=claim_second)
    thread.start()
    try:
        wait_until_blocked(app)
    finally:
        in_flight.commit()
        in_flight.close()
        thread.join(timeout=60)
    assert outcome == ["claim_limit"]
