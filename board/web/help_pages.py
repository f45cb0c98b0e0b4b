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
DEFAULT_WEEKS = 6
MAX_DAYS = 365
MAX_WEEKS = 26


@web.get("/help")
@login_page
def help_page():
    policy.require(current_user, "help.view")
    session = db_for_request()
    settings = board_settings()
    # A period the form cannot take (typed into the address: "?days=0") shows the page as
    # it opens, with what is wrong said beside the field and the typed value kept.
    field_errors: dict[str, str] = {}
    days, weeks = settings.help_days, DEFAULT_WEEKS
    try:
        days = query_int("days", settings.help_days, minimum=1, maximum=MAX_DAYS)
    except Invalid as problem:
        field_errors["days"] = translate_field(problem.fields["days"])
    try:
        weeks = query_int("weeks", DEFAULT_WEEKS, minimum=1, maximum=MAX_WEEKS)
    except Invalid as problem:
        field_errors["weeks"] = translate_field(problem.fields["weeks"])
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
        limits={"days": MAX_DAYS, "weeks": MAX_WEEKS},
    ), (400 if field_errors else 200)
