"""Where help is needed (the facilitator's page): stalled and unclaimed work, quiet people
and departments, participation and how evenly the work is spread, each with a nudge."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from board import insights, people, policy
from board.db import db_for_request
from board.errors import Invalid
from board.i18n import translate_field
from board.requests import board_settings, query_choice, query_int
from board.web import web
from board.web.charts import evenness_sparkline, participation_charts
from board.web.common import login_page

# Each list shows its first rows (the longest waiting or quiet first) and a link to the
# rest: on a board kept for years the lists are as long as its backlog, and a page of
# every stalled task, each with its nudge form, took longer to print than to find.
SHOWN_ROWS = 20
LISTS = ("stale", "waiting", "quiet-ideas", "quiet-people", "quiet-departments")
# The period the page reports on, as its form asks for it: (default, most), at least 1.
WEEKS = (6, 26)
MAX_DAYS = 365


@web.get("/help")
@login_page
def help_page():
    policy.require(current_user, "help.view")
    session = db_for_request()
    settings = board_settings()
    # A period the form cannot take (typed into the address: "?days=0") shows the page as
    # it opens, with what is wrong said beside the field and the typed value kept.
    periods = {"days": (settings.help_days, MAX_DAYS), "weeks": WEEKS}
    period: dict[str, int] = {}
    field_errors: dict[str, str] = {}
    for name, (default, most) in periods.items():
        try:
            period[name] = query_int(name, default, minimum=1, maximum=most)
        except Invalid as problem:
            period[name] = default
            field_errors[name] = translate_field(problem.fields[name])
    days, weeks = period["days"], period["weeks"]
    shown_whole = query_choice("show", LISTS)  # the one list shown whole
    report = insights.help_report(session, current_user, days, weeks)
    return render_template(
        "help.html",
        report=report,
        departments=people.list_departments(session),
        charts=participation_charts(report["participation"]),
        sparkline=evenness_sparkline(report["flatness"]["trend"]),
        metrics=insights.METRICS,
        # Where a nudge form leads back to: this page as it was asked for (not `here`, the
        # path alone, which the page's menu sets for itself).
        back_here=request.full_path.rstrip("?"),
        shown=lambda rows, section: rows if section == shown_whole else rows[:SHOWN_ROWS],
        shown_whole=shown_whole,
        shown_rows=SHOWN_ROWS,
        field_errors=field_errors,
        typed_period=request.args if field_errors else {},
        limits={name: most for name, (_default, most) in periods.items()},
    ), (400 if field_errors else 200)
