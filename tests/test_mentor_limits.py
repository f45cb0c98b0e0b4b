"""The limits that are the point: the facilitator leads without commanding. One vote like
anyone, only their own ideas, no claiming for others, no releasing or completing others'
tasks, and no way to learn who voted for what."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from models import Vote


@pytest.fixture
def idea(member) -> dict:
    return member.post("ideas", json={"title": "Customer voices", "body": "Mara's"}).get_json()


@pytest.fixture
def held_task(member) -> dict:
    task = member.post("tasks", json={"title": "Record interviews"}).get_json()
    return member.post(f"tasks/{task['id']}/claim").get_json()


def test_the_facilitator_votes_once_like_anyone(db, people_, facilitator, member, idea):
    for _ in range(3):
        response = facilitator.put(f"ideas/{idea['id']}/vote")
        assert response.status_code == 200
        assert response.get_json() == {
            "idea_id": idea["id"],
            "votes": 1,
            "voted": True,
            "departments_supporting": 1,
        }
    assert member.get(f"ideas/{idea['id']}").get_json()["votes"] == 1
    db.add(Vote(idea_id=idea["id"], user_id=people_.user("facilitator").id))
    with pytest.raises(IntegrityError):
        db.commit()  # and the database would refuse a second one anyway
    db.rollback()


def test_the_facilitator_edits_only_their_own_ideas(facilitator, member, idea):
    response = facilitator.patch(f"ideas/{idea['id']}", json={"title": "Better title"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_author"
    assert member.get(f"ideas/{idea['id']}").get_json()["title"] == "Customer voices"
    own = facilitator.post("ideas", json={"body": "", "title": "Mine"}).get_json()
    assert facilitator.patch(f"ideas/{own['id']}", json={"title": "Still mine"}).status_code == 200


def test_the_facilitator_cannot_claim_for_someone_else(people_, facilitator, member):
    mara = people_.user("member").id
    refused = facilitator.post("tasks", json={"title": "For Mara", "claimed_by": mara})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "unknown_field"
    task = facilitator.post("tasks", json={"title": "Open work"}).get_json()
    assert task["claimed_by"] is None
    for body in ({"user_id": mara}, {"claimed_by": mara}, {"for": mara}):
        response = facilitator.post(f"tasks/{task['id']}/claim", json=body)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "unknown_field"
    assert member.get(f"tasks/{task['id']}").get_json()["status"] == "open"
    for path in (f"tasks/{task['id']}/assign", f"tasks/{task['id']}/reassign"):
        assert facilitator.post(path, json={"user_id": mara}).status_code in (404, 405)
    # Claiming without a body claims for the facilitator themselves, nobody else.
    mine = facilitator.post(f"tasks/{task['id']}/claim").get_json()
    assert mine["claimed_by"]["id"] == people_.user("facilitator").id


@pytest.mark.parametrize("action", ["release", "complete"])
def test_the_facilitator_cannot_release_or_complete_someone_elses_task(
    facilitator, member, held_task, action
):
    response = facilitator.post(f"tasks/{held_task['id']}/{action}")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_claimant"
    assert member.get(f"tasks/{held_task['id']}").get_json() == held_task


def test_the_facilitator_cannot_take_a_claimed_task(facilitator, member, held_task):
    response = facilitator.post(f"tasks/{held_task['id']}/claim")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "already_claimed"
    assert member.get(f"tasks/{held_task['id']}").get_json() == held_task


def test_the_facilitator_cannot_see_who_voted_for_what(facilitator, other_member, idea):
    other_member.put(f"ideas/{idea['id']}/vote")
    seen = facilitator.get(f"ideas/{idea['id']}").get_json()
    assert seen["votes"] == 1 and seen["voted"] is False
    assert not {"voters", "voted_by", "votes_by"} & set(seen)
    assert facilitator.get(f"ideas/{idea['id']}/votes").status_code in (404, 405)
    [event] = [
        e
        for e in facilitator.get("events?after=0").get_json()["items"]
        if e["type"] == "idea.votes_changed"
    ]
    assert event["actor"] is None
    assert set(event["data"]) == {"idea_id", "votes", "departments_supporting"}
    assert "Ivan" not in str(event)
