"""The date and time inputs of the page forms carry the server's bounds as min/max (so a
date picker offers only what the server takes), and the server still decides: a value
outside comes back with the field's error beside it and what was typed kept."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from board import clock
from tests.test_publications import post_publication_form

# An evening in UTC that is already the next morning at UTC+14 (Kiribati): the bounds
# that count "today" generously show it.
NOW = datetime(2026, 5, 4, 18, 30, 20, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    clock.set_clock(lambda: NOW)


def input_tag(page: str, name: str, index: int = 0) -> str:
    return re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)[index]


def bounds(tag: str) -> tuple[str, str]:
    found = re.search(r'min="([^"]*)"', tag), re.search(r'max="([^"]*)"', tag)
    assert all(found), tag
    return found[0].group(1), found[1].group(1)


def day_after(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def field_error(page: str, form: str, name: str) -> str:
    marker = f'id="{form}-{name}-error">'
    assert marker in page, f"no error beside {name}"
    return page.split(marker, 1)[1].split("<", 1)[0]


# ---- a task's publishing day -------------------------------------------------------------


def post_task_form(client, day: str):
    return client.client.post(
        "/tasks",
        data={"title": "Trail reel", "channels": ["instagram"], "publish_on": day, "next": "/"},
        headers={"X-CSRF-Token": client.csrf_token},
    )


def test_the_new_task_forms_publishing_day_carries_the_servers_bounds(member):
    """30 days back, counted from the date at UTC-12, to two years ahead of the date at
    UTC+14; the board's form and the idea page's form alike."""
    board = member.get("/").get_data(as_text=True)
    assert bounds(input_tag(board, "publish_on")) == ("2026-04-04", "2028-05-05")
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    page = member.get(f"/ideas/{idea['id']}").get_data(as_text=True)
    assert bounds(input_tag(page, "publish_on")) == ("2026-04-04", "2028-05-05")


def test_the_bounds_are_exactly_what_the_server_takes(member):
    first, last = bounds(input_tag(member.get("/").get_data(as_text=True), "publish_on"))
    for day in (first, last):
        assert post_task_form(member, day).status_code == 302, day
    for day in (day_after(first, -1), day_after(last, 1)):
        response = post_task_form(member, day)
        assert response.status_code == 400, day
        page = response.get_data(as_text=True)
        assert "Choose a day from" in field_error(page, "task", "publish_on")
        tag = input_tag(page, "publish_on")
        assert f'value="{day}"' in tag  # as typed, to correct
        assert 'aria-invalid="true"' in tag and bounds(tag) == (first, last)
    days = sorted(t["publish_on"] for t in member.get("tasks").get_json()["items"])
    assert days == [first, last]


def test_the_plan_form_keeps_a_day_stored_before_the_bounds_allowed(member):
    """A day planned long ago lies before today's first day: the plan form still takes it,
    or the browser would refuse to send a mere change of channels."""
    task = member.post("tasks", json={"title": "Reel", "publish_on": "2026-05-10"}).get_json()
    member.post(f"tasks/{task['id']}/claim")
    page = member.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert bounds(input_tag(page, "publish_on")) == ("2026-04-04", "2028-05-05")
    later = NOW + timedelta(days=90)
    clock.set_clock(lambda: later)
    page = member.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert bounds(input_tag(page, "publish_on")) == ("2026-05-10", "2028-08-03")
    response = member.client.post(
        f"/tasks/{task['id']}/plan",
        data={"channels": ["blog"], "publish_on": "2026-05-10", "next": f"/tasks/{task['id']}"},
        headers={"X-CSRF-Token": member.csrf_token},
    )
    assert response.status_code == 302
    assert member.get(f"tasks/{task['id']}").get_json()["channels"] == ["blog"]


# ---- a publication's day -----------------------------------------------------------------


def test_the_publication_day_carries_the_servers_bounds(member):
    """A year back, up to the day it already is somewhere (UTC+14): May 5 at 18:30 UTC."""
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    page = member.get(f"/ideas/{idea['id']}").get_data(as_text=True)
    first, last = bounds(input_tag(page, "published_on"))
    assert (first, last) == ("2025-05-03", "2026-05-05")
    for day in (first, last):
        assert post_publication_form(member, idea["id"], day).status_code == 302, day
    for day, words in (
        (day_after(first, -1), "at most a year back"),
        (day_after(last, 1), "cannot lie in the future"),
    ):
        response = post_publication_form(member, idea["id"], day)
        assert response.status_code == 400, day
        page = response.get_data(as_text=True)
        assert words in field_error(page, "publication", "published_on")
        tag = input_tag(page, "published_on")
        assert f'value="{day}"' in tag and bounds(tag) == (first, last)
    assert len(member.get(f"ideas/{idea['id']}").get_json()["publications"]) == 2


# ---- a challenge's close times -------------------------------------------------------------


def post_challenge_form(client, submissions: str, voting: str):
    return client.post(
        "/prompts",
        data={
            "kind": "challenge",
            "title": "Trade fair clips",
            "submissions_close_at": submissions,
            "voting_close_at": voting,
        },
    )


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_the_close_times_carry_the_servers_bounds_in_the_persons_zone(facilitator, zone):
    """Submissions close from the next minute on, voting a minute after that, at most a
    year (366 days) from now: written in the zone the form reads times in."""
    facilitator.patch("me", json={"timezone": zone})
    page = facilitator.get("/prompts").get_data(as_text=True)
    local = ZoneInfo(zone)

    def minute(moment: datetime) -> str:
        return moment.astimezone(local).strftime("%Y-%m-%dT%H:%M")

    next_minute = NOW.replace(second=0) + timedelta(minutes=1)
    year = NOW.replace(second=0) + timedelta(days=366)
    submissions = input_tag(page, "submissions_close_at")
    voting = input_tag(page, "voting_close_at")
    assert bounds(submissions) == (minute(next_minute), minute(year - timedelta(minutes=1)))
    assert bounds(voting) == (minute(next_minute + timedelta(minutes=1)), minute(year))
    assert "data-min-at" not in submissions  # the zone is known: nothing for the browser


def test_close_times_at_the_bounds_are_taken_and_beyond_refused_beside_the_field(facilitator):
    facilitator.patch("me", json={"timezone": "Europe/Berlin"})
    page = facilitator.get("/prompts").get_data(as_text=True)
    sub_first, sub_last = bounds(input_tag(page, "submissions_close_at"))
    vote_first, vote_last = bounds(input_tag(page, "voting_close_at"))
    assert post_challenge_form(facilitator, sub_first, vote_first).status_code == 302
    assert post_challenge_form(facilitator, sub_last, vote_last).status_code == 302
    beyond = (datetime.fromisoformat(vote_last) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_challenge_form(facilitator, sub_first, beyond)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "at most a year" in field_error(page, "prompt", "voting_close_at")
    tag = input_tag(page, "voting_close_at")
    assert f'value="{beyond}"' in tag and 'aria-invalid="true"' in tag
    assert bounds(tag) == (vote_first, vote_last)
    assert len(facilitator.get("prompts").get_json()) == 2


def test_without_a_stored_zone_the_browser_gets_the_bounds_as_instants(app, facilitator):
    """Someone whose zone is not stored yet types times in the browser's zone (tz_offset):
    the page carries the bounds as instants too, for prompts.js to write them in it."""
    page = facilitator.get("/prompts").get_data(as_text=True)
    tag = input_tag(page, "submissions_close_at")
    first = NOW.replace(second=0) + timedelta(minutes=1)
    assert f'data-min-at="{first.isoformat()}"' in tag
    board_zone = ZoneInfo(str(app.extensions["board_settings"].timezone))
    assert bounds(tag)[0] == first.astimezone(board_zone).strftime("%Y-%m-%dT%H:%M")


def test_the_boards_kept_frame_offers_todays_days(member):
    """The board keeps its frame (board/web/frames.py): the new-task form's bounds are
    today's, not those of the day the frame was first made."""
    board = member.get("/").get_data(as_text=True)
    assert bounds(input_tag(board, "publish_on")) == ("2026-04-04", "2028-05-05")
    later = NOW + timedelta(days=3)
    clock.set_clock(lambda: later)
    board = member.get("/").get_data(as_text=True)
    assert bounds(input_tag(board, "publish_on")) == ("2026-04-07", "2028-05-08")
