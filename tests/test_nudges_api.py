"""Nudges over the JSON API: who may send them, whom they reach, reading them, and that a
nudge never changes a task."""

from __future__ import annotations

import pytest

from board import people as people_service
from tests.conftest import JsonClient, make_user

NUDGE_FIELDS = {
    "id",
    "message",
    "from",
    "to_user_id",
    "task_id",
    "department_id",
    "created_at",
    "read_at",
}


def nudge(facilitator, **body):
    body.setdefault("message", "How is it going? Shout if you need a hand!")
    return facilitator.post("nudges", json=body)


def claimed_task(creator, claimant) -> dict:
    task = creator.post("tasks", json={"title": "Film the booth"}).get_json()
    assert claimant.post(f"tasks/{task['id']}/claim").status_code == 200
    return claimant.get(f"tasks/{task['id']}").get_json()


def inbox(client) -> list[dict]:
    response = client.get("nudges")
    assert response.status_code == 200
    return response.get_json()["items"]


def test_a_nudge_to_one_member(people_, facilitator, member):
    mara = people_.user("member")
    response = nudge(facilitator, to_user_id=mara.id, message="Great idea yesterday!")
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()
    assert set(sent) >= NUDGE_FIELDS
    assert sent["message"] == "Great idea yesterday!"
    assert sent["from"] == {
        "id": people_.user("facilitator").id,
        "display_name": "Sam",
        "handle": "sam",
        "name_shared": False,
    }
    assert (sent["to_user_id"], sent["task_id"], sent["department_id"]) == (mara.id, None, None)
    assert sent["read_at"] is None
    received = inbox(member)
    assert [n["id"] for n in received] == [sent["id"]]
    assert received[0]["read_at"] is None
    assert [n["id"] for n in inbox(facilitator)] == [sent["id"]]


def test_a_nudge_to_whoever_holds_a_task(people_, facilitator, member, other_member):
    task = claimed_task(member, other_member)
    response = nudge(facilitator, task_id=task["id"])
    assert response.status_code == 201
    assert response.get_json()["task_id"] == task["id"]
    assert [n["task_id"] for n in inbox(other_member)] == [task["id"]]
    assert inbox(member) == []


def test_an_unclaimed_task_has_nobody_to_nudge(facilitator, member):
    task = member.post("tasks", json={"title": "Nobody's yet"}).get_json()
    response = nudge(facilitator, task_id=task["id"])
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "task_not_claimed"
    assert "Nobody holds this task" in error["message"]
    assert inbox(facilitator) == []


def test_a_nudge_to_a_department_reaches_its_members_and_facilitators_only(
    app, people_, facilitator, member
):
    for name, role in (
        ("mia", "member"),
        ("fred", "facilitator"),
        ("otto", "observer"),
        ("paul", "member"),
    ):
        make_user(app, name, role, "Marketing")
    with app.extensions["board_db"].Session() as session:
        people_service.remove_user(session, "paul@example.com")  # gone: reaches nobody
    marketing = people_.user("member").department_id
    response = nudge(facilitator, department_id=marketing, message="Hello Marketing!")
    assert response.status_code == 201
    assert response.get_json()["department_id"] == marketing
    clients = {
        "mara": member,
        "mia": _login(app, "mia"),
        "fred": _login(app, "fred"),
        "otto": _login(app, "otto"),
    }
    assert {name for name, client in clients.items() if inbox(client)} == {"mara", "mia", "fred"}
    assert inbox(people_.client("other_member")) == []


def _login(app, name):
    return JsonClient(app.test_client()).login(f"{name}@example.com")


def test_the_sender_is_not_a_recipient_of_their_own_department_nudge(app, people_, facilitator):
    make_user(app, "cora", "member", "Communications")
    comms = people_.user("facilitator").department_id
    sent = nudge(facilitator, department_id=comms).get_json()
    assert inbox(_login(app, "cora"))[0]["id"] == sent["id"]
    mark = facilitator.post(f"nudges/{sent['id']}/read")
    assert mark.status_code == 403
    assert inbox(facilitator)[0]["received"] is False


def test_a_department_without_anyone_to_reach_is_refused(app, people_, facilitator):
    sales = people_.user("observer").department_id  # only an observer works there
    response = nudge(facilitator, department_id=sales)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "nobody_to_nudge"


@pytest.mark.parametrize(
    "targets",
    [
        {},
        {"to_user_id": "member", "task_id": "task"},
        {"to_user_id": "member", "department_id": "department"},
        {"to_user_id": "member", "task_id": "task", "department_id": "department"},
    ],
)
def test_exactly_one_target(people_, facilitator, member, other_member, targets):
    task = claimed_task(member, other_member)
    values = {
        "member": people_.user("member").id,
        "task": task["id"],
        "department": people_.user("member").department_id,
    }
    response = nudge(facilitator, **{k: values[v] for k, v in targets.items()})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert "exactly one" in error["message"]
    assert inbox(member) == [] and inbox(other_member) == []


def test_bad_targets_and_messages_are_refused(people_, facilitator, subtests):
    me = people_.user("facilitator").id
    cases = [
        ({"to_user_id": 9999}, 400, "to_user_id"),
        ({"to_user_id": me}, 400, "to_user_id"),
        ({"to_user_id": people_.user("observer").id}, 400, "to_user_id"),
        ({"task_id": 9999}, 400, "task_id"),
        ({"department_id": 9999}, 400, "department_id"),
        ({"to_user_id": "3"}, 400, "to_user_id"),
        ({"to_user_id": people_.user("member").id, "message": "   "}, 400, "message"),
        ({"to_user_id": people_.user("member").id, "message": "x" * 20_001}, 400, "message"),
        ({"to_user_id": people_.user("member").id, "message": None}, 400, "message"),
    ]
    for body, status, field in cases:
        with subtests.test(body=repr(body)[:60]):
            response = nudge(facilitator, **body)
            assert response.status_code == status
            assert field in response.get_json()["error"]["fields"]
    unknown = facilitator.post("nudges", json={"message": "hi", "to_user_id": me, "claimed_by": me})
    assert unknown.get_json()["error"]["code"] == "unknown_field"
    assert inbox(facilitator) == []


@pytest.mark.parametrize(
    ("client_name", "code"),
    [
        ("member", "facilitator_only"),
        ("other_member", "facilitator_only"),
        ("observer", "read_only"),
    ],
)
def test_only_the_facilitator_sends_nudges(people_, client_name, code):
    client = people_.client(client_name)
    for target in (
        {"to_user_id": people_.user("member").id},
        {"department_id": people_.user("member").department_id},
    ):
        response = nudge(client, **target)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == code
    assert inbox(people_.client("member")) == []


def test_nudges_need_a_login(anonymous):
    assert anonymous.get("nudges").status_code == 401
    assert anonymous.post("nudges", json={"message": "x", "to_user_id": 1}).status_code in (
        400,
        401,
    )


def test_the_recipient_marks_a_nudge_read(people_, facilitator, member):
    sent = nudge(facilitator, to_user_id=people_.user("member").id).get_json()
    response = member.post(f"nudges/{sent['id']}/read")
    assert response.status_code == 200
    read = response.get_json()
    assert read["id"] == sent["id"] and read["read_at"] is not None
    again = member.post(f"nudges/{sent['id']}/read").get_json()
    assert again["read_at"] == read["read_at"]  # the first reading counts
    assert inbox(member)[0]["read_at"] == read["read_at"]
    assert inbox(facilitator)[0]["read_at"] is None  # the sender has nothing to read


def test_each_recipient_reads_for_themselves(app, people_, facilitator, member):
    make_user(app, "mia", "member", "Marketing")
    mia = _login(app, "mia")
    sent = nudge(facilitator, department_id=people_.user("member").department_id).get_json()
    member.post(f"nudges/{sent['id']}/read")
    assert inbox(member)[0]["read_at"] is not None
    assert inbox(mia)[0]["read_at"] is None


@pytest.mark.parametrize(
    ("client_name", "code"),
    [
        ("facilitator", "not_recipient"),  # the sender
        ("other_member", "not_recipient"),
        ("observer", "read_only"),
    ],
)
def test_only_recipients_mark_a_nudge_read(people_, facilitator, member, client_name, code):
    sent = nudge(facilitator, to_user_id=people_.user("member").id).get_json()
    response = people_.client(client_name).post(f"nudges/{sent['id']}/read")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == code
    assert inbox(member)[0]["read_at"] is None


def test_marking_a_missing_nudge_is_404(member):
    response = member.post("nudges/999/read")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "nudge_not_found"


def test_marking_read_takes_no_fields(people_, facilitator, member):
    sent = nudge(facilitator, to_user_id=people_.user("member").id).get_json()
    response = member.post(f"nudges/{sent['id']}/read", json={"read_at": None})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_field"


def test_the_inbox_lists_only_ones_own_nudges_newest_first(
    people_, facilitator, member, other_member, observer
):
    first = nudge(facilitator, to_user_id=people_.user("member").id, message="one").get_json()
    second = nudge(
        facilitator, to_user_id=people_.user("other_member").id, message="two"
    ).get_json()
    third = nudge(facilitator, to_user_id=people_.user("member").id, message="three").get_json()
    assert [n["id"] for n in inbox(member)] == [third["id"], first["id"]]
    assert [n["id"] for n in inbox(other_member)] == [second["id"]]
    assert [n["id"] for n in inbox(facilitator)] == [third["id"], second["id"], first["id"]]
    assert inbox(observer) == []


def test_a_nudge_never_changes_a_task(people_, facilitator, member, other_member):
    task = claimed_task(member, other_member)
    last_seq = member.get("events?after=0").get_json()["last_seq"]
    nudge(facilitator, task_id=task["id"], message="Release it if you are stuck!")
    assert other_member.get(f"tasks/{task['id']}").get_json() == task
    types = [e["type"] for e in facilitator.get(f"events?after={last_seq}").get_json()["items"]]
    assert types == ["nudge.sent"]
    # and the nudge API has no way to name a new holder or a status
    for field in ("claimed_by", "status", "assignee_id"):
        response = facilitator.post(
            "nudges", json={"message": "x", "task_id": task["id"], field: people_.user("member").id}
        )
        assert response.status_code == 400
    assert other_member.get(f"tasks/{task['id']}").get_json() == task
