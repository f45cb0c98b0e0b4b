"""Nudges over JSON: send (the facilitator), list one's own, mark read (recipients)."""

from __future__ import annotations

from board import nudges
from board.api import api, db, me, ok
from board.requests import Field, json_body, no_body, query_int, text


@api.post("/nudges")
def send_nudge():
    body = json_body(
        {
            "message": text(required=True),
            "to_user_id": Field("int", nullable=True),
            "task_id": Field("int", nullable=True),
            "department_id": Field("int", nullable=True),
        }
    )
    data = nudges.send_nudge(
        db(),
        me(),
        body["message"],
        to_user_id=body.get("to_user_id"),
        task_id=body.get("task_id"),
        department_id=body.get("department_id"),
    )
    return ok(data, 201)


@api.get("/nudges")
def list_nudges():
    limit = query_int("limit", 200, minimum=1, maximum=1000, clamp=True)
    return ok({"items": nudges.list_nudges(db(), me(), limit)})


@api.post("/nudges/<int:nudge_id>/read")
def mark_nudge_read(nudge_id: int):
    no_body()
    return ok(nudges.mark_read(db(), me(), nudge_id))
