"""Claim leases: an untouched claim returns to open by the rule, once, with a warning
two days before and a one-click "keep it". Time moves by board.clock, never by sleeping."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from board import clock, events
from board.leases import check_leases
from board.scheduler import run_once
from board.settings import Settings, SettingsError
from tests.conftest import BOTH_DATABASES

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def lease_app(app):
    app.extensions["board_settings"] = replace(app.extensions["board_settings"], claim_lease_days=7)
    return app


@pytest.fixture
def at():
    """Move the board's clock: at(days=3) is three days after START."""

    def move(**delta):
        moment = START + timedelta(**delta)
        clock.set_clock(lambda: moment)
        return moment

    move()
    return move


@pytest.fixture
def heard(app):
    seen: list[dict] = []

    def publisher(envelope, rooms):
        seen.append(envelope)

    events.add_publisher(publisher)
    yield seen
    events.remove_publisher(publisher)


def claimed_task(member) -> dict:
    task = member.post("tasks", json={"title": "Write the caption"}).get_json()
    return member.post(f"tasks/{task['id']}/claim").get_json()


def tick(app):
    return run_once(app)


@BOTH_DATABASES
def test_an_untouched_claim_returns_to_open_after_n_days(lease_app, member, at, heard):
    task = claimed_task(member)
    assert task["lease_expires_at"] == (START + timedelta(days=7)).isoformat()
    at(days=6, hours=23)
    tick(lease_app)
    assert member.get(f"tasks/{task['id']}").get_json()["status"] == "claimed"
    at(days=7)
    released = [e for e in tick(lease_app) if e["type"] == "task.released"]
    assert len(released) == 1
    assert released[0]["actor"] is None
    assert released[0]["data"]["reason"] == "lease_expired"
    after = member.get(f"tasks/{task['id']}").get_json()
    assert after["status"] == "open" and after["claimed_by"] is None
    assert [e["type"] for e in heard].count("task.released") == 1
    # Only once, however often the schedule runs.
    at(days=8)
    assert [e for e in tick(lease_app) if e["type"] == "task.released"] == []


def test_two_processes_release_it_once(lease_app, member, at):
    task = claimed_task(member)
    at(days=8)
    sessions = [lease_app.extensions["board_db"].Session() for _ in range(2)]
    try:
        first = check_leases(sessions[0], clock.now(), 7)
        second = check_leases(sessions[1], clock.now(), 7)
    finally:
        for session in sessions:
            session.close()
    assert len([e for e in first + second if e["type"] == "task.released"]) == 1
    assert member.get(f"tasks/{task['id']}").get_json()["status"] == "open"


def test_the_claimant_is_warned_two_days_before_once(lease_app, member, other_member, at):
    task = claimed_task(member)
    at(days=4, hours=23)
    tick(lease_app)
    assert member.get(f"tasks/{task['id']}").get_json()["lease_warning"] is False
    at(days=5)
    warned = [e for e in tick(lease_app) if e["data"].get("reason") == "claim_expiring"]
    assert len(warned) == 1 and warned[0]["actor"] is None
    assert member.get(f"tasks/{task['id']}").get_json()["lease_warning"] is True
    at(days=6)
    assert [e for e in tick(lease_app) if e["data"].get("reason") == "claim_expiring"] == []
    page = member.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "Keep it" in page and "Still on it?" in page
    assert "Keep it" not in other_member.get(f"/tasks/{task['id']}").get_data(as_text=True)


def test_keep_it_starts_the_lease_again(lease_app, member, at):
    task = claimed_task(member)
    at(days=5)
    tick(lease_app)
    at(days=6)
    renewed = member.post(f"tasks/{task['id']}/renew")
    assert renewed.status_code == 200
    assert renewed.get_json()["lease_warning"] is False
    assert renewed.get_json()["lease_expires_at"] == (START + timedelta(days=13)).isoformat()
    at(days=8)
    tick(lease_app)
    assert member.get(f"tasks/{task['id']}").get_json()["status"] == "claimed"
    at(days=13)
    tick(lease_app)
    assert member.get(f"tasks/{task['id']}").get_json()["status"] == "open"


def test_changing_the_plan_touches_the_claim(lease_app, member, at):
    task = claimed_task(member)
    at(days=6)
    member.patch(f"tasks/{task['id']}", json={"publish_on": "2026-05-20"})
    at(days=8)
    tick(lease_app)
    assert member.get(f"tasks/{task['id']}").get_json()["status"] == "claimed"


@pytest.mark.parametrize("who", ["other_member", "facilitator", "observer"])
def test_nobody_else_renews_or_releases_a_claim(people_, lease_app, at, who):
    member = people_.client("member")
    task = claimed_task(member)
    someone = people_.client(who)
    for action in ("renew", "release"):
        response = someone.post(f"tasks/{task['id']}/{action}")
        assert response.status_code == 403
    at(days=6)
    tick(lease_app)  # the facilitator's attempt did not renew it either
    at(days=7)
    tick(lease_app)
    assert member.get(f"tasks/{task['id']}").get_json()["status"] == "open"


def test_leases_are_off_by_default(app, member, at):
    task = claimed_task(member)
    assert task["lease_expires_at"] is None
    at(days=365)
    tick(app)
    assert member.get(f"tasks/{task['id']}").get_json()["status"] == "claimed"


def test_the_feed_says_the_rule_released_it(lease_app, member, observer, at):
    task = claimed_task(member)
    at(days=7)
    tick(lease_app)
    page = observer.get("/feed").get_data(as_text=True)
    assert "is open again: its claim lease ran out" in page
    assert task["title"] in page


@pytest.mark.parametrize("raw, days", [("", 0), ("0", 0), ("3", 3), ("14", 14)])
def test_the_setting(tmp_path, raw, days):
    settings = Settings.from_env(
        {"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_CLAIM_LEASE_DAYS": raw}
    )
    assert settings.claim_lease_days == days


@pytest.mark.parametrize("raw", ["1", "2", "-1", "week"])
def test_a_lease_shorter_than_its_warning_is_refused(tmp_path, raw):
    with pytest.raises(SettingsError):
        Settings.from_env({"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_CLAIM_LEASE_DAYS": raw})


def test_the_warning_reaches_the_claimants_inbox(lease_app, member, other_member, at):
    task = claimed_task(member)
    at(days=5)
    tick(lease_app)
    inbox = member.get("notifications").get_json()["items"]
    assert [(n["kind"], n["task_id"]) for n in inbox] == [("claim_expiring", task["id"])]
    assert other_member.get("notifications").get_json()["items"] == []
