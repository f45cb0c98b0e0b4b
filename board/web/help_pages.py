"""Where help is needed (the facilitator's page): stalled and unclaimed work, quiet people
and departments, participation and how evenly the work is spread, each with a nudge."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from board import insights, people, policy
from board.db import db_for_request
from board.requests import board_settings, query_int
from board.web import web
from board.web.charts import evenness_sparkline, participation_charts
from board.web.common import login_page


@web.get("/help")
@login_page
def help_page():
    policy.require(current_user, "help.view")
    session = db_for_request()
    settings = board_settings()
    days = query_int("days", settings.help_days, minimum=1, maximum=365)
    weeks = query_int("weeks", 6, minimum=1, maximum=26)
    report = insights.help_report(session, current_user, days, weeks)
    return render_template(
        "help.html",
        report=report,
        departments=people.list_departments(session),
        charts=participation_charts(report["participation"]),
        sparkline=evenness_sparkline(report["flatness"]["trend"]),
        metrics=insights.METRICS,
        here=request.full_path.rstrip("?"),
    )
