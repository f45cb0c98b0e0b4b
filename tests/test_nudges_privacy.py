"""`nudge.sent` is private: only its recipients and its sender receive it, live on the socket
and through /api/v1/events. Every other role, observers included, sees nothing of it."""

from __future__ import annotations

import pytest

from board.realtime import socketio
from tests.conftest import BOTH_DATABASES, JsonClient, make_user

EVERYONE = ("member", "other_member", "facilitator", "second_facilitator", "observer")


@pytest.fixture
def crowd(app, people_) -> dict[str, JsonClient]:
    """Everyone logged in, plus a second facilitator in the member's department."""
    make_user(app, "fiona", "facilitator", "IT")
    clients = {name: people_.client(name) for name in EVERYONE if name in people_.created}
    clients["second_facilitator"] = JsonClient(app.test_client()).login("fiona@example.com")
    return clients


def connect_all(app, crowd):
    sockets = {}
    for name, client in crowd.items():
        sock = socketio.test_client(app, flask_test_client=client.client)
        assert sock.is_connected(), name
        sock.get_received()
        sockets[name] = sock
    return sockets


def nudges_seen(sock) -> list[dict]:
    return [
        p["args"][0]
        for p in sock.get_received()
        if p["name"] == "activity" and p["args"][0]["type"] == "nudge.sent"
    ]


def nudge_target(kind: str, people_, crowd) -> tuple[dict, set[str]]:
    """The body that nudges `kind`, and who (besides the sender) must receive it."""
    if kind == "person":
        return {"to_user_id": people_.user("member").id}, {"member"}
    if kind == "task":
        task = crowd["member"].post("tasks", json={"title": "Cut the reel"}).get_json()
        crowd["other_member"].post(f"tasks/{task['id']}/claim")
        return {"task_id": task["id"]}, {"other_member"}
    # IT: Ivan (member) and Fiona (a facilitator, but not the sender)
    return {"department_id": people_.user("other_member").department_id}, {
        "other_member",
        "second_facilitator",
    }


@pytest.mark.parametrize("kind", ["person", "task", "department"])
def test_only_recipients_and_the_sender_receive_a_nudge_live(app, people_, crowd, kind):
    body, recipients = nudge_target(kind, people_, crowd)
    sockets = connect_all(app, crowd)
    response = crowd["facilitator"].post("nudges", json={"message": "You rock!", **body})
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()
    audience = recipients | {"facilitator"}
    for name, sock in sockets.items():
        seen = nudges_seen(sock)
        if name in audience:
            assert len(seen) == 1, name
            assert seen[0]["data"]["nudge"]["id"] == sent["id"]
            assert seen[0]["data"]["nudge"]["message"] == "You rock!"
            assert seen[0]["actor"]["display_name"] == "Sam"
        else:
            assert seen == [], name
        sock.disconnect()


@BOTH_DATABASES
@pytest.mark.parametrize("kind", ["person", "task", "department"])
def test_only_recipients_and_the_sender_find_a_nudge_in_the_event_log(people_, crowd, kind):
    body, recipients = nudge_target(kind, people_, crowd)
    crowd["member"].post("ideas", json={"body": "", "title": "A public idea"})
    crowd["facilitator"].post("nudges", json={"message": "Psst", **body})
    crowd["member"].post("ideas", json={"body": "", "title": "Another public idea"})
    audience = recipients | {"facilitator"}
    for name, client in crowd.items():
        page = client.get("events?after=0").get_json()
        types = [e["type"] for e in page["items"]]
        assert types.count("idea.created") == 2, name  # public events still reach everyone
        assert types.count("nudge.sent") == (1 if name in audience else 0), name
        seqs = [e["seq"] for e in page["items"]]
        assert seqs == sorted(seqs)


def test_the_event_carries_the_nudge_but_not_anyones_reading(people_, crowd):
    member_id = people_.user("member").id
    sent = crowd["facilitator"].post("nudges", json={"message": "Hi", "to_user_id": member_id})
    crowd["member"].post(f"nudges/{sent.get_json()['id']}/read")
    event = next(
        e
        for e in crowd["member"].get("events?after=0").get_json()["items"]
        if e["type"] == "nudge.sent"
    )
    data = event["data"]["nudge"]
    assert set(data) >= {
        "id",
        "message",
        "from",
        "to_user_id",
        "task_id",
        "department_id",
        "created_at",
        "read_at",
    }
    assert data["read_at"] is None
    assert data["to_user_id"] == member_id


def test_a_socket_without_a_session_is_refused(app):
    anonymous = socketio.test_client(app, flask_test_client=app.test_client())
    assert not anonymous.is_connected()
