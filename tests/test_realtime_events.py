"""The `activity` event: written before it is emitted, in seq order, to its audience only."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from board import events
from models import Event
from tests.conftest import BOTH_DATABASES
from tests.realtime_helpers import activity, connect


def post_idea(client, title="Trade fair reel"):
    response = client.post("ideas", json={"title": title, "body": "Short clips"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@BOTH_DATABASES
def test_a_change_reaches_every_board_as_the_envelope_the_log_keeps(
    app, member, other_member, observer
):
    sockets = [connect(app, c) for c in (member, other_member, observer)]
    idea = post_idea(member)

    logged = member.get("events?after=0").get_json()["items"]
    assert [e["type"] for e in logged] == ["idea.created"]
    for socket in sockets:
        assert activity(socket) == logged
    envelope = logged[0]
    assert set(envelope) == {"seq", "type", "at", "actor", "data"}
    assert envelope["actor"]["id"] == member.user["id"]
    assert envelope["data"] == {
        "idea": {k: v for k, v in idea.items() if k not in ("voted", "following")}
    }


def test_votes_changed_names_no_voter(app, member, other_member, observer):
    idea = post_idea(member)
    watchers = [connect(app, c) for c in (member, observer)]

    assert other_member.put(f"ideas/{idea['id']}/vote").status_code == 200
    assert other_member.delete(f"ideas/{idea['id']}/vote").status_code == 200

    for socket in watchers:
        votes = activity(socket)
        assert [e["type"] for e in votes] == ["idea.votes_changed"] * 2
        for envelope in votes:
            assert envelope["actor"] is None
            assert set(envelope["data"]) == {"idea_id", "votes", "departments_supporting"}
            assert other_member.user["display_name"] not in str(envelope)
            assert other_member.user["email"] not in str(envelope)
        assert [e["data"] for e in votes] == [
            {"idea_id": idea["id"], "votes": 1, "departments_supporting": 1},
            {"idea_id": idea["id"], "votes": 0, "departments_supporting": 0},
        ]


def test_envelopes_arrive_in_seq_order_and_match_the_log(app, member, other_member):
    socket = connect(app, other_member)
    idea = post_idea(member)
    other_member.put(f"ideas/{idea['id']}/vote")
    task = member.post("tasks", json={"title": "Film booth", "idea_id": idea["id"]}).get_json()
    other_member.post(f"tasks/{task['id']}/claim")
    other_member.post(f"tasks/{task['id']}/complete")
    member.post(f"ideas/{idea['id']}/comments", json={"body": "Nice"})

    live = activity(socket)
    seqs = [e["seq"] for e in live]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == 6
    assert live == member.get("events?after=0").get_json()["items"]


def test_a_refused_change_emits_nothing(app, member, observer):
    socket = connect(app, member)
    assert observer.post("ideas", json={"title": "Nope", "body": ""}).status_code == 403
    assert member.post("ideas", json={"title": " ", "body": ""}).status_code == 400
    assert activity(socket) == []


@BOTH_DATABASES
def test_a_rolled_back_transaction_emits_nothing(app, db, member, people_):
    socket = connect(app, member)
    author = db.merge(people_.user("member"))
    events.record(db, "idea.created", author, {"idea": {"id": 0}})
    db.rollback()
    db.commit()

    assert activity(socket) == []
    assert db.scalar(select(func.count()).select_from(Event)) == 0


def test_a_rolled_back_savepoint_drops_only_its_own_events(app, db, member, people_):
    socket = connect(app, member)
    author = db.merge(people_.user("member"))
    kept = events.record(db, "idea.created", author, {"idea": {"id": 1}})
    with pytest.raises(RuntimeError), db.begin_nested():
        events.record(db, "idea.created", author, {"idea": {"id": 2}})
        raise RuntimeError("the savepoint fails")
    with db.begin_nested():
        also_kept = events.record(db, "idea.created", author, {"idea": {"id": 3}})
    assert activity(socket) == []  # nothing before the real commit
    db.commit()

    assert [e["data"] for e in activity(socket)] == [kept["data"], also_kept["data"]]
    assert [e["data"] for e in member.get("events?after=0").get_json()["items"]] == [
        kept["data"],
        also_kept["data"],
    ]


def test_a_private_event_reaches_only_its_recipients(
    app, db, member, other_member, facilitator, observer, people_
):
    sockets = {
        name: connect(app, c)
        for name, c in [
            ("member", member),
            ("other_member", other_member),
            ("facilitator", facilitator),
            ("observer", observer),
        ]
    }
    sender = db.merge(people_.user("facilitator"))
    recipient = people_.user("member")
    events.record(
        db,
        "nudge.sent",
        sender,
        {"nudge": {"message": "Film it?"}},
        recipients=[recipient.id, sender.id],
    )
    db.commit()

    got = {name: [e["type"] for e in activity(s)] for name, s in sockets.items()}
    assert got == {
        "member": ["nudge.sent"],
        "facilitator": ["nudge.sent"],
        "other_member": [],
        "observer": [],
    }


def test_a_private_event_without_recipients_reaches_nobody(app, db, member, people_):
    socket = connect(app, member)
    sender = db.merge(people_.user("facilitator"))
    events.record(db, "nudge.sent", sender, {"nudge": {"message": "?"}}, recipients=[])
    db.commit()
    assert activity(socket) == []


def test_a_failing_publisher_does_not_undo_or_fail_the_change(app, member):
    def broken(envelope, rooms):
        raise ConnectionError("queue down")

    events.add_publisher(broken)
    try:
        socket = connect(app, member)
        post_idea(member)
    finally:
        events.remove_publisher(broken)
    assert [e["type"] for e in activity(socket)] == ["idea.created"]


@BOTH_DATABASES
def test_concurrent_writers_are_emitted_in_seq_order(app, people_):
    emitted: list[int] = []

    def remember(envelope, rooms):
        emitted.append(envelope["seq"])

    events.add_publisher(remember)
    clients = [people_.client(name) for name in ("member", "other_member", "facilitator")]
    failures: list = []

    def write(client, n):
        for i in range(n):
            response = client.post("ideas", json={"title": f"Idea {i}", "body": ""})
            if response.status_code != 201:
                failures.append(response.get_json())

    threads = [threading.Thread(target=write, args=(c, 8)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events.remove_publisher(remember)

    assert failures == []
    assert len(emitted) == 24
    assert emitted == sorted(emitted)


def test_a_process_publishes_its_writers_in_seq_order_whatever_order_they_committed_in():
    """On PostgreSQL a writer learns its seq only as its COMMIT comes back, and writers of
    one process may hear back in another order than the database numbered them. Each
    waits for the writers that could still hold a smaller seq: those that sent their rows
    before it heard back (ticket taken) and those already numbered lower."""
    order = events.EmitOrder()
    slow, fast = order.ticket(), order.ticket()  # both sent their rows
    order.numbered(fast, 11)  # fast heard back first
    assert not order.wait_turn(fast, 0)  # slow may hold seq 10
    later = order.ticket()  # sent after fast committed: its seq will be larger
    order.numbered(slow, 10)
    assert order.wait_turn(slow, 0)  # nothing can come before 10
    assert not order.wait_turn(fast, 0)  # 10 is not out yet
    order.done(slow)
    assert order.wait_turn(fast, 0)  # later's seq is larger, whatever it turns out to be
    order.numbered(later, 12)
    assert not order.wait_turn(later, 0)
    order.done(fast)
    assert order.wait_turn(later, 0)


def test_a_writer_heard_back_first_goes_first_when_the_other_drew_a_larger_seq():
    order = events.EmitOrder()
    slow, fast = order.ticket(), order.ticket()
    order.numbered(fast, 10)
    order.numbered(slow, 11)
    assert order.wait_turn(fast, 0) and not order.wait_turn(slow, 0)
    failed = order.ticket()
    order.numbered(slow, 11)  # told twice: the first word counts
    order.done(fast)
    assert order.wait_turn(slow, 0)  # `failed` took its ticket after slow committed
    order.done(failed)  # its commit failed: it is let go without a seq


def test_an_idle_process_forgets_the_seqs_it_heard_from_another_database():
    """The seqs heard back are a hint only while writers are open: a process that served
    another database (a test's, a restored backup's) still orders the writers of this one."""
    order = events.EmitOrder()
    elsewhere = order.ticket()
    order.numbered(elsewhere, 500)
    order.done(elsewhere)
    slow, fast = order.ticket(), order.ticket()
    order.numbered(fast, 2)
    assert not order.wait_turn(fast, 0)  # slow may still hold seq 1
    order.numbered(slow, 1)
    order.done(slow)
    assert order.wait_turn(fast, 0)
