from __future__ import annotations

from board import directory
from board.api import api, db, me, ok
from board.requests import query_int, query_text


@api.get("/directory")
def list_team():
    """Extension: the people page as JSON (everyone, department, role, what they work on)."""
    return ok(
        directory.directory(db(), me(), query_text("q"), query_int("department_id", minimum=1))
    )
