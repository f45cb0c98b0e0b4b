"""Someone joins the board or leaves it: `person.joined` and `person.left`, written with the
change and sent to every open page, so that the people page takes newcomers in and lets
go of those who left (static/js/people.js). Public as the people page is: everyone who sees
names reads the person; an observer in works-council mode reads their department only,
on the socket and in the log, as every other envelope (tests/test_privacy_works_council.py)."""

from __future__ import annotations

import json

import pytest

from board import webhooks
from models import Event
from tests.conftest import NEWCOMER_WAYS, PASSWORD, make_user, newcomer
from tests.realtime_helpers import activity, connect
from tests.test_webhooks import add
from tests.test_webhooks import receiver as receiver  # the fixture


def people_events(client, kind: str) -> list[dict]:
    answer = client.get("events?after=0&limit=1000")
    assert answer.status_code == 200, answer.get_json()
    return [e for e in answer.get_json()["items"] if e["type"] == kind]


@pytest.mark.parametrize("how", NEWCOMER_WAYS)
def test_a_newcomer_reaches_every_role_that_sees_names(
    app, member, facilitator, observer, anonymous, how
):
    sockets = [connect(app, client) for client in (member, facilitator, observer)]
    newcomer(app, anonymous, how, "Marketing", name="Nina Roth")
    for client, socket in zip((member, facilitator, observer), sockets, strict=True):
        [live] = [e for e in activity(socket) if e["type"] == "person.joined"]
        logged = people_events(client, "person.joined")[-1]  # after the fixture's people
        assert live == logged
        person = live["data"]["person"]
        assert person["display_name"] == "Nina Roth"
        assert person["handle"] == "nina"
        assert person["department"]["name"] == "Marketing"
        assert "email" not in person
        assert live["actor"] is None
        socket.disconnect()


def test_a_failed_registration_tells_nobody(app, member, anonymous):
    socket = connect(app, member)
    joined = len(people_events(member, "person.joined"))
    body = {"email": "mara@example.com", "password": "a-long-enough-secret"}
    body.update(display_name="Mara Again", department_id=member.user["department"]["id"])
    assert anonymous.post("auth/register", json=body).status_code == 409
    assert [e for e in activity(socket) if e["type"].startswith("person.")] == []
    assert len(people_events(member, "person.joined")) == joined


@pytest.mark.parametrize("how", ["removed", "erased"])
def test_someone_who_leaves_is_let_go_by_name_or_as_former_member(
    app, people_, member, anonymous, how
):
    make_user(app, "mia", "member", "Sales")
    mia_id = people_.client(None).login("mia@example.com").user["id"]
    socket = connect(app, member)
    command = {"removed": ["remove"], "erased": ["erase", "--yes"]}[how]
    result = app.test_cli_runner().invoke(args=["users", *command, "mia@example.com"])
    assert result.exit_code == 0, result.output
    [live] = [e for e in activity(socket) if e["type"] == "person.left"]
    assert live == people_events(member, "person.left")[0]
    person = live["data"]["person"]
    assert person["id"] == mia_id and person["department"]["name"] == "Sales"
    if how == "erased":
        assert person["display_name"] == "Former member" and person["handle"] is None
        # Nothing in the log names her any more, her arrival included.
        with app.extensions["board_db"].Session() as session:
            log = json.dumps([e.envelope for e in session.query(Event)])
        assert "Mia" not in log and "mia@" not in log
        return
    assert person["display_name"] == "Mia"
    # Removed is gone already: erasing her afterwards tells nobody again.
    again = app.test_cli_runner().invoke(args=["users", "erase", "mia@example.com", "--yes"])
    assert again.exit_code == 0, again.output
    assert len(people_events(member, "person.left")) == 1


def test_someone_who_erases_their_own_account_leaves(app, people_, member):
    make_user(app, "mia", "member", "Sales")
    mia = people_.client(None).login("mia@example.com")
    socket = connect(app, member)
    assert mia.delete("me", json={"password": PASSWORD}).status_code == 204
    [live] = [e for e in activity(socket) if e["type"] == "person.left"]
    assert live["data"]["person"]["id"] == mia.user["id"]
    assert live["actor"] is None  # her name must not come back with it
    assert "Mia" not in json.dumps(live)


def test_a_chat_channel_reads_who_joined_and_who_left(app, receiver, anonymous):
    add(app, receiver.url, fmt="slack", types=["person.joined", "person.left"])
    newcomer(app, anonymous, "cli", "Marketing", name="Nina Roth")
    result = app.test_cli_runner().invoke(args=["users", "remove", "nina@example.com"])
    assert result.exit_code == 0, result.output
    webhooks.deliver_due(app)
    assert [b["text"] for b in receiver.bodies()] == [
        "Nina Roth joined the board http://127.0.0.1:5000/people",
        "Nina Roth left the board http://127.0.0.1:5000/people",
    ]
