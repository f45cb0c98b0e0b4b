"""Tasks: anyone but observers creates them; each person claims, releases and completes
tasks for themselves only. There is no assign, reassign or unclaim-for-someone-else here,
and no function that takes a second person: work is only ever taken, never given.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from board import clock, events, paging, policy
from board.errors import Conflict, FieldMessage, Invalid, NotFound
from board.ideas import author_dict
from board.limits import MAX_ID, TITLE_MAX
from board.person_json import person_dict
from models import Idea, Task, User

STATUSES = ("open", "claimed", "done")
MAX_TASKS_AT_ONCE = 20  # tasks made from one idea in one go


def claimant_dict(user: User) -> dict:
    """The claimant as the contract's user object (id, email, display_name, role, department)."""
    return person_dict(user, "user")


def task_dict(task: Task) -> dict:
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "idea_id": task.idea_id,
        "status": task.status,
        "claimed_by": claimant_dict(task.claimed_by) if task.claimed_by else None,
        "claimed_at": clock.iso(task.claimed_at),
        "completed_at": clock.iso(task.completed_at),
        "created_by": author_dict(task.created_by),
        "created_at": clock.iso(task.created_at),
    }


def _get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id) if 0 < task_id <= MAX_ID else None
    if task is None:
        raise NotFound("No such task.", code="task_not_found")
    return task


def get_task(session: Session, viewer: User, task_id: int) -> dict:
    policy.require(viewer, "board.read")
    return task_dict(_get_task(session, task_id))


_NEWEST_FIRST = (Task.created_at, Task.id)


def _tasks_query(viewer: User, status: str | None, mine: bool, idea_id: int | None):
    query = select(Task).order_by(*(column.desc() for column in _NEWEST_FIRST))
    if status is not None:
        query = query.where(Task.status == status)
    if mine:
        query = query.where(Task.claimed_by_id == viewer.id)
    if idea_id is not None:
        query = query.where(Task.idea_id == idea_id)
    return query


def list_tasks(
    session: Session,
    viewer: User,
    status: str | None = None,
    mine: bool = False,
    idea_id: int | None = None,
) -> list[dict]:
    """Tasks newest first, in one query (claimant and creator joined)."""
    policy.require(viewer, "board.read")
    query = _tasks_query(viewer, status, mine, idea_id)
    return [task_dict(task) for task in session.scalars(query).unique()]


def page_tasks(
    session: Session,
    viewer: User,
    status: str | None = None,
    mine: bool = False,
    idea_id: int | None = None,
    limit: int = paging.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> tuple[list[dict], str | None]:
    """One page of tasks, newest first, after `cursor`; and the next page's cursor."""
    policy.require(viewer, "board.read")
    query = _tasks_query(viewer, status, mine, idea_id)
    if cursor:
        key = paging.decode(cursor, "new", (paging.TIME, paging.INT))
        query = query.where(paging.after(_NEWEST_FIRST, key))
    rows = list(session.scalars(query.limit(limit + 1)).unique())
    shown = rows[:limit]
    next_cursor = (
        paging.encode("new", (shown[-1].created_at, shown[-1].id)) if len(rows) > limit else None
    )
    return [task_dict(task) for task in shown], next_cursor


def _require_idea(session: Session, idea_id: int | None) -> None:
    if idea_id is not None and (not 0 < idea_id <= MAX_ID or session.get(Idea, idea_id) is None):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"idea_id": "No such idea."},
        )


def create_task(
    session: Session, actor: User, title: str, description: str = "", idea_id: int | None = None
) -> dict:
    """A new, unclaimed task. Nobody can create work already on someone."""
    policy.require(actor, "task.create")
    if not title.strip():
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"title": "This must not be empty."},
        )
    _require_idea(session, idea_id)
    data = _add_task(session, actor, title.strip(), description, idea_id)
    session.commit()
    return data


def create_tasks_for_idea(
    session: Session, actor: User, idea_id: int, titles: list[str]
) -> list[dict]:
    """Several unclaimed tasks that carry out one idea (a challenge's winner, say), one per
    title: all of them or none, in one transaction, with a `task.created` event each."""
    policy.require(actor, "task.create")
    titles = [title.strip() for title in titles if title.strip()]
    if not titles or len(titles) > MAX_TASKS_AT_ONCE:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={
                "titles": FieldMessage(
                    "Write 1 to %(limit)s tasks, one per line.", limit=MAX_TASKS_AT_ONCE
                )
            },
        )
    if any(len(title) > TITLE_MAX for title in titles):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"titles": FieldMessage("At most %(limit)s characters.", limit=TITLE_MAX)},
        )
    _require_idea(session, idea_id)
    created = [_add_task(session, actor, title, "", idea_id) for title in titles]
    session.commit()
    return created


def _add_task(
    session: Session, actor: User, title: str, description: str, idea_id: int | None
) -> dict:
    """One open task and its event, in the caller's transaction (not committed)."""
    now = clock.now()
    task = Task(
        title=title,
        description=description,
        idea_id=idea_id,
        status="open",
        created_by_id=actor.id,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    data = task_dict(task)
    events.record(session, "task.created", actor, {"task": data})
    return data


def _lock_claimant(session: Session, actor: User) -> None:
    """Serialise one person's claims so the claim limit holds under concurrency.

    SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL locks the person's row
    FOR NO KEY UPDATE: it queues their other claims, yet never blocks the inserts that merely
    reference them (votes, comments, nudge and event recipients), which FOR UPDATE would, up
    to a deadlock with the event log's lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(User.id).where(User.id == actor.id).with_for_update(key_share=True))


def _reload(session: Session, task_id: int) -> Task:
    session.expire_all()
    return _get_task(session, task_id)


def claim_task(session: Session, actor: User, task_id: int, claim_limit: int) -> dict:
    """Claim for the caller only: one conditional UPDATE, so one of many racers wins."""
    task = _get_task(session, task_id)
    policy.require(actor, "task.claim", task)
    _lock_claimant(session, actor)
    held = session.scalar(
        select(func.count(Task.id)).where(Task.claimed_by_id == actor.id, Task.status == "claimed")
    )
    now = clock.now()
    won = (
        session.execute(
            update(Task)
            .where(Task.id == task_id, Task.status == "open", Task.claimed_by_id.is_(None))
            .values(status="claimed", claimed_by_id=actor.id, claimed_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if won and held >= claim_limit:
        session.rollback()
        raise Conflict(
            "You already hold %(limit)s open tasks; finish or release one first.",
            code="claim_limit",
            limit=claim_limit,
        )
    task = _reload(session, task_id)
    if not won:
        session.rollback()
        if task.status == "claimed" and task.claimed_by_id == actor.id:
            return task_dict(task)  # claiming what you hold is a no-op
        if task.status == "done":
            raise Conflict("This task is done and can no longer be claimed.", code="task_done")
        raise Conflict("Someone else has already claimed this task.", code="already_claimed")
    data = task_dict(task)
    events.record(session, "task.claimed", actor, {"task": data})
    session.commit()
    return data


def _finish_claim(session: Session, actor: User, task_id: int, action: str) -> dict:
    """Release or complete the caller's own claim, as one conditional UPDATE."""
    task = _get_task(session, task_id)
    policy.require(actor, action, task)
    now = clock.now()
    if action == "task.release":
        values = {"status": "open", "claimed_by_id": None, "claimed_at": None, "updated_at": now}
    else:
        values = {"status": "done", "completed_at": now, "updated_at": now}
    changed = (
        session.execute(
            update(Task)
            .where(Task.id == task_id, Task.claimed_by_id == actor.id, Task.status == "claimed")
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    task = _reload(session, task_id)
    if not changed:
        session.rollback()
        if action == "task.complete" and task.status == "done" and task.claimed_by_id == actor.id:
            return task_dict(task)  # completing twice is a no-op
        if task.status == "done":
            raise Conflict("This task is already done.", code="task_done")
        policy.require(actor, action, task)  # someone else holds it now
        raise Conflict("This task is not claimed.", code="not_claimed")
    data = task_dict(task)
    event_type = "task.released" if action == "task.release" else "task.completed"
    events.record(session, event_type, actor, {"task": data})
    session.commit()
    return data


def release_task(session: Session, actor: User, task_id: int) -> dict:
    return _finish_claim(session, actor, task_id, "task.release")


def complete_task(session: Session, actor: User, task_id: int) -> dict:
    return _finish_claim(session, actor, task_id, "task.complete")
