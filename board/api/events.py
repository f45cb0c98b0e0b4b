from __future__ import annotations

from board import events
from board.api import api, db, me, ok
from board.requests import query_int
from board.security import person_as_reader


@api.get("/events")
@person_as_reader
def list_events():
    after = query_int("after", 0, minimum=0)
    limit = query_int("limit", 100, minimum=1, maximum=1000, clamp=True)
    items = events.events_after(db(), me(), after, limit)
    return ok({"items": items, "last_seq": items[-1]["seq"] if items else after})
