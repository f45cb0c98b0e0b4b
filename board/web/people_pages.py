"""The people page (/people): everyone on the task force, what they work on, searchable."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from board import directory, people
from board.db import db_for_request
from board.limits import SEARCH_MAX
from board.web import web
from board.web.common import login_page, query_int


@web.get("/people")
@login_page
def people_page():
    session = db_for_request()
    q = (request.args.get("q") or "").strip()[:SEARCH_MAX]
    department_id = query_int("department")
    return render_template(
        "people.html",
        team=directory.directory(session, current_user, q or None, department_id),
        departments=people.list_departments(session),
        q=q,
        department_id=department_id,
    )
