from __future__ import annotations

from board import tasks
from board.api import api, db, me, ok, settings
from board.errors import Invalid
from board.i18n import N_
from board.requests import (
    Field,
    check_fields,
    json_object,
    no_body,
    query_choice,
    query_cursor,
    query_flag,
    query_int,
    query_limit,
    text,
    title,
)
from board.security import person_as_reader

# Fields that would put work on someone: refused by name, with a message that says why.
_ASSIGNING_FIELDS = (
    "claimed_by",
    "claimed_by_id",
    "claimant",
    "claimant_id",
    "assignee",
    "assignee_id",
    "assignees",
    "assigned_to",
    "owner",
    "owner_id",
    "user_id",
)


@api.get("/tasks")
@person_as_reader
def list_tasks():
    items, next_cursor = tasks.page_tasks(
        db(),
        me(),
        status=query_choice("status", tasks.STATUSES),
        mine=query_flag("mine"),
        idea_id=query_int("idea_id"),
        limit=query_limit(),
        cursor=query_cursor(),
    )
    return ok({"items": items, "next_cursor": next_cursor})


@api.post("/tasks")
def create_task():
    payload = json_object()
    named = [f for f in _ASSIGNING_FIELDS if f in payload]
    if named:
        raise Invalid(
            "Tasks start unclaimed; people claim work themselves.",
            code="unknown_field",
            fields={f: N_("Nobody can be given a task.") for f in named},
        )
    body = check_fields(
        payload,
        {
            "title": title(),
            "description": text(),
            "idea_id": Field("int", nullable=True),
            "channels": Field("tags", nullable=True),
            "publish_on": Field("date", nullable=True),
        },
    )
    data = tasks.create_task(
        db(),
        me(),
        body["title"],
        body.get("description") or "",
        body.get("idea_id"),
        channels=body.get("channels"),
        publish_on=body.get("publish_on"),
    )
    return ok(data, 201)


@api.patch("/tasks/<int:task_id>")
def update_task(task_id: int):
    """The claimant's plan: channels, publishing day, help wanted."""
    payload = json_object()
    named = [f for f in _ASSIGNING_FIELDS if f in payload]
    if named:
        raise Invalid(
            "Tasks start unclaimed; people claim work themselves.",
            code="unknown_field",
            fields={f: "Nobody can be given a task." for f in named},
        )
    body = check_fields(
        payload,
        {
            "channels": Field("tags"),
            "publish_on": Field("date", nullable=True),
            "help_wanted": Field("bool"),
        },
    )
    return ok(tasks.update_plan(db(), me(), task_id, body))


@api.post("/tasks/<int:task_id>/renew")
def renew_task(task_id: int):
    """ "Keep it": the claimant's claim lease starts again."""
    no_body()
    return ok(tasks.renew_task(db(), me(), task_id))


@api.get("/tasks/<int:task_id>")
def get_task(task_id: int):
    return ok(tasks.get_task(db(), me(), task_id))


@api.post("/tasks/<int:task_id>/claim")
def claim_task(task_id: int):
    no_body()  # a body naming anyone else is refused as an unknown field
    return ok(tasks.claim_task(db(), me(), task_id, settings().claim_limit))


@api.post("/tasks/<int:task_id>/release")
def release_task(task_id: int):
    no_body()
    return ok(tasks.release_task(db(), me(), task_id))


@api.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int):
    no_body()
    return ok(tasks.complete_task(db(), me(), task_id))


@api.post("/tasks/<int:task_id>/reopen")
def reopen_task(task_id: int):
    no_body()
    return ok(tasks.reopen_task(db(), me(), task_id))
