"""Channels, publishing day and "help wanted" on tasks: who may set them, and when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from board import clock, events
from models import Task
from tests.conftest import BOTH_DATABASES

# The days these tests plan lie in May 2026: the board's clock stands just before them
# (a publishing day far in the past is refused).
MAY_FIRST = datetime(2026, 5, 1, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def may_2026():
    clock.set_clock(lambda: MAY_FIRST)


@pytest.fixture
def heard(app):
    seen: list[dict] = []

    def publisher(envelope, rooms):
        seen.append(envelope)

    events.add_publisher(publisher)
    yield seen
    events.remove_publisher(publisher)


def new_task(client, **extra) -> dict:
    response = client.post("tasks", json={"title": "Reel about the trail cleanup", **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@BOTH_DATABASES
def test_channels_and_day_are_set_at_creation(member):
    task = new_task(member, channels=["tiktok", "Instagram"], publish_on="2026-05-04")
    assert task["channels"] == ["instagram", "tiktok"]  # BOARD_CHANNELS order, lowercase
    assert task["publish_on"] == "2026-05-04"
    assert task["help_wanted"] is False
    again = member.get(f"tasks/{task['id']}").get_json()
    assert again["channels"] == ["instagram", "tiktok"] and again["publish_on"] == "2026-05-04"


def test_a_task_without_a_plan_has_empty_channels_and_no_day(member):
    task = new_task(member)
    assert task["channels"] == [] and task["publish_on"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"channels": ["myspace"]}, "channels"),
        ({"channels": "instagram"}, "channels"),
        ({"publish_on": "2026-13-01"}, "publish_on"),
        ({"publish_on": "2026-05-04T10:00:00+02:00"}, "publish_on"),
        ({"publish_on": "04.05.2026"}, "publish_on"),
        ({"publish_on": 20260504}, "publish_on"),
    ],
)
def test_bad_channels_or_days_are_refused_by_field(member, body, field):
    response = member.post("tasks", json={"title": "A post", **body})
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert member.get("tasks").get_json()["items"] == []  # nothing was created


def test_the_unknown_channel_is_named(member):
    response = member.post("tasks", json={"title": "A post", "channels": ["blog", "myspace"]})
    assert "myspace" in response.get_json()["error"]["fields"]["channels"]


def test_channels_come_from_the_setting(app, member):
    from dataclasses import replace

    app.extensions["board_settings"] = replace(
        app.extensions["board_settings"], channels=("mastodon", "blog")
    )
    assert new_task(member, channels=["mastodon"])["channels"] == ["mastodon"]
    assert member.post("tasks", json={"title": "x", "channels": ["instagram"]}).status_code == 400


@BOTH_DATABASES
def test_the_claimant_changes_the_plan_and_the_board_hears_it(member, other_member, heard):
    task = new_task(other_member, channels=["blog"])
    member.post(f"tasks/{task['id']}/claim")
    response = member.patch(
        f"tasks/{task['id']}", json={"channels": ["linkedin"], "publish_on": "2026-06-01"}
    )
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["channels"] == ["linkedin"] and changed["publish_on"] == "2026-06-01"
    updated = [e for e in heard if e["type"] == "task.updated"]
    assert len(updated) == 1
    assert updated[0]["data"] == {"task": changed}
    assert updated[0]["actor"]["id"] == member.user["id"]
    # The same envelope is in the log for clients that reconnect.
    log = member.get("events?after=0").get_json()["items"]
    assert [e["type"] for e in log].count("task.updated") == 1
    # Clearing the day is allowed too.
    cleared = member.patch(f"tasks/{task['id']}", json={"publish_on": None}).get_json()
    assert cleared["publish_on"] is None and cleared["channels"] == ["linkedin"]


def test_an_unchanged_plan_tells_nobody(member, heard):
    task = new_task(member, channels=["blog"])
    member.post(f"tasks/{task['id']}/claim")
    heard.clear()
    assert member.patch(f"tasks/{task['id']}", json={"channels": ["blog"]}).status_code == 200
    assert heard == []


@pytest.mark.parametrize("who", ["other_member", "facilitator", "observer"])
def test_nobody_but_the_claimant_changes_the_plan(people_, who):
    member = people_.client("member")
    task = new_task(member, channels=["blog"], publish_on="2026-05-04")
    member.post(f"tasks/{task['id']}/claim")
    someone = people_.client(who)
    response = someone.patch(f"tasks/{task['id']}", json={"publish_on": "2026-01-01"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == (
        "read_only" if who == "observer" else "not_claimant"
    )
    after = member.get(f"tasks/{task['id']}").get_json()
    assert after["publish_on"] == "2026-05-04" and after["channels"] == ["blog"]


@pytest.mark.parametrize("who", ["member", "facilitator"])
def test_an_open_task_plan_is_changed_only_by_claiming_it(people_, who):
    creator = people_.client("member")
    task = new_task(creator, publish_on="2026-05-04")
    client = people_.client(who)
    response = client.patch(f"tasks/{task['id']}", json={"publish_on": "2026-05-05"})
    assert response.status_code == 403
    assert creator.get(f"tasks/{task['id']}").get_json()["publish_on"] == "2026-05-04"


def test_a_plan_cannot_name_a_claimant(member):
    task = new_task(member)
    member.post(f"tasks/{task['id']}/claim")
    response = member.patch(f"tasks/{task['id']}", json={"claimed_by_id": 2})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_field"
    response = member.patch(f"tasks/{task['id']}", json={"title": "new"})
    assert response.get_json()["error"]["code"] == "unknown_field"


def test_help_wanted_is_the_claimants_call_and_ends_with_the_claim(member, other_member):
    task = new_task(member)
    assert member.patch(f"tasks/{task['id']}", json={"help_wanted": True}).status_code == 403
    member.post(f"tasks/{task['id']}/claim")
    assert other_member.patch(f"tasks/{task['id']}", json={"help_wanted": True}).status_code == 403
    asked = member.patch(f"tasks/{task['id']}", json={"help_wanted": True}).get_json()
    assert asked["help_wanted"] is True
    assert other_member.get(f"tasks/{task['id']}").get_json()["help_wanted"] is True
    released = member.post(f"tasks/{task['id']}/release").get_json()
    assert released["help_wanted"] is False


def test_a_done_task_cannot_ask_for_help_but_its_day_can_move(member):
    task = new_task(member, publish_on="2026-05-04")
    member.post(f"tasks/{task['id']}/claim")
    member.post(f"tasks/{task['id']}/complete")
    response = member.patch(f"tasks/{task['id']}", json={"help_wanted": True})
    assert response.status_code == 409
    moved = member.patch(f"tasks/{task['id']}", json={"publish_on": "2026-05-06"})
    assert moved.status_code == 200 and moved.get_json()["publish_on"] == "2026-05-06"


# ---- a publishing day the team can reach ---------------------------------------------------

# With the clock at 2026-05-01 09:00 UTC: 30 days back from the date at UTC-12 (April 30),
# two years ahead of the date at UTC+14 (May 1).
FIRST_DAY, LAST_DAY = "2026-03-31", "2028-05-01"
FAR_OFF = ["0001-01-01", "1900-01-01", "2025-05-01", "2026-03-30", "2028-05-02", "9999-12-31"]


def refused_field(response, field: str) -> str:
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    return error["fields"][field]


@BOTH_DATABASES
@pytest.mark.parametrize("day", FAR_OFF)
def test_a_task_cannot_be_created_with_a_day_far_off(member, heard, day):
    response = member.post("tasks", json={"title": "Reel", "publish_on": day})
    assert "Mar 31, 2026" in refused_field(response, "publish_on")
    assert member.get("tasks").get_json()["items"] == []
    assert heard == []


@BOTH_DATABASES
@pytest.mark.parametrize("day", FAR_OFF)
def test_the_claimant_cannot_move_the_day_far_off(member, heard, day):
    task = new_task(member, publish_on="2026-05-04")
    member.post(f"tasks/{task['id']}/claim")
    heard.clear()
    response = member.patch(f"tasks/{task['id']}", json={"publish_on": day, "help_wanted": True})
    assert "May 1, 2028" in refused_field(response, "publish_on")
    after = member.get(f"tasks/{task['id']}").get_json()
    assert (after["publish_on"], after["help_wanted"]) == ("2026-05-04", False)
    assert heard == []


@pytest.mark.parametrize("day", [FIRST_DAY, "2026-05-01", LAST_DAY])
def test_a_day_a_little_back_or_up_to_two_years_ahead_is_taken(member, day):
    task = new_task(member, publish_on=day)
    assert task["publish_on"] == day
    member.post(f"tasks/{task['id']}/claim")
    cleared = member.patch(f"tasks/{task['id']}", json={"publish_on": None})
    assert cleared.status_code == 200
    again = member.patch(f"tasks/{task['id']}", json={"publish_on": day})
    assert again.status_code == 200 and again.get_json()["publish_on"] == day


def test_the_bounds_move_with_the_clock(member):
    clock.set_clock(lambda: MAY_FIRST + timedelta(days=365))
    response = member.post("tasks", json={"title": "Reel", "publish_on": "2026-05-04"})
    refused_field(response, "publish_on")
    assert new_task(member, publish_on="2027-05-04")["publish_on"] == "2027-05-04"


def test_the_refusal_speaks_german(member):
    member.patch("me", json={"language": "de"})
    response = member.post("tasks", json={"title": "Reel", "publish_on": "1900-01-01"})
    assert refused_field(response, "publish_on") == (
        "Wähle einen Tag vom 31.03.2026 bis zum 01.05.2028."
    )


@BOTH_DATABASES
def test_a_day_stored_before_the_bounds_stays_editable(app, db, member):
    """A plan saved before days had bounds keeps working: the claimant changes its channels
    or help and saves the page's plan form with the old day in it; only a new day is checked."""
    task = new_task(member, channels=["blog"])
    member.post(f"tasks/{task['id']}/claim")
    db.execute(update(Task).where(Task.id == task["id"]).values(publish_on=date(1900, 1, 1)))
    db.commit()
    changed = member.patch(f"tasks/{task['id']}", json={"channels": ["x"], "help_wanted": True})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["publish_on"] == "1900-01-01"
    same = member.patch(f"tasks/{task['id']}", json={"publish_on": "1900-01-01"})
    assert same.status_code == 200
    form = {"channels": ["linkedin"], "publish_on": "1900-01-01", "help_wanted": "1"}
    saved = post_form(member, f"/tasks/{task['id']}/plan", form)
    assert saved.status_code == 302
    after = member.get(f"tasks/{task['id']}").get_json()
    assert (after["channels"], after["publish_on"]) == (["linkedin"], "1900-01-01")
    moved = member.patch(f"tasks/{task['id']}", json={"publish_on": "2026-05-08"})
    assert moved.get_json()["publish_on"] == "2026-05-08"
    back = member.patch(f"tasks/{task['id']}", json={"publish_on": "1900-01-01"})
    refused_field(back, "publish_on")


def post_form(client, path: str, data: dict):
    return client.client.post(path, data=data, headers={"X-CSRF-Token": client.csrf_token})


def field_error(page: str, form: str, field: str) -> str:
    marker = f'id="{form}-{field}-error">'
    assert marker in page, page
    return page.split(marker, 1)[1].split("<", 1)[0]


def test_the_new_task_form_names_the_day(member):
    response = post_form(
        member, "/tasks", {"title": "Reel", "publish_on": "1900-01-01", "next": "/"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_error(page, "task", "publish_on") == (
        "Choose a day from Mar 31, 2026 to May 1, 2028."
    )
    assert 'value="1900-01-01"' in page  # as typed, to correct
    assert member.get("tasks").get_json()["items"] == []


def test_the_plan_form_names_the_day(member):
    task = new_task(member, publish_on="2026-05-04")
    member.post(f"tasks/{task['id']}/claim")
    response = post_form(
        member,
        f"/tasks/{task['id']}/plan",
        {"publish_on": "9999-12-31", "next": f"/tasks/{task['id']}"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "May 1, 2028" in field_error(page, "plan", "publish_on")
    assert member.get(f"tasks/{task['id']}").get_json()["publish_on"] == "2026-05-04"
