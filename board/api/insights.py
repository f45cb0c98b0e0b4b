"""Extension: the facilitator's help page as JSON."""

from __future__ import annotations

from board import insights
from board.api import api, db, me, ok, settings
from board.requests import query_int

MAX_DAYS = 365
MAX_WEEKS = 26


@api.get("/insights")
def help_report():
    days = query_int("days", settings().help_days, minimum=1, maximum=MAX_DAYS)
    weeks = query_int("weeks", 6, minimum=1, maximum=MAX_WEEKS)
    return ok(insights.help_report(db(), me(), days, weeks))
