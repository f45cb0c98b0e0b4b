"""/calendar: planned posts by publishing day, a month or a week at a time, and the
private iCalendar URL. Every control is a link or a form, so it works without JavaScript;
static/js/calendar.js keeps it live."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from board import calendar, clock, people
from board.db import db_for_request
from board.i18n import LANGUAGES, force_locale
from board.privacy import rendering_for
from board.requests import ics_url, parse_date, reader_tz
from board.tasks import allowed_channels
from board.web import web
from board.web.common import channel_label, login_page, query_int

VIEWS = ("month", "week")


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def _frame(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first shown day, last shown day, previous anchor, next anchor)."""
    if view == "week":
        start = _monday(anchor)
        return (
            start,
            start + timedelta(days=6),
            start - timedelta(days=7),
            start + timedelta(days=7),
        )
    first = _month_start(anchor)
    following = _add_months(first, 1)
    start = _monday(first)
    end = _monday(following - timedelta(days=1)) + timedelta(days=6)
    return start, end, _add_months(first, -1), following


@web.get("/calendar")
@login_page
def calendar_page():
    session = db_for_request()
    today = clock.now().astimezone(reader_tz()).date()
    view = request.args.get("view") if request.args.get("view") in VIEWS else "month"
    anchor = parse_date((request.args.get("date") or "").strip()) or today
    channel = (
        request.args.get("channel") if request.args.get("channel") in allowed_channels() else None
    )
    department = query_int("department")
    try:
        start, end, previous, following = _frame(view, anchor)
    except (OverflowError, ValueError):
        # A day at the calendar's very edge (years 1 and 9999) has no week or month around
        # it: like any other nonsense parameter, the page falls back to today.
        anchor = today
        start, end, previous, following = _frame(view, anchor)
    items = calendar.calendar_items(
        session, current_user, start, end, channel=channel, department_id=department
    )
    by_day: dict[date, list[dict]] = {}
    for task in items:
        task["department"] = calendar.task_department(task)
        by_day.setdefault(date.fromisoformat(task["publish_on"]), []).append(task)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]

    def link(**changes) -> str:
        args = {
            "view": view,
            "date": anchor.isoformat(),
            "channel": channel,
            "department": department,
        }
        args.update(changes)
        return url_for("web.calendar_page", **{k: v for k, v in args.items() if v})

    return render_template(
        "calendar.html",
        view=view,
        anchor=anchor,
        today=today,
        start=start,
        end=end,
        weeks=weeks,
        by_day=by_day,
        count=len(items),
        free=sum(1 for t in items if t["status"] == "open"),
        channel=channel,
        department=department,
        departments=people.list_departments(session),
        links={
            "previous": link(date=previous.isoformat()),
            "next": link(date=following.isoformat()),
            "today": link(date=today.isoformat()),
            "month": link(view="month"),
            "week": link(view="week"),
        },
        ics_url=ics_url(current_user.calendar_token),
    )


@web.get("/calendar/ics/<token>")
def calendar_ics(token: str):
    """The private iCalendar feed: the token is the credential; unknown or revoked is a 404."""
    session = db_for_request()
    reader = calendar.user_for_calendar_token(session, token)
    if reader is None:
        abort(404)
    language = (
        request.args.get("lang")
        if request.args.get("lang") in LANGUAGES
        else (reader.language or "en")
    )
    # The token is the reader: claimants are shown as this reader may see them.
    with rendering_for(session, reader), force_locale(language):
        body = calendar.ics(
            calendar.feed_tasks(session, reader),
            language=language,
            host=request.host.split(":")[0],
            base_url=request.host_url,
            channel_label=channel_label,
        )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="publishing-calendar.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    response.set_etag(calendar.feed_etag(body), weak=True)
    return response.make_conditional(request)


def _back_to_calendar():
    return redirect(url_for("web.calendar_page") + "#subscribe", code=303)


@web.post("/calendar/token")
@login_required
def create_calendar_token():
    calendar.create_calendar_token(db_for_request(), current_user)
    return _back_to_calendar()


@web.post("/calendar/token/revoke")
@login_required
def revoke_calendar_token():
    calendar.revoke_calendar_token(db_for_request(), current_user)
    return _back_to_calendar()
