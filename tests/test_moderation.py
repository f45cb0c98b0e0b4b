"""Moderation in the open, without a boss (issue 17): anyone taking part flags; the
facilitator, or flags from three departments, hide, always with a reason everyone reads;
the facilitator shows it again; every step is recorded; nothing is deleted, no task moves."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models import Comment, Event, Flag, Idea, ModerationAction, Task
from tests.conftest import BOTH_DATABASES, JsonClient, make_user


def post_idea(client, title="Launch teaser", body="The launch date is 4 May") -> dict:
    response = client.post("ideas", json={"title": title, "body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def log_text(app) -> str:
    with app.extensions["board_db"].Session() as session:
        return json.dumps([row.envelope for row in session.scalars(select(Event))])


def events_of(client, prefix="") -> list[dict]:
    items = client.get("events?after=0&limit=1000").get_json()["items"]
    return [e for e in items if e["type"].startswith(prefix)]


@BOTH_DATABASES
def test_the_facilitator_hides_an_idea_with_a_reason_everyone_reads(
    app, member, other_member, facilitator, observer
):
    idea = post_idea(member)
    task = other_member.post("tasks", json={"title": "Shoot", "idea_id": idea["id"]}).get_json()
    other_member.post(f"tasks/{task['id']}/claim")
    response = facilitator.put(
        f"ideas/{idea['id']}/hidden", json={"reason": "confidential launch date"}
    )
    assert response.status_code == 200, response.get_json()
    hidden = {"reason": "confidential launch date", "by": "facilitator"}
    assert {k: response.get_json()["hidden"][k] for k in hidden} == hidden

    # others see its place and the reason, not its words
    for client in (other_member, observer):
        seen = client.get(f"ideas/{idea['id']}").get_json()
        assert (seen["title"], seen["body"], seen["body_html"]) == ("", "", "")
        assert seen["hidden"]["reason"] == "confidential launch date"
        listed = client.get("ideas").get_json()["items"]
        assert [i["id"] for i in listed] == [idea["id"]]  # still on the board, as a placeholder
    # its author and the facilitator still read it
    assert member.get(f"ideas/{idea['id']}").get_json()["body"] == "The launch date is 4 May"
    assert facilitator.get(f"ideas/{idea['id']}").get_json()["title"] == "Launch teaser"
    # nor does the log give the words away; the event tells the reason
    assert "4 May" not in log_text(app)
    last = events_of(observer, "idea.hidden")[-1]
    assert last["data"]["idea"]["hidden"]["reason"] == "confidential launch date"
    # recorded, and nobody's work moved
    with app.extensions["board_db"].Session() as session:
        record = session.scalars(select(ModerationAction)).one()
        assert (record.action, record.by_id, record.reason) == (
            "hide",
            facilitator.user["id"],
            "confidential launch date",
        )
        row = session.get(Task, task["id"])
        assert (row.status, row.claimed_by_id) == ("claimed", other_member.user["id"])
        assert session.get(Idea, idea["id"]) is not None
    # no votes on a hidden idea
    vote = other_member.put(f"ideas/{idea['id']}/vote")
    assert (vote.status_code, vote.get_json()["error"]["code"]) == (409, "idea_hidden")


@BOTH_DATABASES
def test_the_facilitator_shows_it_again_and_that_is_recorded(app, member, facilitator, observer):
    idea = post_idea(member)
    facilitator.put(f"ideas/{idea['id']}/hidden", json={"reason": "off-topic"})
    response = facilitator.delete(f"ideas/{idea['id']}/hidden")
    assert response.status_code == 200
    assert response.get_json()["hidden"] is None
    assert observer.get(f"ideas/{idea['id']}").get_json()["title"] == "Launch teaser"
    assert events_of(observer)[-1]["type"] == "idea.unhidden"
    with app.extensions["board_db"].Session() as session:
        actions = [
            (a.action, a.by_id) for a in session.scalars(select(ModerationAction).order_by("id"))
        ]
    assert actions == [("hide", facilitator.user["id"]), ("unhide", facilitator.user["id"])]


@pytest.mark.parametrize("who", ["member", "other_member", "observer"])
def test_only_the_facilitator_hides_and_shows(app, request, facilitator, who):
    author = request.getfixturevalue("member")
    idea = post_idea(author)
    client = request.getfixturevalue(who)
    code = "read_only" if who == "observer" else "facilitator_only"
    hide = client.put(f"ideas/{idea['id']}/hidden", json={"reason": "no"})
    assert (hide.status_code, hide.get_json()["error"]["code"]) == (403, code)
    facilitator.put(f"ideas/{idea['id']}/hidden", json={"reason": "checking"})
    show = client.delete(f"ideas/{idea['id']}/hidden")
    assert (show.status_code, show.get_json()["error"]["code"]) == (403, code)
    with app.extensions["board_db"].Session() as session:
        assert session.get(Idea, idea["id"]).hidden_reason == "checking"


def test_a_reason_is_required_to_hide(member, facilitator):
    idea = post_idea(member)
    for body in ({}, {"reason": "  "}, {"reason": "x" * 301}):
        assert facilitator.put(f"ideas/{idea['id']}/hidden", json=body).status_code == 400
    assert member.get(f"ideas/{idea['id']}").get_json()["hidden"] is None


@BOTH_DATABASES
def test_flags_from_three_departments_hide_a_comment(app, people_, member, other_member):
    idea = post_idea(member, body="Fine")
    comment = other_member.post(
        f"ideas/{idea['id']}/comments", json={"body": "Rude words here"}
    ).get_json()
    sales = people_.client(None)
    make_user(app, "sven", "member", "Sales")
    sales.login("sven@example.com")
    marketing_too = people_.client(None)
    make_user(app, "mia", "member", "Marketing")
    marketing_too.login("mia@example.com")

    # two departments (three people, two of them from Marketing): not yet
    for client in (member, marketing_too, other_member):
        response = client.post(
            f"comments/{comment['id']}/flags", json={"reason": "guidelines", "note": "rude"}
        )
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["hidden"] is None
    # a third department: hidden, by the flags, with the reason they gave
    response = sales.post(f"comments/{comment['id']}/flags", json={"reason": "guidelines"})
    assert response.get_json()["hidden"]["by"] == "flags"
    assert response.get_json()["hidden"]["reason"] == "guidelines"
    seen = sales.get(f"ideas/{idea['id']}/comments").get_json()[0]
    assert (seen["body"], seen["hidden"]["reason"]) == ("", "guidelines")
    with app.extensions["board_db"].Session() as session:
        row = session.get(Comment, comment["id"])
        assert row.body == "Rude words here"  # hidden, never deleted
        assert (row.hidden_by_id, row.hidden_reason) == (None, "guidelines")
        record = session.scalars(select(ModerationAction)).one()
        assert (record.action, record.by_id) == ("hide", None)
    hidden_event = events_of(sales, "comment.hidden")[-1]
    assert hidden_event["actor"] is None  # the flaggers stay unnamed
    assert hidden_event["data"]["departments"] == 3
    assert "Rude words" not in log_text(app)


def test_flagging_again_replaces_the_reason_and_counts_once(app, member, other_member):
    idea = post_idea(member)
    other_member.post(f"ideas/{idea['id']}/flags", json={"reason": "off_topic"})
    other_member.post(f"ideas/{idea['id']}/flags", json={"reason": "confidential"})
    with app.extensions["board_db"].Session() as session:
        flags = session.scalars(select(Flag)).all()
    assert [(f.user_id, f.reason) for f in flags] == [(other_member.user["id"], "confidential")]


def test_a_flag_needs_a_known_reason_and_words_for_other(member, other_member):
    idea = post_idea(member)
    bad = other_member.post(f"ideas/{idea['id']}/flags", json={"reason": "ugly"})
    assert bad.status_code == 400
    wordless = other_member.post(f"ideas/{idea['id']}/flags", json={"reason": "other"})
    assert wordless.status_code == 400
    fine = other_member.post(
        f"ideas/{idea['id']}/flags", json={"reason": "other", "note": "Wrong product name"}
    )
    assert fine.status_code == 201


def test_observers_do_not_flag(app, member, observer):
    idea = post_idea(member)
    response = observer.post(f"ideas/{idea['id']}/flags", json={"reason": "off_topic"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "read_only")
    with app.extensions["board_db"].Session() as session:
        assert session.scalars(select(Flag)).all() == []


def test_the_facilitator_reads_the_flags_and_others_do_not(
    member, other_member, facilitator, observer
):
    idea = post_idea(member)
    other_member.post(
        f"ideas/{idea['id']}/flags", json={"reason": "confidential", "note": "launch date"}
    )
    items = facilitator.get("flags").get_json()["items"]
    assert [(i["target_kind"], i["target_id"]) for i in items] == [("idea", idea["id"])]
    assert items[0]["flags"][0]["note"] == "launch date"
    for client in (member, observer):
        assert client.get("flags").status_code == 403
    # the flag reaches the facilitator (and its sender) as a private event, nobody else
    assert any(e["type"] == "content.flagged" for e in events_of(facilitator))
    assert not any(e["type"] == "content.flagged" for e in events_of(member))
    assert not any(e["type"] == "content.flagged" for e in events_of(observer))


def test_showing_again_clears_the_flags_that_hid_it(app, member, facilitator):
    idea = post_idea(member)
    clients = []
    for name, department in (("a", "Sales"), ("b", "IT"), ("c", "Legal")):
        make_user(app, name * 3, "member", department)
    for name in ("aaa", "bbb", "ccc"):
        client = JsonClient(app.test_client())
        client.login(f"{name}@example.com")
        clients.append(client)
        client.post(f"ideas/{idea['id']}/flags", json={"reason": "off_topic"})
    assert facilitator.get(f"ideas/{idea['id']}").get_json()["hidden"]["by"] == "flags"
    facilitator.delete(f"ideas/{idea['id']}/hidden")
    with app.extensions["board_db"].Session() as session:
        assert all(f.cleared_at is not None for f in session.scalars(select(Flag)))
    # one new flag does not hide it again at once
    clients[0].post(f"ideas/{idea['id']}/flags", json={"reason": "off_topic"})
    assert facilitator.get(f"ideas/{idea['id']}").get_json()["hidden"] is None
