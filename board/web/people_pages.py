"""The people page (/people): everyone on the task force, what they work on, searchable."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from board import directory, people
from board.db import db_for_request
from board.limits import SEARCH_MAX
from board.requests import query_choice
from board.web import web
from board.web.common import login_page, query_int

# The page lists this many people (the facilitators first, then by name) and leads to the
# rest: a company that lets everyone join has hundreds, and a page of them all, each with
# their tasks and ideas, grew with the company. The search and the department find anyone.
SHOWN_PEOPLE = 50


@web.get("/people")
@login_page
def people_page():
    session = db_for_request()
    q = (request.args.get("q") or "").strip()[:SEARCH_MAX]
    department_id = query_int("department")
    whole = query_choice("show", ("all",)) == "all"
    return render_template(
        "people.html",
        team=directory.directory(
            session, current_user, q or None, department_id, None if whole else SHOWN_PEOPLE
        ),
        departments=people.list_departments(session),
        q=q,
        department_id=department_id,
        whole=whole,
        shown_people=SHOWN_PEOPLE,
    )
