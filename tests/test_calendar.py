"""The publishing calendar: range filters, the page, and the private iCalendar feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from board import clock
from tests.conftest import BOTH_DATABASES, NEWCOMER_WAYS, newcomer

# The days these tests plan lie in May 2026: the board's clock stands just before them
# (a publishing day far in the past is refused).
MAY_FIRST = datetime(2026, 5, 1, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def may_2026():
    clock.set_clock(lambda: MAY_FIRST)


def planned(client, title, day, channels=("instagram",), **extra):
    response = client.post(
        "tasks", json={"title": title, "publish_on": day, "channels": list(channels), **extra}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@BOTH_DATABASES
def test_the_range_includes_both_ends_and_nothing_else(member):
    for title, day in [
        ("before", "2026-04-30"),
        ("first", "2026-05-01"),
        ("middle", "2026-05-15"),
        ("last", "2026-05-31"),
        ("after", "2026-06-01"),
    ]:
        planned(member, title, day)
    member.post("tasks", json={"title": "no day"})
    items = member.get("calendar?from=2026-05-01&to=2026-05-31").get_json()["items"]
    assert [t["title"] for t in items] == ["first", "middle", "last"]
    assert [t["publish_on"] for t in items] == ["2026-05-01", "2026-05-15", "2026-05-31"]


def test_filters_by_channel_and_department(people_, member, other_member):
    planned(member, "marketing reel", "2026-05-04", ["instagram"])
    planned(other_member, "it blog", "2026-05-05", ["blog", "linkedin"])
    base = "calendar?from=2026-05-01&to=2026-05-31"
    linked = member.get(base + "&channel=linkedin").get_json()["items"]
    assert [t["title"] for t in linked] == ["it blog"]
    marketing = people_.user("member").department_id
    by_dept = member.get(base + f"&department={marketing}").get_json()["items"]
    assert [t["title"] for t in by_dept] == ["marketing reel"]


def test_a_claimed_task_counts_for_its_claimants_department(people_, member, other_member):
    task = planned(member, "reel", "2026-05-04")
    other_member.post(f"tasks/{task['id']}/claim")
    it = people_.user("other_member").department_id
    items = member.get(f"calendar?from=2026-05-01&to=2026-05-31&department={it}").get_json()
    assert [t["title"] for t in items["items"]] == ["reel"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "from"),
        ("from=2026-05-01", "to"),
        ("from=2026-05-01&to=yesterday", "to"),
        ("from=2026-02-30&to=2026-03-01", "from"),
        ("from=2026-05-31&to=2026-05-01", "to"),
        ("from=2026-01-01&to=2028-01-01", "to"),
        ("from=2026-05-01&to=2026-05-31&channel=myspace", "channel"),
        ("from=2026-05-01&to=2026-05-31&department=x", "department"),
    ],
)
def test_bad_ranges_are_refused_with_the_field_named(member, query, field):
    response = member.get(f"calendar?{query}")
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_observers_read_the_calendar(member, observer):
    planned(member, "reel", "2026-05-04")
    items = observer.get("calendar?from=2026-05-01&to=2026-05-31").get_json()["items"]
    assert [t["title"] for t in items] == ["reel"]


# ---- the page ----------------------------------------------------------------------------


def test_the_month_page_shows_planned_posts_and_marks_free_ones(member, other_member):
    free = planned(member, "Free reel", "2026-05-04")
    taken = planned(member, "Taken post", "2026-05-05", ["linkedin"])
    other_member.post(f"tasks/{taken['id']}/claim")
    page = member.get("/calendar?date=2026-05-10").get_data(as_text=True)
    assert "May 2026" in page
    assert "Free reel" in page and "Taken post" in page
    free_item = page.split(f'data-task-id="{free["id"]}"')[1].split("</li>")[0]
    assert "is-free" in page.split(f'data-task-id="{free["id"]}"')[0].rsplit("<li", 1)[1]
    assert "Free: pick it up" in free_item and f"/tasks/{free['id']}/claim" in free_item
    taken_item = page.split(f'data-task-id="{taken["id"]}"')[1].split("</li>")[0]
    assert "Free: pick it up" not in taken_item and "Ivan" in taken_item


def test_the_week_view_and_the_navigation_links(member):
    planned(member, "Monday post", "2026-05-04")
    planned(member, "Next week post", "2026-05-11")
    page = member.get("/calendar?view=week&date=2026-05-06").get_data(as_text=True)
    assert "Monday post" in page and "Next week post" not in page
    assert "view=week&amp;date=2026-04-27" in page  # previous week
    assert "view=week&amp;date=2026-05-11" in page  # next week


def test_the_page_speaks_german(member):
    member.patch("me", json={"language": "de"})
    planned(member, "Reel", "2026-05-04")
    page = member.get("/calendar?date=2026-05-04").get_data(as_text=True)
    assert "Mai 2026" in page


def test_nonsense_page_parameters_fall_back_to_this_month(member):
    response = member.get("/calendar?view=year&date=nope&channel=myspace&department=x")
    assert response.status_code == 200


@pytest.mark.parametrize("view", ["month", "week"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "9999-12-01"])
def test_a_day_at_the_calendars_edge_falls_back_to_this_month_too(member, view, day):
    response = member.get(f"/calendar?view={view}&date={day}")
    assert response.status_code == 200


# ---- the iCalendar feed ------------------------------------------------------------------


def ics_of(client, url) -> Calendar:
    path = url.split("localhost", 1)[1]
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def events_of(cal: Calendar) -> dict[str, object]:
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


@BOTH_DATABASES
def test_the_feed_parses_and_carries_all_day_events(app, member, anonymous):
    today = clock.now().date()
    day = (today + timedelta(days=3)).isoformat()
    task = planned(member, "Trail reel", day, ["instagram", "tiktok"])
    url = member.get("calendar/token").get_json()["ics_url"]
    cal = ics_of(anonymous, url)  # no session needed: the token is the credential
    assert str(cal["version"]) == "2.0"
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == date.fromisoformat(day)
    assert not isinstance(event.decoded("dtstart"), datetime)  # an all-day event
    assert event.decoded("dtend") == date.fromisoformat(day) + timedelta(days=1)
    assert "Trail reel" in str(event["summary"]) and "TikTok" in str(event["summary"])
    assert str(event["uid"]).startswith(f"task-{task['id']}@")
    assert f"/tasks/{task['id']}" in str(event["url"])


def test_moving_a_day_keeps_the_uid_and_raises_sequence(member, anonymous):
    start = datetime(2026, 5, 1, 9, tzinfo=UTC)
    clock.set_clock(lambda: start)
    task = planned(member, "Reel", "2026-05-04")
    member.post(f"tasks/{task['id']}/claim")
    url = member.get("calendar/token").get_json()["ics_url"]
    (before,) = ics_of(anonymous, url).walk("VEVENT")
    clock.set_clock(lambda: start + timedelta(hours=2))
    member.patch(f"tasks/{task['id']}", json={"publish_on": "2026-05-06"})
    (after,) = ics_of(anonymous, url).walk("VEVENT")
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) > int(before["sequence"])
    assert after.decoded("last-modified") > before.decoded("last-modified")
    assert after.decoded("dtstart") == date(2026, 5, 6)


def feed_event(client, url, task_id: int):
    """The task's event in the feed as a calendar app parses it, or None."""
    found = [
        e
        for e in ics_of(client, url).walk("VEVENT")
        if str(e["uid"]).startswith(f"task-{task_id}@")
    ]
    assert len(found) <= 1
    return found[0] if found else None


def move_day(client, task_id: int, day: str | None, through: str) -> None:
    if through == "api":
        response = client.patch(f"tasks/{task_id}", json={"publish_on": day})
        assert response.status_code == 200, response.get_json()
        return
    form = {"channels": ["instagram"], "publish_on": day or "", "next": f"/tasks/{task_id}"}
    response = client.client.post(
        f"/tasks/{task_id}/plan", data=form, headers={"X-CSRF-Token": client.csrf_token}
    )
    assert response.status_code == 302


@BOTH_DATABASES
@pytest.mark.parametrize("through", ["api", "form"])
def test_every_move_of_the_day_raises_sequence_and_last_modified(member, anonymous, through):
    """A subscribed calendar replaces its copy of an event only when SEQUENCE grows
    (RFC 5545 3.8.7.4); LAST-MODIFIED says when the day moved."""
    start = datetime(2026, 5, 1, 9, tzinfo=UTC)
    clock.set_clock(lambda: start)
    task = planned(member, "Reel", "2026-05-04")
    member.post(f"tasks/{task['id']}/claim")
    url = member.get("calendar/token").get_json()["ics_url"]
    first = feed_event(anonymous, url, task["id"])
    assert int(first["sequence"]) == 1  # created 0, claimed 1
    assert first.decoded("last-modified") == start
    before = first
    for hours, day in enumerate(["2026-05-06", "2026-05-08", "2026-05-02"], start=1):
        moment = start + timedelta(hours=hours)
        clock.set_clock(lambda moment=moment: moment)
        move_day(member, task["id"], day, through)
        after = feed_event(anonymous, url, task["id"])
        assert str(after["uid"]) == str(first["uid"])
        assert after.decoded("dtstart") == date.fromisoformat(day)
        assert int(after["sequence"]) == int(before["sequence"]) + 1
        assert after.decoded("last-modified") == moment
        before = after
    # Saving the plan with the same day changes nothing a calendar shows.
    clock.set_clock(lambda: start + timedelta(hours=9))
    move_day(member, task["id"], "2026-05-02", through)
    same = feed_event(anonymous, url, task["id"])
    assert int(same["sequence"]) == int(before["sequence"])
    assert same.decoded("last-modified") == before.decoded("last-modified")
    # Off the calendar and back: the event returns with a higher SEQUENCE than it left with.
    move_day(member, task["id"], None, through)
    assert feed_event(anonymous, url, task["id"]) is None
    move_day(member, task["id"], "2026-05-05", through)
    back = feed_event(anonymous, url, task["id"])
    assert int(back["sequence"]) > int(before["sequence"])
    assert back.decoded("dtstart") == date(2026, 5, 5)


def test_the_feed_reaches_as_far_ahead_as_a_day_may_be_planned(member, anonymous):
    far = (MAY_FIRST.date() + timedelta(days=700)).isoformat()
    task = planned(member, "Trade fair teaser", far)
    url = member.get("calendar/token").get_json()["ics_url"]
    event = feed_event(anonymous, url, task["id"])
    assert event is not None and event.decoded("dtstart") == date.fromisoformat(far)


def test_the_feed_url_is_personal_and_revocable(member, other_member, anonymous):
    mine = member.get("calendar/token").get_json()
    assert member.get("calendar/token").get_json() == mine  # the same until renewed
    theirs = other_member.get("calendar/token").get_json()
    assert theirs["token"] != mine["token"]
    renewed = member.post("calendar/token")
    assert renewed.status_code == 201
    old_path = mine["ics_url"].split("localhost", 1)[1]
    assert anonymous.get(old_path).status_code == 404
    assert anonymous.get(renewed.get_json()["ics_url"].split("localhost", 1)[1]).status_code == 200
    assert member.delete("calendar/token").status_code == 204
    assert anonymous.get(renewed.get_json()["ics_url"].split("localhost", 1)[1]).status_code == 404


def test_the_feed_speaks_the_readers_language(member, anonymous):
    member.patch("me", json={"language": "de"})
    planned(member, "Reel", (clock.now().date() + timedelta(days=1)).isoformat())
    url = member.get("calendar/token").get_json()["ics_url"]
    cal = ics_of(anonymous, url)
    assert str(cal["x-wr-calname"]) == "Redaktionskalender"
    (event,) = cal.walk("VEVENT")
    assert str(event["summary"]).startswith("Frei: Reel")
    (event,) = ics_of(anonymous, url + "?lang=en").walk("VEVENT")
    assert str(event["summary"]).startswith("Free: Reel")


# ---- what a calendar app needs to replace the copy it holds (RFC 5545) ------------------


def at(moment: datetime) -> datetime:
    clock.set_clock(lambda: moment)
    return moment


def test_dtstamp_is_when_the_feed_was_made_and_last_modified_when_the_task_changed(
    member, anonymous
):
    """With METHOD:PUBLISH, DTSTAMP is when this copy of the feed was made (3.8.7.2), in
    UTC; LAST-MODIFIED is when the task last changed (3.8.7.3)."""
    task = planned(member, "Reel", "2026-05-04")
    url = member.get("calendar/token").get_json()["ics_url"]
    for later in (MAY_FIRST + timedelta(hours=5, minutes=7), MAY_FIRST + timedelta(days=2)):
        at(later)
        event = feed_event(anonymous, url, task["id"])
        assert event.decoded("dtstamp") == later
        assert event["dtstamp"].to_ical().endswith(b"Z")
        assert event.decoded("last-modified") == MAY_FIRST
        assert int(event["sequence"]) == 0


@BOTH_DATABASES
def test_every_change_the_event_shows_raises_sequence(member, other_member, anonymous):
    """Claiming, releasing, completing and reopening change the event's SUMMARY and
    DESCRIPTION: each raises SEQUENCE by one and moves LAST-MODIFIED, or a subscribed
    calendar keeps saying "Free:" about a task someone holds."""
    task = planned(member, "Reel", "2026-05-04")
    url = member.get("calendar/token").get_json()["ics_url"]
    before = feed_event(anonymous, url, task["id"])
    steps = [
        (other_member, "claim", "Reel · Instagram"),
        (other_member, "release", "Free: Reel · Instagram"),
        (member, "claim", "Reel · Instagram"),
        (member, "complete", "Done: Reel · Instagram"),
        (member, "reopen", "Reel · Instagram"),
    ]
    for hours, (who, action, summary) in enumerate(steps, start=1):
        moment = at(MAY_FIRST + timedelta(hours=hours))
        assert who.post(f"tasks/{task['id']}/{action}").status_code == 200, action
        after = feed_event(anonymous, url, task["id"])
        assert str(after["summary"]) == summary, action
        assert str(after["description"]) != str(before["description"]), action
        assert int(after["sequence"]) == int(before["sequence"]) + 1, action
        assert after.decoded("last-modified") == moment, action
        assert str(after["uid"]) == str(before["uid"])
        before = after
    # Asking again for what already is changes nothing a calendar shows.
    at(MAY_FIRST + timedelta(hours=9))
    assert member.post(f"tasks/{task['id']}/claim").status_code == 200
    again = feed_event(anonymous, url, task["id"])
    assert int(again["sequence"]) == int(before["sequence"])
    assert again.decoded("last-modified") == before.decoded("last-modified")


def test_a_claim_ended_by_its_lease_raises_sequence(app, member, anonymous):
    from dataclasses import replace

    from board.scheduler import run_once

    app.extensions["board_settings"] = replace(app.extensions["board_settings"], claim_lease_days=7)
    task = planned(member, "Reel", "2026-05-20")
    member.post(f"tasks/{task['id']}/claim")
    url = member.get("calendar/token").get_json()["ics_url"]
    held = feed_event(anonymous, url, task["id"])
    moment = at(MAY_FIRST + timedelta(days=7))
    run_once(app)
    freed = feed_event(anonymous, url, task["id"])
    assert str(freed["summary"]).startswith("Free: ")
    assert int(freed["sequence"]) == int(held["sequence"]) + 1
    assert freed.decoded("last-modified") == moment


def test_a_claim_ended_by_its_claimant_leaving_raises_sequence(member, other_member, anonymous):
    from tests.conftest import PASSWORD

    task = planned(member, "Reel", "2026-05-04")
    other_member.post(f"tasks/{task['id']}/claim")
    url = member.get("calendar/token").get_json()["ics_url"]
    held = feed_event(anonymous, url, task["id"])
    moment = at(MAY_FIRST + timedelta(hours=3))
    assert other_member.delete("me", json={"password": PASSWORD}).status_code == 204
    freed = feed_event(anonymous, url, task["id"])
    assert str(freed["summary"]).startswith("Free: ")
    assert int(freed["sequence"]) == int(held["sequence"]) + 1
    assert freed.decoded("last-modified") == moment


def test_an_unchanged_feed_is_answered_with_304(member, other_member, anonymous):
    """Calendar apps refresh every hour: while no event changed, the feed's weak ETag
    stays (DTSTAMP, new in every copy, does not count) and a conditional GET gets a 304."""
    task = planned(member, "Reel", "2026-05-04")
    path = member.get("calendar/token").get_json()["ics_url"].split("localhost", 1)[1]
    first = anonymous.get(path)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    at(MAY_FIRST + timedelta(hours=1))
    unchanged = anonymous.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    other_member.post(f"tasks/{task['id']}/claim")
    changed = anonymous.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    (event,) = Calendar.from_ical(changed.get_data()).walk("VEVENT")
    assert not str(event["summary"]).startswith("Free: ")
    assert anonymous.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_a_claimants_new_name_raises_sequence_of_what_they_hold(member, other_member, anonymous):
    """The event says who holds the task: a new name is a new copy of it."""
    held = planned(member, "Reel", "2026-05-04")
    done = planned(member, "Post", "2026-05-05")
    for task in (held, done):
        other_member.post(f"tasks/{task['id']}/claim")
    other_member.post(f"tasks/{done['id']}/complete")
    url = member.get("calendar/token").get_json()["ics_url"]
    before = {t["id"]: feed_event(anonymous, url, t["id"]) for t in (held, done)}
    assert other_member.patch("me", json={"display_name": "Ivana Novak"}).status_code == 200
    after = {t["id"]: feed_event(anonymous, url, t["id"]) for t in (held, done)}
    assert "Ivana Novak" in str(after[held["id"]]["description"])
    assert int(after[held["id"]]["sequence"]) == int(before[held["id"]]["sequence"]) + 1
    # A done task does not name its claimant: nothing changed there.
    assert int(after[done["id"]]["sequence"]) == int(before[done["id"]]["sequence"])
    # The same name again changes nothing.
    other_member.patch("me", json={"display_name": "Ivana Novak"})
    again = feed_event(anonymous, url, held["id"])
    assert int(again["sequence"]) == int(after[held["id"]]["sequence"])


def works_council(app, min_group_size: int) -> None:
    from dataclasses import replace

    settings = replace(
        app.extensions["board_settings"], observers_see_names=False, min_group_size=min_group_size
    )
    app.extensions["board_settings"] = settings


def department_ids(client) -> dict[str, int]:
    return {d["name"]: d["id"] for d in client.get("departments").get_json()}


def move(client, department_id: int, through: str) -> None:
    if through == "api":
        response = client.patch("me", json={"department_id": department_id})
        assert response.status_code == 200, response.get_json()
        return
    response = client.client.post(
        "/profile",
        data={"display_name": client.user["display_name"], "department_id": department_id},
        headers={"X-CSRF-Token": client.csrf_token},
    )
    assert response.status_code == 302


@BOTH_DATABASES
@pytest.mark.parametrize("through", ["api", "form"])
def test_a_claimants_new_department_raises_sequence_for_observers(
    app, member, other_member, observer, anonymous, through
):
    """In works-council mode an observer's calendar names the claimant's department: when
    the claimant moves, the event's text changes, and so must its SEQUENCE."""
    works_council(app, min_group_size=1)
    held = planned(member, "Reel", "2026-05-04")
    done = planned(member, "Post", "2026-05-05")
    for task in (held, done):
        other_member.post(f"tasks/{task['id']}/claim")
    other_member.post(f"tasks/{done['id']}/complete")
    url = observer.get("calendar/token").get_json()["ics_url"]
    before = {t["id"]: feed_event(anonymous, url, t["id"]) for t in (held, done)}
    assert "someone from IT" in str(before[held["id"]]["description"])
    move(other_member, department_ids(member)["Marketing"], through)
    after = {t["id"]: feed_event(anonymous, url, t["id"]) for t in (held, done)}
    assert "someone from Marketing" in str(after[held["id"]]["description"])
    assert int(after[held["id"]]["sequence"]) == int(before[held["id"]]["sequence"]) + 1
    # Not the work itself: how long the claim has been quiet stays.
    assert after[held["id"]].decoded("last-modified") == before[held["id"]].decoded("last-modified")
    # A done task does not name its claimant: nothing changed there.
    assert int(after[done["id"]]["sequence"]) == int(before[done["id"]]["sequence"])
    # Saving the same department again changes nothing.
    move(other_member, department_ids(member)["Marketing"], through)
    again = feed_event(anonymous, url, held["id"])
    assert int(again["sequence"]) == int(after[held["id"]]["sequence"])


@BOTH_DATABASES
@pytest.mark.parametrize("how", NEWCOMER_WAYS)
def test_a_newcomer_who_unpools_a_department_raises_sequence_of_its_claimants(
    app, member, observer, anonymous, how
):
    """Marketing, IT and Communications have one person each, pooled as "another
    department" (BOARD_MIN_GROUP_SIZE 2); a second person in Marketing, however they come,
    shows its claimants as "someone from Marketing" again: a new copy of their events."""
    works_council(app, min_group_size=2)
    task = planned(member, "Reel", "2026-05-04")
    member.post(f"tasks/{task['id']}/claim")
    url = observer.get("calendar/token").get_json()["ics_url"]
    before = feed_event(anonymous, url, task["id"])
    assert "someone from another department" in str(before["description"])
    newcomer(app, anonymous, how, "Marketing")
    after = feed_event(anonymous, url, task["id"])
    assert "someone from Marketing" in str(after["description"])
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("last-modified") == before.decoded("last-modified")


def _mia_goes(app, mia, how: str) -> None:
    """Mia (Marketing) stops counting there: moved, removed, erased, or made an observer."""
    from tests.conftest import PASSWORD

    if how == "moved":
        move(mia, department_ids(mia)["IT"], "api")
        return
    if how == "erased by herself":
        response = mia.delete("me", json={"password": PASSWORD})
        assert response.status_code == 204, response.get_json()
        return
    args = {
        "removed": ["users", "remove", "mia@example.com"],
        "erased": ["users", "erase", "mia@example.com"],
        "made an observer": ["users", "set-role", "mia@example.com", "observer"],
    }[how]
    result = app.test_cli_runner().invoke(args=args, input="y\n")
    assert result.exit_code == 0, result.output


@BOTH_DATABASES
@pytest.mark.parametrize(
    "how", ["moved", "removed", "erased", "erased by herself", "made an observer"]
)
def test_someone_leaving_who_pools_a_department_raises_sequence_of_its_claimants(
    app, people_, member, observer, anonymous, how
):
    """Departments smaller than BOARD_MIN_GROUP_SIZE read as "another department". Marketing
    has two people, so an observer in works-council mode reads "someone from Marketing";
    when one of them stops counting there, the other's events say "another department"
    (though she stayed put) and must come with a new SEQUENCE."""
    from tests.conftest import make_user

    works_council(app, min_group_size=2)
    make_user(app, "mia", "member", "Marketing")  # Marketing 2, IT 1, Communications 1
    mia = people_.client(None).login("mia@example.com")
    task = planned(member, "Reel", "2026-05-04")
    member.post(f"tasks/{task['id']}/claim")
    url = observer.get("calendar/token").get_json()["ics_url"]
    before = feed_event(anonymous, url, task["id"])
    assert "someone from Marketing" in str(before["description"])
    _mia_goes(app, mia, how)
    after = feed_event(anonymous, url, task["id"])
    assert "someone from another department" in str(after["description"])
    assert int(after["sequence"]) == int(before["sequence"]) + 1
