"""Hiding an idea or a comment and deleting a comment rewrite the log's copies of it (what
/api/v1/events replays) by `event_objects`, the ideas and comments each envelope carries,
written by a trigger with each event row: the same envelopes, rewritten the same way, as
when the log was searched whole by a JSON path (docs/performance.md, helper `objlog`)."""

from __future__ import annotations

import copy
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from board import clock, corrections, events
from board.ideas import redact_comment, redact_idea
from board.personal_data import run_retention
from models import Event, EventObject
from tests.conftest import BOTH_DATABASES
from tests.test_queries import counted


def post(client, path: str, body: dict) -> dict:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def envelopes(app) -> dict[int, dict]:
    with app.extensions["board_db"].Session() as session:
        return {row.seq: row.envelope for row in session.scalars(select(Event))}


def listed(app) -> set[tuple[str, int, int]]:
    with app.extensions["board_db"].Session() as session:
        rows = session.execute(select(EventObject.kind, EventObject.object_id, EventObject.seq))
        return {tuple(row) for row in rows}


def carried(log: dict[int, dict]) -> set[tuple[str, int, int]]:
    """What rewrite_envelopes' rule finds in each envelope: `data.<kind>` with a whole
    number `id` within SQL's integer, for each kind it rewrites."""
    found = set()
    for seq, envelope in log.items():
        data = envelope.get("data")
        for kind in events.REWRITTEN_KINDS:
            carried_object = data.get(kind) if isinstance(data, dict) else None
            value = carried_object.get("id") if isinstance(carried_object, dict) else None
            if type(value) in (int, float) and value == int(value) and abs(value) < 2**31:
                found.add((kind, int(value), seq))
    return found


def found_by_json_path(app, kind: str, object_id: int) -> set[int]:
    """The seqs the old rewrite read: a JSON path over the whole log."""
    path = Event.envelope[("data", kind, "id")].as_integer()
    with app.extensions["board_db"].Session() as session:
        return set(session.scalars(select(Event.seq).where(path == object_id)))


@pytest.fixture
def talked_about(member, other_member, facilitator) -> dict:
    """Two ideas, comments on both (ids that meet the ideas' own), edits, a flag, votes,
    tasks naming an idea and a withdrawn idea: the envelopes a board writes."""
    first = post(member, "ideas", {"title": "Launch teaser", "body": "Launch on 4 May"})
    second = post(other_member, "ideas", {"title": "Server tour", "body": "Film the racks"})
    comments = [
        post(client, f"ideas/{idea['id']}/comments", {"body": f"Secret {n}: the venue"})
        for n, (client, idea) in enumerate(
            [(member, first), (other_member, first), (member, second), (other_member, second)]
        )
    ]
    member.patch(f"comments/{comments[0]['id']}", json={"body": "Secret, edited: the venue"})
    member.patch(f"ideas/{first['id']}", json={"body": "Launch on 4 May, at nine"})
    other_member.put(f"ideas/{first['id']}/vote")
    facilitator.put(f"ideas/{second['id']}/vote")
    post(other_member, f"comments/{comments[0]['id']}/flags", {"reason": "guidelines"})
    task = post(other_member, "tasks", {"title": "Shoot it", "idea_id": first["id"]})
    other_member.post(f"tasks/{task['id']}/claim")
    third = post(member, "ideas", {"title": "Withdrawn", "body": "Never mind"})
    member.post(f"ideas/{third['id']}/withdraw")
    return {"ideas": [first, second, third], "comments": comments}


@BOTH_DATABASES
def test_the_log_lists_the_ideas_and_comments_each_envelope_carries_whoever_wrote_it(
    app, talked_about
):
    """The rows say what the JSON path finds, for every idea and comment the board wrote,
    and for rows written past record(): odd shapes list nothing, a deleted event's rows go."""
    log = envelopes(app)
    assert listed(app) == carried(log)
    for kind, key in (("idea", "ideas"), ("comment", "comments")):
        for item in talked_about[key]:
            rows = {seq for k, i, seq in listed(app) if (k, i) == (kind, item["id"])}
            assert rows == found_by_json_path(app, kind, item["id"]) != set()
    written = [
        {"data": {"idea": {"id": 900.0, "title": "a whole number"}}},
        {"data": {"comment": {"id": 901}, "idea": {"id": 902}}},
        {"data": {"idea": {"id": "903"}}},  # a string: no id the board writes
        {"data": {"idea": [{"id": 904}]}},
        {"data": {"idea": {"id": 905.5}}},
        {"data": {"idea": {"id": 2**40}}},
        {"data": {"task": {"id": 906, "idea": {"id": 907}}, "idea_id": 908}},
        {"data": {"idea": {"id": True}}},
        {"data": {"idea": {"title": "no id"}, "comment": None}},
        {"data": ["idea", "comment"]},
    ]
    with app.extensions["board_db"].Session() as session:
        session.add_all(Event(type="idea.updated", private=True, envelope=e) for e in written)
        session.commit()
    new = set(envelopes(app)) - set(log)
    assert {(k, i) for k, i, seq in listed(app) if seq in new} == {
        ("idea", 900),
        ("comment", 901),
        ("idea", 902),
    }
    assert listed(app) == carried(envelopes(app))
    with app.extensions["board_db"].Session() as session:  # the private rows above go
        run_retention(session, clock.now() + timedelta(days=366), 365)
    assert listed(app) == carried(envelopes(app)) == carried(log)


def rewrites(app, run) -> tuple[dict[int, dict], list[str]]:
    """The log after `run()`, and the statements it made that read envelopes."""
    with counted(app) as statements:
        run()
    read = [s for s in statements if re.search(r"SELECT .*events\.envelope", s, re.S)]
    return envelopes(app), read


def assert_rewritten(before: dict, after: dict, expected: set[int], kind: str, change) -> None:
    """Exactly the envelopes in `expected` changed, each as the old rewrite changed it."""
    assert expected
    for seq, envelope in before.items():
        if seq in expected:
            want = copy.deepcopy(envelope)
            want["data"][kind] = change(dict(want["data"][kind]))
            assert after[seq] == want, seq
        else:
            assert after[seq] == envelope, seq


@BOTH_DATABASES
def test_hiding_an_idea_rewrites_exactly_the_envelopes_carrying_it(app, talked_about, facilitator):
    idea = talked_about["ideas"][0]
    before = envelopes(app)
    expected = found_by_json_path(app, "idea", idea["id"])
    after, read = rewrites(
        app,
        lambda: facilitator.put(f"ideas/{idea['id']}/hidden", json={"reason": "confidential"}),
    )
    assert_rewritten(before, after, expected, "idea", redact_idea)
    assert "4 May" not in str(after)
    [rewrite] = [s for s in read if "event_objects" in s]
    assert all("event_objects" in s or "WHERE events.seq =" in s for s in read), read
    assert "JSON" not in rewrite.upper() and "#>>" not in rewrite, rewrite


@BOTH_DATABASES
@pytest.mark.parametrize("how", ["deleted by its author", "hidden by the facilitator"])
def test_a_deleted_or_hidden_comment_rewrites_exactly_the_envelopes_carrying_it(
    app, talked_about, member, facilitator, how
):
    comment = talked_about["comments"][0]
    before = envelopes(app)
    expected = found_by_json_path(app, "comment", comment["id"])
    assert len(expected) >= 2  # written, edited (and flagged, if the flag carries it)
    if how == "deleted by its author":
        change, run = corrections._scrub, lambda: member.delete(f"comments/{comment['id']}")
    else:
        change = redact_comment
        run = lambda: facilitator.put(  # noqa: E731
            f"comments/{comment['id']}/hidden", json={"reason": "off topic"}
        )
    after, read = rewrites(app, run)
    assert_rewritten(before, after, expected, "comment", change)
    assert "Secret, edited" not in str(after) and "Secret 0" not in str(after)
    assert all("event_objects" in s or "WHERE events.seq =" in s for s in read), read


def test_only_ideas_and_comments_are_rewritten(app):
    """A kind the log does not list would find nothing: refused, not silently skipped."""
    with app.extensions["board_db"].Session() as session, pytest.raises(ValueError):
        events.rewrite_envelopes(session, "task", 1, dict)
