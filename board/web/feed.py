"""The activity feed pages: /feed, its live updates, the CSV export, the private Atom URL.

The Atom URL carries its own random token and answers without a session; everything else
needs a login. What the feed shows is decided in board/feed.py, who may read it in policy.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from flask import (
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from board import clock, feed, feed_export, people
from board.db import db_for_request
from board.errors import Invalid
from board.i18n import (
    LANGUAGES,
    N_,
    _,
    current_language,
    force_locale,
    translate,
    translate_field,
)
from board.inputs import whole_number
from board.privacy import rendering_for, shown_departments
from board.requests import atom_url, bad_parameter, board_tz, reader_tz
from board.web import web

PERIOD_LABELS = {
    "7": N_("Last 7 days"),
    "30": N_("Last 30 days"),
    "90": N_("Last 90 days"),
    "all": N_("All time"),
    "custom": N_("Between these dates"),
}
CSV_LIMIT = 10_000
ATOM_LIMIT = 100


def _query_string(args: list[tuple[str, str]]) -> str:
    return ("?" + urlencode(args)) if args else ""


def day_label(day: date, language: str, today: date) -> str:
    if day == today:
        return _("Today")
    if day == today - timedelta(days=1):
        return _("Yesterday")
    return format_date(day, "full", locale=language)


def short_date(day: date, language: str) -> str:
    """ "Oct 21" / "21. Okt." """
    return format_skeleton("MMMd", day, locale=language)


def _days(items: list[feed.FeedItem], tz: ZoneInfo) -> list[tuple[date, str, list]]:
    language, today = current_language(), clock.now().astimezone(tz).date()
    return [
        (day, day_label(day, language, today), entries)
        for day, entries in feed.group_by_day(items, tz)
    ]


# The chart is drawn 640 units wide and scaled to its box, its words with it: where the box
# is narrow (a phone; a tablet, beside the numbers) feed.css sets them larger in units, so
# that they read at the same size on the screen. There every week label that would not fit
# beside the next at that size ("dense") is left out, and so are the bars' numbers unless
# the bars are wide enough to carry them ("roomy").
NARROW_LABEL_UNITS = 140  # room one week label needs in a narrow box, in chart units
ROOMY_BAR_UNITS = 22


def chart(weeks: list[feed.Week], language: str) -> dict:
    """Bar geometry for the weekly chart: ideas posted and tasks done, side by side."""
    # top: room above the tallest bar for its number at the largest size feed.css gives
    # it (22 units in the narrowest box), which reached above the chart's edge at 18.
    width, height, top, pad = 640, 110, 28, 6
    step = (width - 2 * pad) / max(len(weeks), 1)
    bar = min(step * 0.34, 24)
    peak = max([w.ideas for w in weeks] + [w.tasks_done for w in weeks] + [1])
    label_every = max(1, round(44 / step)) if step < 44 else 1
    sparse_every = label_every * math.ceil(NARROW_LABEL_UNITS / (step * label_every))
    bars, labels = [], []
    for index, week in enumerate(weeks):
        middle = pad + step * (index + 0.5)
        when = short_date(week.start, language)
        for x, value, css, name in (
            (middle - bar - 1, week.ideas, "ideas", _("ideas posted")),
            (middle + 1, week.tasks_done, "tasks", _("tasks done")),
        ):
            h = round(height * value / peak, 1)
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(top + height - max(h, 1), 1),
                    "width": round(bar, 1),
                    "height": max(h, 1),
                    "css": css,
                    "value": value,
                    "value_y": round(top + height - h - 4, 1),
                    "middle": round(x + bar / 2, 1),
                    "title": _(
                        "Week of %(date)s, %(what)s: %(count)s", date=when, count=value, what=name
                    ),
                }
            )
        if index % label_every == 0:
            # The first and last label start and end at their week's bars, not centred on
            # them: a long date would otherwise reach past the chart's edge and be cut.
            anchor, x = "middle", middle
            if index == 0:
                anchor, x = "start", middle - bar - 1
            elif index == len(weeks) - 1 and len(weeks) > 1:
                anchor, x = "end", middle + bar + 1
            labels.append(
                {
                    "x": round(x, 1),
                    "y": top + height + 16,
                    "text": when,
                    "anchor": anchor,
                    "dense": index % sparse_every != 0,
                }
            )
    return {
        "width": width,
        "height": top + height + 22,
        "bars": bars,
        "labels": labels,
        "baseline": top + height,
        "show_values": step >= 30,
        "roomy": bar >= ROOMY_BAR_UNITS,
    }


def long_date(day: date, language: str) -> str:
    """ "October 21, 2026" / "21. Oktober 2026" """
    return format_date(day, "long", locale=language)


def summary_title(session, flt: feed.FeedFilter) -> str:
    """ "Last 30 days", "1 May 2026 – 20 May 2026 · Marketing", …"""
    language = current_language()
    if flt.period == "custom":
        start = long_date(flt.date_from, language) if flt.date_from else None
        end = long_date(flt.date_to, language) if flt.date_to else None
        if start and end:
            title = f"{start} – {end}"
        else:
            title = _("Since %(date)s", date=start) if start else _("Until %(date)s", date=end)
    else:
        title = _(PERIOD_LABELS[flt.period])
    if flt.department_id is not None:
        department = people.get_department(session, flt.department_id)
        title = f"{title} · {department.name}" if department else title
    return title


def _shared(session, flt: feed.FeedFilter, tz: ZoneInfo) -> dict:
    """What feed.html and its fragments need besides the items."""
    return {"tz": tz, "summary_title": summary_title(session, flt)}


def _page_context(session, flt: feed.FeedFilter, tz: ZoneInfo, before: int | None) -> dict:
    now = clock.now()  # once: the items, the summary and "live" see the same days
    page = feed.read_feed(session, current_user, flt, tz, before=before, now=now)
    summary = feed.summarize(session, current_user, flt, tz, now=now)
    _since, until = flt.window(tz, now)
    args = flt.query_args()
    return {
        **_shared(session, flt, tz),
        "flt": flt,
        "days": _days(page.items, tz),
        "page": page,
        "summary": summary,
        "chart": chart(summary.weeks, current_language()),
        "live": before is None and (until is None or until > now),
        "filter_query": _query_string(args),
        "older_query": (
            _query_string(args + [("before", str(page.next_before))]) if page.next_before else None
        ),
        "updates_url": url_for("web.feed_updates") + _query_string(args),
    }


# The filter form's fields, by the query parameter each sends.
FILTER_FIELDS = ("department", "period", "from", "to", "kind")


def _seq_arg(name: str, required: bool = False) -> int | None:
    """A feed position (an event's seq) from the query string; absent is None unless
    `required`."""
    raw = request.args.get(name, "").strip()
    if not raw and not required:
        return None
    seq = whole_number(raw, 12)
    if seq is None:
        raise bad_parameter(name, N_("Expected a whole number."))
    return seq


# The API says "One of: 7, 30, 90, all, custom.", naming its query values; the page's own
# controls offer the choices in words.
_CHOOSE = {
    "period": N_("Choose one of the periods offered."),
    "kind": N_("Choose from the kinds of activity offered."),
}
# A date field shows the day in the reader's own way (01.05.2026 on a German browser): the
# API's "Expected a date like 2026-05-01." named a spelling the page never shows. The only
# day a date field lets through that the feed cannot read has a year of five or six digits.
_CHOOSE_A_DAY = N_("Choose a day in the date field, with a four-digit year.")


def _page_problem(name: str, text) -> str:
    """A refused filter in the page's words."""
    if name in _CHOOSE:
        return _(_CHOOSE[name])
    if str(text) == feed.NOT_A_DAY:
        return _(_CHOOSE_A_DAY)
    return translate_field(text)


@web.get("/feed")
@login_required
def feed_page():
    session, tz = db_for_request(), reader_tz()
    # The filters that were understood apply; each one that was not is left at its default,
    # kept in the form as typed and explained beside its field (a problem no field shows goes
    # on top), so that the form and the items below it tell the same view (400).
    flt, fields = feed.read_filter(session, request.args)
    try:
        before = _seq_arg("before")
    except Invalid as problem:
        before, fields = None, {**fields, **(problem.fields or {})}
    problems = {name: _page_problem(name, text) for name, text in fields.items()}
    field_errors = {k: v for k, v in problems.items() if k in FILTER_FIELDS}
    error = [v for k, v in problems.items() if k not in FILTER_FIELDS]
    status = 400 if problems else 200
    context = _page_context(session, flt, tz, before)
    token = current_user.feed_token
    return render_template(
        "feed.html",
        **context,
        error=error,
        field_errors=field_errors,
        field_attrs={
            name: Markup(' aria-invalid="true" aria-describedby="feed-{}-error"').format(name)
            for name in field_errors
        },
        typed=request.args if status == 400 else None,
        departments=shown_departments(people.list_departments(session)),
        kinds=[(kind, str(label)) for kind, label in feed.KIND_LABELS.items()],
        periods=[(value, _(label)) for value, label in PERIOD_LABELS.items()],
        atom_url=atom_url(token),
        timezone=tz.key,
    ), status


@web.get("/feed/updates")
@login_required
def feed_updates():
    """What happened after `after` (a seq), as HTML for feed.js to put on top, plus the summary."""
    session, tz = db_for_request(), reader_tz()
    flt = feed.filter_from_args(session, request.args)
    after = _seq_arg("after", required=True)
    now = clock.now()  # once: the new items and the summary count the same days
    page = feed.read_feed(session, current_user, flt, tz, after=after, now=now)
    summary = feed.summarize(session, current_user, flt, tz, now=now)
    shared = _shared(session, flt, tz)
    html = render_template("feed_days.html", days=_days(page.items, tz), **shared)
    summary_html = render_template(
        "feed_summary.html",
        summary=summary,
        flt=flt,
        chart=chart(summary.weeks, current_language()),
        **shared,
    )
    response = jsonify(
        {
            "last_seq": page.last_seq,
            "count": len(page.items),
            "html": html,
            "summary_html": summary_html,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _csv_response():
    session, tz = db_for_request(), reader_tz()
    flt = feed.filter_from_args(session, request.args)
    now = clock.now()  # once: the file is named for the day its rows were read for
    page = feed.read_feed(session, current_user, flt, tz, limit=CSV_LIMIT, now=now)
    language = current_language()
    body = feed_export.feed_csv(page.items, language, request.host_url, tz)
    name = feed_export.csv_file_name(language, now.astimezone(tz).date())
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
            "Cache-Control": "no-store",
        },
    )


@web.get("/feed.csv")
@login_required
def feed_csv():
    return _csv_response()


@web.get("/feed/export.csv")
@login_required
def feed_export_csv():
    return _csv_response()


@web.get("/feed/atom/<token>")
def feed_atom(token: str):
    """The private Atom feed: the token is the credential; unknown or revoked is a 404."""
    session, tz = db_for_request(), board_tz()
    reader = feed.user_for_feed_token(session, token)
    if reader is None:
        abort(404)
    args = request.args.copy()
    if not any(args.get(name) for name in ("period", "from", "to")):
        args["period"] = "all"  # a feed reader wants the latest entries, whenever they were
    flt = feed.filter_from_args(session, args)
    # ?lang= lets a feed reader (which sends no Accept-Language) get the person's language.
    language = (
        request.args.get("lang")
        if request.args.get("lang") in LANGUAGES
        else (reader.language or "en")
    )
    host = request.host.split(":")[0]
    # The token is the reader here, not a session: people shown as this reader may see them.
    with rendering_for(session, reader), force_locale(language):
        page = feed.read_feed(session, reader, flt, tz, limit=ATOM_LIMIT)
        body = feed_export.feed_atom(
            page.items,
            language=language,
            title=translate(N_("Task-force board activity"), language),
            feed_id=f"tag:{host},2026:board-activity",
            entry_id_prefix=f"tag:{host},2026:event-",
            self_url=request.url,
            page_url=url_for("web.feed_page", _external=True),
            base_url=request.host_url,
        )
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    response.set_etag(f"{page.last_seq}-{language}")
    return response.make_conditional(request)


def _back_to_feed():
    """Back to /feed with the filters the form was sent from (only known filter keys)."""
    args = [
        (k, v)
        for k, v in request.args.items(multi=True)
        if k in ("department", "kind", "period", "from", "to")
    ]
    return redirect(url_for("web.feed_page") + _query_string(args) + "#private-feed", code=303)


@web.post("/feed/token")
@login_required
def create_feed_token():
    feed.create_feed_token(db_for_request(), current_user)
    return _back_to_feed()


@web.post("/feed/token/revoke")
@login_required
def revoke_feed_token():
    feed.revoke_feed_token(db_for_request(), current_user)
    return _back_to_feed()
