"""The publishing calendar as JSON, and the private iCalendar URL's token."""

from __future__ import annotations

from board import calendar
from board.api import api, db, me, ok
from board.db import writes_on_get
from board.requests import ics_url, no_body, query_date, query_int, query_text


def _token_answer(token: str | None) -> dict:
    return {"token": token, "ics_url": ics_url(token)}


@api.get("/calendar")
def calendar_items():
    items = calendar.calendar_items(
        db(),
        me(),
        query_date("from", required=True),
        query_date("to", required=True),
        channel=query_text("channel", 40),
        department_id=query_int("department"),
    )
    return ok({"items": items})


@api.get("/calendar/token")
@writes_on_get
def get_calendar_token():
    """The caller's private iCalendar URL, made on first use."""
    return ok(_token_answer(calendar.calendar_token(db(), me())))


@api.post("/calendar/token")
def renew_calendar_token():
    no_body()
    return ok(_token_answer(calendar.create_calendar_token(db(), me())), 201)


@api.delete("/calendar/token")
def revoke_calendar_token():
    no_body()
    calendar.revoke_calendar_token(db(), me())
    return "", 204
