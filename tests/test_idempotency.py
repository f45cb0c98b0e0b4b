"""Idempotency-Key: a write retried with the same key returns the first answer and changes
nothing twice, also when the duplicates arrive at the same moment; keys last a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from board import clock
from board.scheduler import housekeeping
from models import Comment, Event, Idea, IdempotencyKey, Task
from tests.conftest import BOTH_DATABASES, JsonClient
from tests.test_concurrency import at_once

pytestmark = pytest.mark.faults


def key(value: str) -> dict:
    return {"headers": {"Idempotency-Key": value}}


def count(app, model, *where) -> int:
    with app.extensions["board_db"].ReadSession() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


@BOTH_DATABASES
def test_a_retried_post_returns_the_first_answer_and_writes_once(app, member):
    first = member.post("ideas", json={"title": "Reels", "body": ""}, **key("k-1"))
    again = member.post("ideas", json={"title": "Reels", "body": ""}, **key("k-1"))

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(app, Idea) == 1
    assert count(app, Event, Event.type == "idea.created") == 1

    other = member.post("ideas", json={"title": "Reels", "body": ""}, **key("k-2"))
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]
    without = member.post("ideas", json={"title": "Reels", "body": ""})
    assert without.status_code == 201
    assert count(app, Idea) == 3


@BOTH_DATABASES
def test_concurrent_duplicates_make_one_change(app, people_):
    clients = [people_.client("member") for _ in range(8)]  # one person, eight tabs
    idea = clients[0].post("ideas", json={"title": "Shared", "body": ""}).get_json()
    calls = [
        (lambda c=c: c.post(f"ideas/{idea['id']}/comments", json={"body": "Once"}, **key("c")))
        for c in clients
    ]
    responses = at_once(calls)

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.get_json() for r in responses]
    created = [r.get_json() for r in responses if r.status_code == 201]
    assert created and all(c == created[0] for c in created)  # every 201 is the same answer
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.get_json()["error"]["code"] == "idempotency_in_progress"
    assert count(app, Comment) == 1
    assert count(app, Event, Event.type == "comment.created") == 1


def test_the_key_belongs_to_one_person_and_one_route(app, member, other_member):
    idea = member.post("ideas", json={"title": "Mine", "body": ""}, **key("same")).get_json()
    theirs = other_member.post("ideas", json={"title": "Mine", "body": ""}, **key("same"))
    assert theirs.status_code == 201 and theirs.get_json()["id"] != idea["id"]

    task = member.post("tasks", json={"title": "Film", "idea_id": idea["id"]}, **key("same"))
    assert task.status_code == 201 and "idea_id" in task.get_json()
    assert count(app, Idea) == 2 and count(app, Task) == 1


def test_refusals_are_answered_again_and_a_changed_body_is_refused(app, member, other_member):
    idea = member.post("ideas", json={"title": "Hold", "body": ""}).get_json()
    task = member.post("tasks", json={"title": "Post", "idea_id": idea["id"]}).get_json()
    assert member.post(f"tasks/{task['id']}/claim").status_code == 200

    refused = other_member.post(f"tasks/{task['id']}/claim", **key("claim-1"))
    assert refused.status_code == 409
    member.post(f"tasks/{task['id']}/release")
    again = other_member.post(f"tasks/{task['id']}/claim", **key("claim-1"))
    assert (again.status_code, again.get_json()) == (409, refused.get_json())
    assert again.headers["Idempotent-Replayed"] == "true"

    member.post("ideas", json={"title": "One", "body": ""}, **key("body"))
    changed = member.post("ideas", json={"title": "Two", "body": ""}, **key("body"))
    assert changed.status_code == 422
    assert changed.get_json()["error"]["code"] == "idempotency_key_reused"
    assert count(app, Idea, Idea.title == "Two") == 0

    bad = member.post("ideas", json={"title": "Three", "body": ""}, **key("x" * 256))
    assert bad.status_code == 400 and "Idempotency-Key" in bad.get_json()["error"]["fields"]
    assert count(app, Idea, Idea.title == "Three") == 0


def test_put_and_delete_take_a_key_too(app, member, other_member):
    idea = member.post("ideas", json={"title": "Vote", "body": ""}).get_json()
    first = other_member.put(f"ideas/{idea['id']}/vote", **key("v"))
    assert first.status_code == 200 and first.get_json()["votes"] == 1
    other_member.delete(f"ideas/{idea['id']}/vote")
    replay = other_member.put(f"ideas/{idea['id']}/vote", **key("v"))
    assert replay.get_json() == first.get_json()  # the first answer, not a new vote
    assert member.get(f"ideas/{idea['id']}").get_json()["votes"] == 0


def test_keys_expire_after_a_day(app, member):
    start = clock.now()
    clock.set_clock(lambda: start)
    first = member.post("ideas", json={"title": "Day one", "body": ""}, **key("daily"))
    clock.set_clock(lambda: start + timedelta(hours=23))
    assert member.post("ideas", json={"title": "Day one", "body": ""}, **key("daily")).headers[
        "Idempotent-Replayed"
    ]
    clock.set_clock(lambda: start + timedelta(days=1, seconds=1))
    later = member.post("ideas", json={"title": "Day one", "body": ""}, **key("daily"))
    assert later.status_code == 201 and later.get_json()["id"] != first.get_json()["id"]
    assert count(app, Idea) == 2

    member.post("ideas", json={"title": "Fresh", "body": ""}, **key("fresh"))
    clock.set_clock(lambda: start + timedelta(days=2, seconds=2))
    assert housekeeping(app) == 2  # "daily" (renewed a day ago) and "fresh" are both old now
    assert count(app, IdempotencyKey) == 0


def test_anonymous_requests_ignore_the_key(app, anonymous):
    for _ in range(2):
        response = anonymous.post(
            "auth/login", json={"email": "nobody@example.com", "password": "x"}, **key("l")
        )
        assert response.status_code == 401
    assert count(app, IdempotencyKey) == 0


def test_a_key_from_another_client_cannot_read_the_answer(app, people_):
    """The stored answer is only ever returned to the person who got it."""
    mara = people_.client("member")
    mara.post("ideas", json={"title": "Private", "body": ""}, **key("guess"))
    ivan = JsonClient(app.test_client()).login("ivan@example.com")
    response = ivan.post("ideas", json={"title": "Private", "body": ""}, **key("guess"))
    assert "Idempotent-Replayed" not in response.headers
