"""The publishing calendar: tasks by their publishing day, for the /calendar page, its
JSON twin and a private iCalendar feed that Outlook or Google Calendar subscribe to.

A publishing day is a date without a time zone, so the feed carries all-day events. Each
task keeps one UID for good. The feed says METHOD:PUBLISH, so (RFC 5545 3.8.7.2) DTSTAMP
is when this copy of the feed was made; LAST-MODIFIED (3.8.7.3) is when the task last
changed. SEQUENCE (3.8.7.4) is the task's `revision`, which every change the event shows
raises (a claim, a release, a completion, a reopening, a new day or channels, the
claimant's new name or department, a department pooled or unpooled: board/calendar_copies.py):
calendar apps keep the copy they hold unless SEQUENCE grows (or, at the same SEQUENCE,
DTSTAMP).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

from icalendar import Calendar
from icalendar import Event as IcsEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from board import clock, policy
from board.errors import FieldMessage, Invalid
from board.i18n import N_, _, force_locale
from board.private_urls import PrivateUrl
from board.tasks import allowed_channels, publish_on_bounds, task_dict
from models import Task, User

MAX_SPAN_DAYS = 400

# The feed: what a calendar app needs to show, recent past and everything planned.
FEED_PAST_DAYS = 92
FEED_LIMIT = 2000


def _bad_parameter(name: str, problem: str) -> Invalid:
    return Invalid(
        "A query parameter is invalid.", code="invalid_parameter", fields={name: problem}
    )


def check_range(start: date, end: date) -> None:
    if end < start:
        raise _bad_parameter("to", N_("The end date is before the start date."))
    if (end - start).days > MAX_SPAN_DAYS:
        raise _bad_parameter(
            "to", FieldMessage("At most %(limit)s days after the start date.", limit=MAX_SPAN_DAYS)
        )


def task_department(task: dict) -> dict | None:
    """Whose work it is on the calendar: the claimant's department, else the creator's."""
    person = task.get("claimed_by") or task.get("created_by") or {}
    return person.get("department")


def calendar_items(
    session: Session,
    viewer,
    start: date,
    end: date,
    channel: str | None = None,
    department_id: int | None = None,
) -> list[dict]:
    """Tasks whose publishing day lies in [start, end], by day, then oldest first."""
    policy.require(viewer, "calendar.read")
    check_range(start, end)
    if channel is not None and channel not in allowed_channels():
        raise _bad_parameter(
            "channel", FieldMessage("One of: %(choices)s.", choices=", ".join(allowed_channels()))
        )
    items = [task_dict(task) for task in _tasks_between(session, start, end)]
    if channel is not None:
        items = [t for t in items if channel in t["channels"]]
    if department_id is not None:
        items = [t for t in items if (task_department(t) or {}).get("id") == department_id]
    return items


def _tasks_between(session: Session, start: date, end: date) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.publish_on.is_not(None), Task.publish_on >= start, Task.publish_on <= end)
            .order_by(Task.publish_on, Task.id)
            .limit(FEED_LIMIT)
        ).unique()
    )


# ---- the private iCalendar URL ---------------------------------------------------------


_URL = PrivateUrl("calendar_token", manage="calendar.token", read="calendar.read")
create_calendar_token = _URL.create
calendar_token = _URL.current
revoke_calendar_token = _URL.revoke
user_for_calendar_token = _URL.reader


def feed_tasks(session: Session, reader: User) -> list[Task]:
    """What the reader's subscribed calendar shows: the recent past and all that is planned
    (as far ahead as a publishing day may be set)."""
    policy.require(reader, "calendar.read")
    now = clock.now()
    _first, last = publish_on_bounds(now)
    return _tasks_between(session, now.date() - timedelta(days=FEED_PAST_DAYS), last)


def ics(
    rows: list[Task],
    *,
    language: str,
    host: str,
    base_url: str,
    channel_label,
) -> bytes:
    """The tasks as an iCalendar document of all-day events (RFC 5545), in `language`."""
    with force_locale(language or "en"):
        return _ics(rows, host=host, base_url=base_url, channel_label=channel_label)


_DTSTAMP_LINE = re.compile(rb"^DTSTAMP:[^\r\n]*\r?\n", re.MULTILINE)


def feed_etag(body: bytes) -> str:
    """A weak ETag of the feed: the same while no event changes. DTSTAMP, which is new in
    every copy, is left out, so an hourly refresh of an unchanged calendar is a 304."""
    return hashlib.sha256(_DTSTAMP_LINE.sub(b"", body)).hexdigest()[:32]


def _ics(rows: list[Task], *, host: str, base_url: str, channel_label) -> bytes:
    made = clock.now()  # DTSTAMP: when this copy of the feed was made
    cal = Calendar()
    cal.add("prodid", "-//Task-force board//Publishing calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Publishing calendar"))
    cal.add("x-published-ttl", "PT1H")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for row in rows:
        task = task_dict(row)
        day = row.publish_on
        channels = ", ".join(channel_label(c) for c in task["channels"])
        summary = task["title"] + (f" · {channels}" if channels else "")
        if task["status"] == "open":
            summary = _("Free: %(title)s", title=summary)
        elif task["status"] == "done":
            summary = _("Done: %(title)s", title=summary)
        url = f"{base_url.rstrip('/')}/tasks/{task['id']}"
        holder = task.get("claimed_by")
        who = (
            _("Claimed by %(name)s", name=holder["display_name"])
            if holder and task["status"] == "claimed"
            else _("Free to claim")
            if task["status"] == "open"
            else _("Done")
        )
        modified = row.updated_at or row.created_at
        event = IcsEvent()
        event.add("uid", f"task-{task['id']}@{host}")
        event.add("dtstamp", made)
        event.add("last-modified", modified)
        event.add("sequence", row.revision or 0)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", summary)
        event.add("description", f"{who}\n{url}")
        event.add("url", url)
        event.add("transp", "TRANSPARENT")
        if task["channels"]:
            event.add("categories", [channel_label(c) for c in task["channels"]])
        cal.add_component(event)
    return cal.to_ical()
