"""Prompts and idea challenges over the JSON API: who may post them, and what a
challenge's time box must look like."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from board import clock

START = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def frozen():
    clock.set_clock(lambda: START)
    return START


def iso(dt: datetime) -> str:
    return dt.isoformat()


def challenge_body(**overrides) -> dict:
    body = {
        "kind": "challenge",
        "title": "What could we film at the trade fair?",
        "body": "Short clips, behind the scenes, anything.",
        "submissions_close_at": iso(START + timedelta(days=3)),
        "voting_close_at": iso(START + timedelta(days=5)),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def test_facilitator_posts_an_open_prompt(facilitator, member, frozen):
    response = facilitator.post(
        "prompts",
        json={
            "kind": "prompt",
            "title": "Which customer story should we tell next?",
            "body": "Any!",
        },
    )
    assert response.status_code == 201, response.get_json()
    prompt = response.get_json()
    assert prompt["kind"] == "prompt"
    assert prompt["phase"] == "collecting"
    assert prompt["hide_tallies"] is False
    assert prompt["submissions_close_at"] is None and prompt["voting_close_at"] is None
    assert prompt["votes_per_person"] is None
    assert set(prompt) >= {
        "id",
        "kind",
        "title",
        "body",
        "phase",
        "submissions_close_at",
        "voting_close_at",
        "hide_tallies",
        "votes_per_person",
        "created_at",
    }
    events = member.get("events?after=0").get_json()["items"]
    assert [e["type"] for e in events] == ["prompt.created"]
    assert events[0]["data"] == {"prompt": prompt}
    assert events[0]["actor"]["display_name"] == "Sam"


def test_a_challenge_hides_its_tallies_unless_told_otherwise(facilitator, frozen):
    hidden = facilitator.post("prompts", json=challenge_body()).get_json()
    assert hidden["hide_tallies"] is True
    assert hidden["phase"] == "collecting"
    assert hidden["submissions_close_at"] == iso(START + timedelta(days=3))
    shown = facilitator.post(
        "prompts", json=challenge_body(hide_tallies=False, votes_per_person=3)
    ).get_json()
    assert shown["hide_tallies"] is False
    assert shown["votes_per_person"] == 3


def test_challenge_times_keep_their_instant_whatever_the_offset(facilitator, frozen):
    local = (START + timedelta(days=2)).astimezone(timezone(timedelta(hours=2)))
    prompt = facilitator.post(
        "prompts", json=challenge_body(submissions_close_at=local.isoformat())
    ).get_json()
    assert datetime.fromisoformat(prompt["submissions_close_at"]) == START + timedelta(days=2)
    assert prompt["submissions_close_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("client_name", "status", "code"),
    [
        ("member", 403, "facilitator_only"),
        ("other_member", 403, "facilitator_only"),
        ("observer", 403, "read_only"),
        ("anonymous", 401, "not_logged_in"),
    ],
)
def test_only_the_facilitator_posts_prompts(people_, client_name, status, code, frozen):
    client = people_.client(client_name)
    for body in (challenge_body(), {"kind": "prompt", "title": "Q?", "body": ""}):
        response = client.post("prompts", json=body)
        if client_name == "anonymous":  # no session, so no CSRF token either: 400 or 401
            assert response.status_code in (400, 401)
            continue
        assert response.status_code == status
        assert response.get_json()["error"]["code"] == code
    assert people_.client("member").get("prompts").get_json() == []


BAD_CHALLENGES = [
    ({"submissions_close_at": ...}, "submissions_close_at"),
    ({"voting_close_at": ...}, "voting_close_at"),
    ({"submissions_close_at": None}, "submissions_close_at"),
    ({"voting_close_at": iso(START + timedelta(days=2))}, "voting_close_at"),  # before
    ({"voting_close_at": iso(START + timedelta(days=3))}, "voting_close_at"),  # same time
    ({"submissions_close_at": "next friday"}, "submissions_close_at"),
    ({"voting_close_at": "2026-13-45T99:00:00+00:00"}, "voting_close_at"),
    ({"submissions_close_at": "2030-05-01T12:00:00"}, "submissions_close_at"),  # no offset
    ({"submissions_close_at": 1767225600}, "submissions_close_at"),
    ({"submissions_close_at": iso(START - timedelta(hours=1))}, "submissions_close_at"),
    ({"voting_close_at": iso(START + timedelta(days=800))}, "voting_close_at"),
    ({"votes_per_person": 0}, "votes_per_person"),
    ({"votes_per_person": "three"}, "votes_per_person"),
    ({"hide_tallies": "yes"}, "hide_tallies"),
    ({"kind": "poll"}, "kind"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": ...}, "title"),
]


def test_a_bad_challenge_is_refused_with_a_clear_message(facilitator, subtests, frozen):
    for overrides, field in BAD_CHALLENGES:
        with subtests.test(field=field, overrides=repr(overrides)[:60]):
            response = facilitator.post("prompts", json=challenge_body(**overrides))
            assert response.status_code == 400
            error = response.get_json()["error"]
            assert error["code"] == "invalid_fields"
            assert field in error["fields"]
            assert error["fields"][field].endswith(".")
    assert facilitator.get("prompts").get_json() == []


def test_the_messages_say_what_is_wrong(facilitator, frozen):
    wrong_order = facilitator.post(
        "prompts", json=challenge_body(voting_close_at=iso(START + timedelta(days=1)))
    ).get_json()["error"]
    assert (
        wrong_order["fields"]["voting_close_at"] == "Voting must close after the submissions close."
    )
    missing = facilitator.post("prompts", json=challenge_body(voting_close_at=...)).get_json()[
        "error"
    ]
    assert "needs the time its voting closes" in missing["fields"]["voting_close_at"]
    garbled = facilitator.post(
        "prompts", json=challenge_body(submissions_close_at="soon")
    ).get_json()["error"]
    assert "ISO 8601" in garbled["fields"]["submissions_close_at"]


def test_the_messages_speak_german_when_asked(facilitator, frozen):
    response = facilitator.post(
        "prompts",
        json=challenge_body(voting_close_at=iso(START + timedelta(days=1))),
        headers={"Accept-Language": "de"},
    )
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert (
        error["fields"]["voting_close_at"]
        == "Die Abstimmung muss nach dem Ende der Einreichung enden."
    )


def test_a_plain_prompt_takes_no_time_box(facilitator, subtests, frozen):
    for field, value in {
        "submissions_close_at": iso(START + timedelta(days=1)),
        "voting_close_at": iso(START + timedelta(days=2)),
        "votes_per_person": 2,
        "hide_tallies": True,
    }.items():
        with subtests.test(field=field):
            response = facilitator.post(
                "prompts", json={"kind": "prompt", "title": "Q?", field: value}
            )
            assert response.status_code == 400
            assert field in response.get_json()["error"]["fields"]


def test_unknown_fields_are_refused(facilitator, frozen):
    response = facilitator.post("prompts", json=challenge_body(phase="closed"))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_field"


@pytest.mark.parametrize("client_name", ["member", "observer", "facilitator"])
def test_everyone_logged_in_reads_the_prompts_newest_first(
    people_, facilitator, client_name, frozen
):
    first = facilitator.post("prompts", json={"kind": "prompt", "title": "First"}).get_json()
    clock.set_clock(lambda: START + timedelta(minutes=1))
    second = facilitator.post(
        "prompts", json=challenge_body(submissions_close_at=iso(START + timedelta(days=1)))
    ).get_json()
    listing = people_.client(client_name).get("prompts")
    assert listing.status_code == 200
    assert [p["id"] for p in listing.get_json()] == [second["id"], first["id"]]
    one = people_.client(client_name).get(f"prompts/{first['id']}")
    assert one.get_json() == first


def test_reading_prompts_needs_a_login(anonymous):
    assert anonymous.get("prompts").status_code == 401


def test_a_missing_prompt_is_404(member):
    response = member.get("prompts/999")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "prompt_not_found"


def test_an_idea_for_a_missing_prompt_is_bad_input(member):
    response = member.post("ideas", json={"body": "", "title": "x", "prompt_id": 999})
    assert response.status_code == 400
