"""The task page and the task forms. Every form acts for the person sending it: there is
no field that names anyone else, because work is only ever taken, never given."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user

from board import ideas, tasks
from board.db import db_for_request
from board.errors import BoardError
from board.i18n import N_, _
from board.limits import TEXT_MAX, TITLE_MAX
from board.requests import board_settings
from board.text import render_markdown
from board.web import web
from board.web.common import (
    as_target,
    back,
    flash_refusal,
    form_channels,
    form_date,
    form_id,
    form_text,
    login_page,
    refused_form,
)


@web.get("/tasks/<int:task_id>")
@login_page
def task_page(task_id: int):
    session = db_for_request()
    task = tasks.get_task(session, current_user, task_id)
    idea = ideas.get_idea(session, current_user, task["idea_id"]) if task["idea_id"] else None
    return render_template(
        "task.html",
        task=task,
        idea=idea,
        description_html=render_markdown(
            task["description"], ideas.known_handles(session, [task["description"]])
        ),
    )


@web.post("/tasks")
@login_page
def post_task():
    session = db_for_request()
    try:
        task = tasks.create_task(
            session,
            current_user,
            form_text("title", TITLE_MAX, required=True),
            form_text("description", TEXT_MAX),
            form_id("idea_id"),
            channels=form_channels(),
            publish_on=form_date("publish_on"),
        )
    except BoardError as refusal:
        session.rollback()
        return refused_form(refusal, "task", action="task.create")
    flash(_("The task is on the board. Anyone can claim it now, you too."), "success")
    return back("/", anchor=f"task-{task['id']}")


_DONE_MESSAGES = {
    "claim": N_("The task is yours. Good luck!"),
    "release": N_("You released the task; someone else can pick it up."),
    "complete": N_("Done! Thank you."),
}


def _task_action(task_id: int, action: str):
    session = db_for_request()
    try:
        if action == "claim":
            tasks.claim_task(session, current_user, task_id, board_settings().claim_limit)
        elif action == "release":
            tasks.release_task(session, current_user, task_id)
        else:
            tasks.complete_task(session, current_user, task_id)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    else:
        flash(_(_DONE_MESSAGES[action]), "success")
    return back(url_for("web.task_page", task_id=task_id), anchor=f"task-{task_id}")


@web.post("/tasks/<int:task_id>/claim")
@login_page
def claim_task(task_id: int):
    return _task_action(task_id, "claim")


@web.post("/tasks/<int:task_id>/release")
@login_page
def release_task(task_id: int):
    return _task_action(task_id, "release")


@web.post("/tasks/<int:task_id>/complete")
@login_page
def complete_task(task_id: int):
    return _task_action(task_id, "complete")


@web.post("/tasks/<int:task_id>/plan")
@login_page
def plan_task(task_id: int):
    """The claimant's plan form: channels, publishing day and "help wanted" together."""
    session = db_for_request()
    try:
        tasks.update_plan(
            session,
            current_user,
            task_id,
            {
                "channels": form_channels(),
                "publish_on": form_date("publish_on"),
                "help_wanted": request.form.get("help_wanted") == "1",
            },
        )
    except BoardError as refusal:
        session.rollback()
        task = tasks.get_task(session, current_user, task_id)
        return refused_form(refusal, "plan", f"/tasks/{task_id}", "task.plan", as_target(task))
    flash(_("The plan is saved."), "success")
    return back(url_for("web.task_page", task_id=task_id), anchor="plan")


@web.post("/tasks/<int:task_id>/renew")
@login_page
def renew_task(task_id: int):
    session = db_for_request()
    try:
        tasks.renew_task(session, current_user, task_id)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    else:
        flash(_("You keep the task; its lease starts again."), "success")
    return back(url_for("web.task_page", task_id=task_id), anchor=f"task-{task_id}")
