"""Fixing one's own mistakes (issue 17): authors edit and delete their comments, withdraw
their ideas; a completed task is reopened by its claimant. Each role's request is checked
by what it changed in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models import Comment, Event, Idea, Task
from tests.conftest import BOTH_DATABASES


def post_idea(client, title="Behind the scenes", body="Film the **team**") -> dict:
    response = client.post("ideas", json={"title": title, "body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def comment_on(client, idea_id: int, body="Love it, the secret launch is on 4 May") -> dict:
    response = client.post(f"ideas/{idea_id}/comments", json={"body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def comment_row(app, comment_id: int) -> Comment:
    with app.extensions["board_db"].Session() as session:
        row = session.get(Comment, comment_id)
        session.expunge(row)
        return row


def log_text(app) -> str:
    with app.extensions["board_db"].Session() as session:
        return json.dumps([row.envelope for row in session.scalars(select(Event))])


def types(client) -> list[str]:
    return [e["type"] for e in client.get("events?after=0&limit=1000").get_json()["items"]]


# ---- comments ---------------------------------------------------------------------------


@BOTH_DATABASES
def test_the_author_edits_a_comment_and_it_shows_edited(app, member, other_member):
    idea = post_idea(other_member)
    comment = comment_on(member, idea["id"])
    response = member.patch(f"comments/{comment['id']}", json={"body": "Love it, **really**"})
    assert response.status_code == 200, response.get_json()
    edited = response.get_json()
    assert edited["body"] == "Love it, **really**"
    assert "<strong>really</strong>" in edited["body_html"]
    assert edited["edited_at"] is not None and edited["deleted"] is False
    row = comment_row(app, comment["id"])
    assert (row.body, row.edited_at is not None) == ("Love it, **really**", True)
    assert "comment.updated" in types(other_member)
    listed = other_member.get(f"ideas/{idea['id']}/comments").get_json()
    assert listed[0]["edited_at"] == edited["edited_at"]


@BOTH_DATABASES
@pytest.mark.parametrize("who", ["other_member", "facilitator", "observer"])
def test_nobody_else_edits_or_deletes_a_comment(app, request, member, who):
    idea = post_idea(member)
    comment = comment_on(member, idea["id"])
    client = request.getfixturevalue(who)
    code = "read_only" if who == "observer" else "not_author"
    edit = client.patch(f"comments/{comment['id']}", json={"body": "Rewritten"})
    delete = client.delete(f"comments/{comment['id']}")
    assert (edit.status_code, edit.get_json()["error"]["code"]) == (403, code)
    assert (delete.status_code, delete.get_json()["error"]["code"]) == (403, code)
    row = comment_row(app, comment["id"])
    assert (row.body, row.edited_at, row.deleted_at) == (comment["body"], None, None)


@BOTH_DATABASES
def test_a_deleted_comment_keeps_its_place_without_its_text(app, member, other_member):
    idea = post_idea(other_member)
    first = comment_on(member, idea["id"], "Confidential: launch on 4 May")
    comment_on(other_member, idea["id"], "Reply")
    response = member.delete(f"comments/{first['id']}")
    assert response.status_code == 200
    assert response.get_json()["deleted"] is True
    listed = other_member.get(f"ideas/{idea['id']}/comments").get_json()
    assert [c["id"] for c in listed] == [first["id"], listed[1]["id"]]  # its place stays
    assert (listed[0]["body"], listed[0]["body_html"], listed[0]["deleted"]) == ("", "", True)
    row = comment_row(app, first["id"])
    assert (row.body, row.body_html) == ("", "")
    assert row.deleted_at is not None
    # the text is gone from the log's copies too (what /api/v1/events replays)
    assert "launch on 4 May" not in log_text(app)
    assert types(other_member)[-1] == "comment.deleted"
    # deleting again is a no-op; editing a deleted comment is refused
    assert member.delete(f"comments/{first['id']}").status_code == 200
    assert types(other_member).count("comment.deleted") == 1
    edit = member.patch(f"comments/{first['id']}", json={"body": "Back"})
    assert (edit.status_code, edit.get_json()["error"]["code"]) == (409, "comment_deleted")


def test_an_edit_must_not_be_empty_and_knows_no_other_fields(member):
    idea = post_idea(member)
    comment = comment_on(member, idea["id"])
    empty = member.patch(f"comments/{comment['id']}", json={"body": "  "})
    assert empty.status_code == 400
    other = member.patch(f"comments/{comment['id']}", json={"body": "x", "author_id": 2})
    assert other.get_json()["error"]["code"] == "unknown_field"
    assert member.patch("comments/999999", json={"body": "x"}).status_code == 404


# ---- ideas --------------------------------------------------------------------------------


@BOTH_DATABASES
def test_a_withdrawn_idea_leaves_the_board_and_stays_in_the_history(
    app, member, other_member, facilitator
):
    idea = post_idea(member, "Withdraw me")
    kept = post_idea(member, "Keep me")
    claimed = other_member.post("tasks", json={"title": "Shoot it", "idea_id": idea["id"]})
    claimed = claimed.get_json()
    other_member.post(f"tasks/{claimed['id']}/claim")
    still_open = member.post("tasks", json={"title": "Edit it", "idea_id": idea["id"]})
    still_open = still_open.get_json()

    response = member.post(f"ideas/{idea['id']}/withdraw")
    assert response.status_code == 200
    assert response.get_json()["withdrawn"] is True
    listed = [i["id"] for i in facilitator.get("ideas?sort=new").get_json()["items"]]
    assert listed == [kept["id"]]
    # its address still answers, marked withdrawn; the feed keeps its story
    assert facilitator.get(f"ideas/{idea['id']}").get_json()["withdrawn"] is True
    assert "idea.withdrawn" in types(facilitator)
    # nobody's work moved: the claimed task stays with its claimant, the open one open
    with app.extensions["board_db"].Session() as session:
        tasks = {t.id: (t.status, t.claimed_by_id) for t in session.scalars(select(Task))}
        assert session.get(Idea, idea["id"]).withdrawn_at is not None
    assert tasks[claimed["id"]] == ("claimed", other_member.user["id"])
    assert tasks[still_open["id"]] == ("open", None)
    # no more votes, comments or edits; withdrawing again is a no-op
    vote = other_member.put(f"ideas/{idea['id']}/vote")
    assert (vote.status_code, vote.get_json()["error"]["code"]) == (409, "idea_withdrawn")
    assert other_member.post(f"ideas/{idea['id']}/comments", json={"body": "x"}).status_code == 409
    assert member.patch(f"ideas/{idea['id']}", json={"title": "Back"}).status_code == 409
    assert member.post(f"ideas/{idea['id']}/withdraw").status_code == 200
    assert types(facilitator).count("idea.withdrawn") == 1


@BOTH_DATABASES
@pytest.mark.parametrize("who", ["other_member", "facilitator", "observer"])
def test_only_the_author_withdraws_an_idea(app, request, member, who):
    idea = post_idea(member)
    response = request.getfixturevalue(who).post(f"ideas/{idea['id']}/withdraw")
    assert response.status_code == 403
    with app.extensions["board_db"].Session() as session:
        assert session.get(Idea, idea["id"]).withdrawn_at is None


# ---- tasks --------------------------------------------------------------------------------


def done_task(client) -> dict:
    task = client.post("tasks", json={"title": "Cut the reel"}).get_json()
    client.post(f"tasks/{task['id']}/claim")
    return client.post(f"tasks/{task['id']}/complete").get_json()


@BOTH_DATABASES
def test_the_claimant_reopens_a_completed_task_and_keeps_it(app, member, observer):
    task = done_task(member)
    response = member.post(f"tasks/{task['id']}/reopen")
    assert response.status_code == 200, response.get_json()
    reopened = response.get_json()
    assert (reopened["status"], reopened["claimed_by"]["id"]) == ("claimed", member.user["id"])
    assert reopened["completed_at"] is None
    with app.extensions["board_db"].Session() as session:
        row = session.get(Task, task["id"])
        assert (row.status, row.claimed_by_id, row.completed_at) == (
            "claimed",
            member.user["id"],
            None,
        )
    assert types(observer)[-1] == "task.reopened"
    again = member.post(f"tasks/{task['id']}/reopen")  # already open again: a no-op
    assert again.status_code == 200
    assert types(observer).count("task.reopened") == 1


@BOTH_DATABASES
@pytest.mark.parametrize("who", ["other_member", "facilitator", "observer"])
def test_nobody_else_reopens_a_task(app, request, member, who):
    task = done_task(member)
    response = request.getfixturevalue(who).post(f"tasks/{task['id']}/reopen")
    code = "read_only" if who == "observer" else "not_claimant"
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, code)
    with app.extensions["board_db"].Session() as session:
        row = session.get(Task, task["id"])
        assert (row.status, row.claimed_by_id) == ("done", member.user["id"])


def test_an_open_task_cannot_be_reopened(member):
    task = member.post("tasks", json={"title": "Open"}).get_json()
    member.post(f"tasks/{task['id']}/claim")
    response = member.post(f"tasks/{task['id']}/reopen")
    assert response.status_code == 200  # claimed by the caller: already "open again"
    member.post(f"tasks/{task['id']}/release")
    refused = member.post(f"tasks/{task['id']}/reopen")
    assert refused.status_code == 403  # an open task has no claimant to give it back to
