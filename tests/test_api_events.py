"""The contract for GET /api/v1/events?after=&limit=: replaying what a client missed."""

from __future__ import annotations

from datetime import datetime

import pytest

from board import events
from models import User


def record_many(app, count: int, actor_id: int, recipients: list[int] | None = None) -> None:
    """Write `count` events in one transaction (fast boards for the paging rules)."""
    with app.extensions["board_db"].Session() as session:
        actor = session.get(User, actor_id)
        for number in range(count):
            events.record(
                session, "task.created", actor, {"task": {"id": number}}, recipients=recipients
            )
        session.commit()


def page(client, query: str) -> dict:
    response = client.get("events" + query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_events_replay_every_change_in_seq_order(member, other_member):
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    other_member.put(f"ideas/{idea['id']}/vote")
    member.post(f"ideas/{idea['id']}/comments", json={"body": "Thanks"})
    body = page(member, "?after=0")
    assert set(body) == {"items", "last_seq"}
    items = body["items"]
    assert [e["type"] for e in items] == ["idea.created", "idea.votes_changed", "comment.created"]
    seqs = [e["seq"] for e in items]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert body["last_seq"] == seqs[-1]
    for envelope in items:
        assert set(envelope) == {"seq", "type", "at", "actor", "data"}
        assert datetime.fromisoformat(envelope["at"]).utcoffset() is not None


def test_after_returns_only_later_events(member):
    for title in ("one", "two", "three"):
        member.post("ideas", json={"title": title, "body": ""})
    first = page(member, "?after=0")["items"]
    later = page(member, f"?after={first[0]['seq']}")
    assert later["items"] == first[1:]
    assert later["last_seq"] == first[-1]["seq"]


def test_after_defaults_to_the_beginning(member):
    member.post("ideas", json={"title": "one", "body": ""})
    assert page(member, "") == page(member, "?after=0")


@pytest.mark.parametrize("after", [0, 5, 10_000])
def test_last_seq_is_after_when_nothing_is_new(member, after):
    body = page(member, f"?after={after}")
    assert body == {"items": [], "last_seq": after}


def test_limit_defaults_to_100(app, member):
    record_many(app, 120, member.user["id"])
    body = page(member, "?after=0")
    assert len(body["items"]) == 100
    assert body["last_seq"] == body["items"][-1]["seq"]
    rest = page(member, f"?after={body['last_seq']}")
    assert len(rest["items"]) == 20


@pytest.mark.parametrize(
    ("limit", "count"), [(1, 1), (7, 7), (1000, 1000), (5000, 1000), (10**30, 1000)]
)
def test_limit_is_1_to_1000_and_larger_is_clamped(app, member, limit, count):
    record_many(app, 1005, member.user["id"])
    body = page(member, f"?after=0&limit={limit}")
    assert len(body["items"]) == count
    assert body["last_seq"] == body["items"][-1]["seq"]


@pytest.mark.parametrize(
    "query",
    [
        "?limit=0",
        "?limit=-3",
        "?limit=abc",
        "?limit=1.5",
        "?after=-1",
        "?after=abc",
        "?after=1e3",
        "?after=99999999999999999999",
    ],
)
def test_bad_paging_parameters_are_400(member, query):
    response = member.get("events" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter"
    assert set(error["fields"]) <= {"after", "limit"}


def test_observers_replay_the_public_events(member, observer):
    member.post("ideas", json={"title": "one", "body": ""})
    assert [e["type"] for e in page(observer, "?after=0")["items"]] == ["idea.created"]


def test_private_events_reach_only_their_recipients(app, member, other_member, observer):
    record_many(app, 1, member.user["id"], recipients=[other_member.user["id"]])
    assert len(page(other_member, "?after=0")["items"]) == 1
    assert page(observer, "?after=0")["items"] == []
    assert page(member, "?after=0")["items"] == []


def test_votes_in_the_event_log_name_no_voter(member, other_member, observer):
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    other_member.put(f"ideas/{idea['id']}/vote")
    other_member.delete(f"ideas/{idea['id']}/vote")
    for envelope in page(observer, "?after=0")["items"]:
        if envelope["type"] == "idea.votes_changed":
            assert envelope["actor"] is None
            assert set(envelope["data"]) == {"idea_id", "votes", "departments_supporting"}
