"""Mentor notes: comments the facilitator marks as mentoring, shown distinctly; nobody else
may write one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture
def idea(member) -> dict:
    return member.post("ideas", json={"body": "", "title": "Apprentice takeover"}).get_json()


def test_the_facilitator_writes_a_mentor_note(facilitator, member, observer, idea):
    response = facilitator.post(
        f"ideas/{idea['id']}/comments",
        json={"body": "Try a **three-part** story: hook, process, payoff.", "mentor_note": True},
    )
    assert response.status_code == 201, response.get_json()
    note = response.get_json()
    assert note["is_mentor_note"] is True
    assert "<strong>three-part</strong>" in note["body_html"]
    for client in (member, observer):
        [listed] = client.get(f"ideas/{idea['id']}/comments").get_json()
        assert listed["is_mentor_note"] is True
    [event] = [
        e
        for e in member.get("events?after=0").get_json()["items"]
        if e["type"] == "comment.created"
    ]
    assert event["data"]["comment"]["is_mentor_note"] is True


def test_a_plain_comment_by_the_facilitator_is_not_a_mentor_note(facilitator, idea):
    for body in ({"body": "Nice one"}, {"body": "Nice one", "mentor_note": False}):
        response = facilitator.post(f"ideas/{idea['id']}/comments", json=body)
        assert response.status_code == 201
        assert response.get_json()["is_mentor_note"] is False


@pytest.mark.parametrize(
    ("client_name", "code"),
    [
        ("member", "facilitator_only"),
        ("other_member", "facilitator_only"),
        ("observer", "read_only"),
    ],
)
def test_only_the_facilitator_writes_mentor_notes(people_, idea, client_name, code):
    client = people_.client(client_name)
    response = client.post(
        f"ideas/{idea['id']}/comments", json={"body": "Let me mentor you", "mentor_note": True}
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == code
    assert client.get(f"ideas/{idea['id']}/comments").get_json() == []


def test_members_still_comment_plainly(member, idea):
    response = member.post(
        f"ideas/{idea['id']}/comments", json={"body": "I can help", "mentor_note": False}
    )
    assert response.status_code == 201
    assert response.get_json()["is_mentor_note"] is False


def test_mentor_note_must_be_true_or_false(facilitator, idea):
    response = facilitator.post(
        f"ideas/{idea['id']}/comments", json={"body": "x", "mentor_note": "yes"}
    )
    assert response.status_code == 400
    assert "mentor_note" in response.get_json()["error"]["fields"]


def challenge_with_idea(facilitator, member) -> tuple[dict, dict]:
    now = datetime.now(UTC)
    challenge = facilitator.post(
        "prompts",
        json={
            "kind": "challenge",
            "title": "Reels",
            "body": "",
            "submissions_close_at": (now + timedelta(days=1)).isoformat(),
            "voting_close_at": (now + timedelta(days=2)).isoformat(),
        },
    ).get_json()
    idea = member.post(
        "ideas", json={"body": "", "title": "Booth tour", "prompt_id": challenge["id"]}
    ).get_json()
    return challenge, idea


def test_mentor_notes_stand_out_on_the_challenge_page(facilitator, member):
    challenge, idea = challenge_with_idea(facilitator, member)
    facilitator.post(
        f"ideas/{idea['id']}/comments", json={"body": "Shoot vertical!", "mentor_note": True}
    )
    member.post(f"ideas/{idea['id']}/comments", json={"body": "Plain remark"})
    html = member.get(f"/prompts/{challenge['id']}").get_data(as_text=True)
    assert html.count('class="mentor-note"') == 1
    assert "Mentor note" in html and "Shoot vertical!" in html
    assert "Plain remark" not in html  # plain comments live on the idea's own page
    german = member.get(f"/prompts/{challenge['id']}", headers={"Accept-Language": "de"}).get_data(
        as_text=True
    )
    assert "Mentoren-Hinweis" in german


def test_the_facilitator_adds_a_mentor_note_from_the_challenge_page(facilitator, member):
    challenge, idea = challenge_with_idea(facilitator, member)
    page = facilitator.get(f"/prompts/{challenge['id']}").get_data(as_text=True)
    assert "Add a mentor note" in page
    assert "Add a mentor note" not in member.get(f"/prompts/{challenge['id']}").get_data(
        as_text=True
    )
    response = facilitator.post(
        f"/prompts/{challenge['id']}/ideas/{idea['id']}/notes",
        data={"body": "Think about subtitles."},
    )
    assert response.status_code == 302
    [note] = member.get(f"ideas/{idea['id']}/comments").get_json()
    assert note["is_mentor_note"] is True and note["body"] == "Think about subtitles."


@pytest.mark.parametrize("client_name", ["member", "observer"])
def test_nobody_else_adds_a_mentor_note_from_the_page(people_, facilitator, member, client_name):
    challenge, idea = challenge_with_idea(facilitator, member)
    client = people_.client(client_name)
    response = client.post(
        f"/prompts/{challenge['id']}/ideas/{idea['id']}/notes", data={"body": "Me too"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "Only the facilitator may do this." in page
        or "Observers watch the board and cannot change it." in page
    )
    assert member.get(f"ideas/{idea['id']}/comments").get_json() == []
