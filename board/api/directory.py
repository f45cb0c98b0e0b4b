from __future__ import annotations

from flask_login import current_user

from board import directory
from board.api import api, db, ok
from board.requests import query_int, query_text


@api.get("/directory")
def list_team():
    """Extension: the people page as JSON (everyone, department, role, what they work on)."""
    return ok(
        directory.directory(
            db(), current_user, query_text("q"), query_int("department_id", minimum=1)
        )
    )
