"""A board that lost its connection asks /api/v1/events for what it missed, and gets
exactly what the boards that stayed connected received, in order."""

from __future__ import annotations

from tests.conftest import BOTH_DATABASES
from tests.realtime_helpers import activity, connect


@BOTH_DATABASES
def test_a_reconnecting_board_catches_up_with_exactly_what_it_missed(
    app, member, other_member, observer
):
    sleeper, stayer = connect(app, member), connect(app, observer)
    idea = member.post("ideas", json={"title": "Before the nap", "body": ""}).get_json()
    seen = activity(sleeper)
    last_seq = seen[-1]["seq"]
    activity(stayer)

    sleeper.disconnect()
    other_member.put(f"ideas/{idea['id']}/vote")
    task = other_member.post("tasks", json={"title": "Shoot it", "idea_id": idea["id"]})
    other_member.post(f"tasks/{task.get_json()['id']}/claim")
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "On it"})
    sleeper.connect()

    missed = member.get(f"events?after={last_seq}").get_json()
    live = activity(stayer)
    assert [e["type"] for e in live] == [
        "idea.votes_changed",
        "task.created",
        "task.claimed",
        "comment.created",
    ]
    assert missed["items"] == live
    assert missed["last_seq"] == live[-1]["seq"]
    assert activity(sleeper) == []  # nothing arrived while it was away

    member.post("ideas", json={"title": "Back", "body": ""})
    after_reconnect = activity(sleeper)
    assert len(after_reconnect) == 1 and after_reconnect[0]["seq"] > live[-1]["seq"]


def test_catching_up_in_pages_returns_each_envelope_once(app, member, other_member):
    socket = connect(app, other_member)
    for i in range(5):
        member.post("ideas", json={"title": f"Idea {i}", "body": ""})
    live = activity(socket)

    pages, after = [], 0
    while True:
        page = member.get(f"events?after={after}&limit=2").get_json()
        if not page["items"]:
            break
        pages.extend(page["items"])
        after = page["last_seq"]
    assert pages == live
