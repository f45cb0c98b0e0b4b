"""Tasks: anyone but observers creates them; each person claims, releases and completes
tasks for themselves only. There is no assign, reassign or unclaim-for-someone-else here,
and no function that takes a second person: work is only ever taken, never given.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask import current_app, has_app_context, has_request_context
from flask_babel import get_locale
from sqlalchemy import Row, case, func, select, union_all, update
from sqlalchemy.orm import Session, aliased

from board import clock, events, paging, person_json, policy
from board.db import among_ids, id_list
from board.errors import Conflict, FieldMessage, Invalid, NotFound
from board.ideas import author_dict
from board.limits import MAX_ID, TITLE_MAX
from board.person_json import person_dict
from board.settings import DEFAULT_CHANNELS
from models import Department, Idea, Task, User
from models.people import display_name_key

STATUSES = ("open", "claimed", "done")
MAX_TASKS_AT_ONCE = 20  # tasks made from one idea in one go


def claimant_dict(user: User) -> dict:
    """The claimant as the contract's user object (id, email, display_name, role, department)."""
    return person_dict(user, "user")


# How channel names (BOARD_CHANNELS) are written on pages; others are capitalised.
CHANNEL_LABELS = {
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
    "facebook": "Facebook",
    "x": "X",
    "blog": "Blog",
    "newsletter": "Newsletter",
    "intranet": "Intranet",
    "mastodon": "Mastodon",
    "podcast": "Podcast",
    "website": "Website",
}


def channel_label(name: str) -> str:
    """A channel's name as people write it (brand names are not translated)."""
    return CHANNEL_LABELS.get(name) or name.replace("_", " ").replace("-", " ").capitalize()


def allowed_channels() -> tuple[str, ...]:
    """BOARD_CHANNELS of the running app (the default list outside one)."""
    if has_app_context() and "board_settings" in current_app.extensions:
        return current_app.extensions["board_settings"].channels
    return DEFAULT_CHANNELS


def lease_days() -> int:
    """BOARD_CLAIM_LEASE_DAYS of the running app; 0 when leases are off."""
    if has_app_context() and "board_settings" in current_app.extensions:
        return current_app.extensions["board_settings"].claim_lease_days
    return 0


def lease_expires_at(task: Task, days: int | None = None) -> datetime | None:
    """When a claimed task goes back to open unless its claimant touches it; None when off.
    `days`: lease_days(), when the caller asked it once for many tasks."""
    days = lease_days() if days is None else days
    touched = task.touched_at or task.claimed_at
    if not days or task.status != "claimed" or touched is None:
        return None
    return touched + timedelta(days=days)


def task_dict(task: Task) -> dict:
    claimant = claimant_dict(task.claimed_by) if task.claimed_by else None
    return _shown_task(task, claimant, author_dict(task.created_by))


def _shown_task(task: Task, claimed_by: dict | None, created_by: dict) -> dict:
    """A task as the API shows it, its people already in their shapes."""
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "idea_id": task.idea_id,
        "status": task.status,
        "claimed_by": claimed_by,
        "claimed_at": clock.iso(task.claimed_at),
        "completed_at": clock.iso(task.completed_at),
        "created_by": created_by,
        "created_at": clock.iso(task.created_at),
        "channels": [c for c in task.channels_csv.split(",") if c],
        "publish_on": task.publish_on.isoformat() if task.publish_on else None,
        "help_wanted": bool(task.help_wanted),
        "lease_expires_at": clock.iso(lease_expires_at(task)),
        "lease_warning": task.status == "claimed" and task.lease_warned_at is not None,
        "updated_at": clock.iso(task.updated_at),
    }


def check_channels(channels: list[str] | None) -> list[str]:
    """The channels in BOARD_CHANNELS order, each once; Invalid names the unknown ones."""
    allowed = allowed_channels()
    wanted = [c.strip().lower() for c in channels or []]
    unknown = [c for c in wanted if c not in allowed]
    if unknown:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={
                "channels": FieldMessage(
                    "Unknown channel %(names)s; one of: %(choices)s.",
                    names=", ".join(unknown),
                    choices=", ".join(allowed),
                )
            },
        )
    return [c for c in allowed if c in wanted]


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


def tasks_of_ideas(session: Session, viewer: User, idea_ids: list[int]) -> dict[int, list[dict]]:
    """Idea id → its tasks newest first, as `list_tasks(idea_id=…)` gives them, for all the
    ideas in one statement (a closed challenge's results asked idea by idea)."""
    policy.require(viewer, "board.read")
    if not idea_ids:
        return {}
    dialect = session.get_bind().dialect.name
    query = _tasks_query(viewer, None, False, None).where(among_ids(Task.idea_id, dialect))
    found: dict[int, list[dict]] = {}
    for task in session.scalars(query, {"ids": id_list(dialect, idea_ids)}).unique():
        found.setdefault(task.idea_id, []).append(task_dict(task))
    return found


_NEWEST = tuple(column.desc() for column in _NEWEST_FIRST)


def _column_firsts(per_column: int):
    """The ids of each status's newest `per_column` tasks, one `UNION ALL` of three
    `LIMIT`ed selects; each reads its rows in order from ix_tasks_status_newest."""
    return union_all(
        *(
            select(
                select(Task.id)
                .where(Task.status == status)
                .order_by(*_NEWEST)
                .limit(per_column)
                .subquery()
            )
            for status in STATUSES
        )
    )


@functools.cache
def _column_rows(per_column: int):
    """The board's columns as one statement, built once per bound: building it and its
    cache key anew cost a fifth of board_columns."""
    return _COLUMN_ROWS.where(Task.id.in_(_column_firsts(per_column)))


_CLAIMANT = aliased(User)
_CLAIMANT_DEPT = aliased(Department)
_NAMESAKE = aliased(User)
_COUNTED = aliased(Task)
# How many tasks each status has, as columns of the columns' statement: uncorrelated, so
# both databases count once per statement, not per row. The open and the claimed are
# counted from an index that starts with the status; the done (most tasks, a number that
# only grows) are all tasks less those two (the table's CHECK allows no fourth status):
# SQLite counts a whole table from its b-tree's pages, not entry by entry. count(*), not
# count(id): SQLite read each entry's id to ask whether it is NULL (0.20 against 0.12 ms
# at 4,000 tasks).
_COUNTED_STATUSES = ("open", "claimed")
_STATUS_COUNTS = (
    *(
        select(func.count())
        .select_from(_COUNTED)
        .where(_COUNTED.status == status)
        .scalar_subquery()
        .label(f"n_{status}")
        for status in _COUNTED_STATUSES
    ),
    select(func.count()).select_from(_COUNTED).scalar_subquery().label("n_all"),
)
# What a task card prints (web/cards.py, task_card_facts) as plain columns: the task, its
# claimant, whether another active person has the claimant's name (as
# person_json.shared_names answers it, one index probe per claimant) and the title of the
# idea it carries out (none while that idea is hidden). The board's columns, without ORM
# objects, a second statement for the names or a third for the titles.
_COLUMN_ROWS = (
    select(
        Task.id,
        Task.title,
        Task.idea_id,
        Task.status,
        Task.claimed_at,
        Task.completed_at,
        Task.created_at,
        Task.channels_csv.label("channels_csv"),
        Task.publish_on,
        Task.help_wanted,
        _CLAIMANT.id.label("c_id"),
        _CLAIMANT.email.label("c_email"),
        _CLAIMANT.display_name.label("c_name"),
        _CLAIMANT.handle.label("c_handle"),
        _CLAIMANT.role.label("c_role"),
        _CLAIMANT_DEPT.id.label("c_dept_id"),
        _CLAIMANT_DEPT.name.label("c_dept"),
        select(func.count())
        .where(
            _NAMESAKE.active.is_(True),
            _NAMESAKE.display_name_key == _CLAIMANT.display_name_key,
        )
        .scalar_subquery()
        .label("c_namesakes"),
        # A hidden idea's title is withheld from the cards (they then name it by its
        # number), as everywhere but on its own page for its author and the facilitator.
        case((Idea.hidden_at.is_(None), Idea.title)).label("idea_title"),
        *_STATUS_COUNTS,
    )  # fmt: skip
    .outerjoin(_CLAIMANT, _CLAIMANT.id == Task.claimed_by_id)
    .outerjoin(_CLAIMANT_DEPT, _CLAIMANT_DEPT.id == _CLAIMANT.department_id)
    .outerjoin(Idea, Idea.id == Task.idea_id)
)


def board_columns(
    session: Session, viewer: User, per_column: int
) -> tuple[dict[str, list[dict]], dict[str, int], dict[int, str]]:
    """The first `per_column` tasks of each status, newest first, as their cards read them
    (the API's fields a card prints, the claimant in the "user" shape); how many each
    status has; the titles of their ideas (as ideas.idea_titles): one statement whatever
    the number of tasks (the board page's columns)."""
    return columns_of_rows(session, board_column_rows(session, viewer, per_column))


def board_column_rows(session: Session, viewer: User, per_column: int) -> list[Row]:
    """`board_columns` as the statement's rows, newest first, before they are shaped
    (`columns_of_rows`): the board page keeps its columns rendered by these rows."""
    policy.require(viewer, "board.read")
    # plain rows through the connection: no ORM step around the statement
    rows = session.connection().execute(_column_rows(per_column)).all()
    # newest first, sorted here: an ORDER BY had SQLite walk every task's entry in
    # ix_tasks_newest to find the few the statement picks by id
    rows.sort(key=lambda row: (row.created_at, row.id), reverse=True)
    return rows


def columns_of_rows(
    session: Session, rows: list[Row]
) -> tuple[dict[str, list[dict]], dict[str, int], dict[int, str]]:
    """`board_columns` from its rows (`board_column_rows`): made of them alone, and of
    the reader only as person_json shows people (the works-council mask, the language)."""
    claimed = [r for r in rows if r.c_id is not None]
    shared = {display_name_key(r.c_name) for r in claimed if r.c_name and r.c_namesakes > 1}
    claimants = iter(
        person_json.users_of_rows(
            session,
            [
                (r.c_id, r.c_email, r.c_name, r.c_handle, r.c_role, r.c_dept_id, r.c_dept)
                for r in claimed
            ],
            shared,
        )
    )
    columns: dict[str, list[dict]] = {status: [] for status in STATUSES}
    for row in rows:
        columns[row.status].append(
            {
                "id": row.id,
                "title": row.title,
                "idea_id": row.idea_id,
                "status": row.status,
                "claimed_by": next(claimants) if row.c_id is not None else None,
                "claimed_at": clock.iso(row.claimed_at),
                "completed_at": clock.iso(row.completed_at),
                "created_at": clock.iso(row.created_at),
                "channels": [c for c in row.channels_csv.split(",") if c],
                "publish_on": row.publish_on.isoformat() if row.publish_on else None,
                "help_wanted": bool(row.help_wanted),
            }
        )
    titles = {row.idea_id: row.idea_title for row in rows if row.idea_title is not None}
    return columns, column_totals(rows), titles


def column_totals(rows: list[Row]) -> dict[str, int]:
    """How many tasks each status has, from the columns' rows (`board_column_rows`)."""
    # no rows: no tasks of any status
    counts = rows[0]._mapping if rows else {"n_open": 0, "n_claimed": 0, "n_all": 0}
    totals = {status: counts[f"n_{status}"] for status in _COUNTED_STATUSES}
    totals["done"] = counts["n_all"] - sum(totals.values())
    return totals


def column_sizes(rows: list[Row]) -> dict[str, int]:
    """How many tasks each column shows, from its rows (`board_column_rows`)."""
    sizes = dict.fromkeys(STATUSES, 0)
    for row in rows:
        sizes[row.status] += 1
    return sizes


def card_moment(status: str, claimed_at, completed_at):
    """The moment a task's card tells "… ago" of: when it was claimed, or completed (none
    while it is open). For a task as the API shows it and for a row of the board's columns
    (`board_column_rows`) alike."""
    if status == "claimed":
        return claimed_at
    return completed_at if status == "done" else None


def count_tasks(session: Session, viewer: User, status: str, mine: bool = False) -> int:
    """How many tasks have this status (`mine`: held or completed by the viewer)."""
    policy.require(viewer, "board.read")
    query = select(func.count(Task.id)).where(Task.status == status)
    if mine:
        query = query.where(Task.claimed_by_id == viewer.id)
    return session.scalar(query)


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
    shown, next_cursor = _page_of_tasks(session, viewer, status, mine, idea_id, limit, cursor)
    return [task_dict(task) for task in shown], next_cursor


def _page_of_tasks(
    session: Session,
    viewer: User,
    status: str | None,
    mine: bool,
    idea_id: int | None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Task], str | None]:
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
    return shown, next_cursor


def my_tasks(
    session: Session, viewer: User, limit: int
) -> tuple[list[dict], list[dict], list[dict]]:
    """What `viewer` holds, the newest `limit` they completed and the newest `limit` open
    tasks: all three read before the first is shaped, so that whose names are shared is
    asked once for everyone they show."""
    policy.require(viewer, "board.read")
    held = list(session.scalars(_tasks_query(viewer, "claimed", True, None)).unique())
    completed, _more = _page_of_tasks(session, viewer, "done", True, None, limit)
    open_tasks, _more = _page_of_tasks(session, viewer, "open", False, None, limit)
    return tuple([task_dict(task) for task in tasks] for tasks in (held, completed, open_tasks))


def _require_idea(session: Session, idea_id: int | None) -> None:
    if idea_id is not None and (not 0 < idea_id <= MAX_ID or session.get(Idea, idea_id) is None):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"idea_id": "No such idea."},
        )
    if idea_id is not None and session.get(Idea, idea_id).withdrawn_at is not None:
        raise Conflict("Its author has withdrawn this idea.", code="idea_withdrawn")


def create_task(
    session: Session,
    actor: User,
    title: str,
    description: str = "",
    idea_id: int | None = None,
    channels: list[str] | None = None,
    publish_on: date | None = None,
) -> dict:
    """A new, unclaimed task, perhaps already with its channels and publishing day.
    Nobody can create work already on someone."""
    policy.require(actor, "task.create")
    if not title.strip():
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"title": "This must not be empty."},
        )
    _require_idea(session, idea_id)
    chosen = check_channels(channels)
    check_publish_on(publish_on)
    data = _add_task(session, actor, title.strip(), description, idea_id, chosen, publish_on)
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
    session: Session,
    actor: User,
    title: str,
    description: str,
    idea_id: int | None,
    channels: list[str] = (),
    publish_on: date | None = None,
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
        channels_csv=",".join(channels),
        publish_on=publish_on,
        help_wanted=False,
        revision=0,
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
            .values(
                status="claimed",
                claimed_by_id=actor.id,
                claimed_at=now,
                updated_at=now,
                touched_at=now,
                lease_warned_at=None,
                help_wanted=False,
                revision=Task.revision + 1,  # the calendar feed shows who holds it
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if won and held >= claim_limit:
        session.rollback()
        raise Conflict(
            "You hold as many open tasks as one person may (%(limit)s); finish or release one first.",
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


def _claim_ended(now: datetime) -> dict:
    """Asking for help and the lease end with the claim, however it ends; the calendar
    feed's copy of the task changes with it (its SEQUENCE is the task's `revision`)."""
    return {
        "help_wanted": False,
        "lease_warned_at": None,
        "touched_at": None,
        "updated_at": now,
        "revision": Task.revision + 1,
    }


def open_again(now: datetime) -> dict:
    """The column values of a task that goes back to open: by its claimant, by the lease
    rule, or because its claimant was erased."""
    return {"status": "open", "claimed_by_id": None, "claimed_at": None, **_claim_ended(now)}


def _finish_claim(session: Session, actor: User, task_id: int, action: str) -> dict:
    """Release or complete the caller's own claim, as one conditional UPDATE."""
    task = _get_task(session, task_id)
    policy.require(actor, action, task)
    now = clock.now()
    if action == "task.release":
        values = open_again(now)
    else:
        values = {"status": "done", "completed_at": now, **_claim_ended(now)}
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


def reopen_task(session: Session, actor: User, task_id: int) -> dict:
    """A task completed too early goes back to the person who completed it, claimed by them
    again (never to anyone else; the claim limit does not stop a person taking back their
    own work). One conditional UPDATE; reopening what is already open again is a no-op."""
    task = _get_task(session, task_id)
    policy.require(actor, "task.reopen", task)
    now = clock.now()
    values = {
        "status": "claimed",
        "completed_at": None,
        "updated_at": now,
        "touched_at": now,
        "lease_warned_at": None,
        "revision": Task.revision + 1,
    }
    changed, task = _claimant_update(session, actor, task_id, values, ("done",), "task.reopen")
    if not changed:
        if task.status == "claimed":
            return task_dict(task)  # reopened already
        raise Conflict("Only a completed task can be reopened.", code="not_done")
    data = task_dict(task)
    events.record(session, "task.reopened", actor, {"task": data})
    session.commit()
    return data


# ---- the plan: channels, publishing day, help wanted -----------------------------------

# A publishing day is planned: today or later, or a little earlier when the claimant sets
# the plan right after the fact (the post went out late). Further back or ahead it is a
# typo (1926 or 2062 for 2026) that would put the post where nobody looks for it.
PLAN_DAYS_BACK = 30
PLAN_DAYS_AHEAD = 731  # two years: next year's trade fair, not the one after


def publish_on_bounds(now: datetime | None = None) -> tuple[date, date]:
    """The first and the last day a publishing day may be set to now. A day has no time
    zone, so "today" is counted generously: from the date at UTC-12 to the one at UTC+14."""
    now = now or clock.now()
    return (
        (now - timedelta(hours=12)).date() - timedelta(days=PLAN_DAYS_BACK),
        (now + timedelta(hours=14)).date() + timedelta(days=PLAN_DAYS_AHEAD),
    )


def check_publish_on(day: date | None) -> None:
    """Invalid, naming `publish_on`, when `day` lies outside `publish_on_bounds`."""
    if day is None:
        return
    first, last = publish_on_bounds()
    if not first <= day <= last:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={
                "publish_on": FieldMessage(
                    "Choose a day from %(first)s to %(last)s.",
                    first=shown_day(first),
                    last=shown_day(last),
                )
            },
        )


def shown_day(day: date) -> str:
    """A day in the reader's language for an error message ("Nov 7, 2026" / "07.11.2026");
    ISO 8601 outside a request (the CLI, the demo)."""
    locale = get_locale() if has_request_context() else None
    return format_date(day, "medium", locale=locale) if locale else day.isoformat()


def update_plan(session: Session, actor: User, task_id: int, changes: dict) -> dict:
    """The claimant changes any of channels, publish_on and help_wanted (a touch of the
    claim, too). One conditional UPDATE: a claimant who lost the task meanwhile changes
    nothing. `task.updated` tells the board when the plan really changed."""
    task = _get_task(session, task_id)
    policy.require(actor, "task.plan", task)
    values: dict = {}
    if "channels" in changes:
        chosen = check_channels(changes["channels"])
        if chosen != task.channels:
            values["channels_csv"] = ",".join(chosen)
    if "publish_on" in changes and changes["publish_on"] != task.publish_on:
        # Only a new day is checked: a plan stored before the bounds stays editable.
        check_publish_on(changes["publish_on"])
        values["publish_on"] = changes["publish_on"]
    if "help_wanted" in changes and changes["help_wanted"] != task.help_wanted:
        if changes["help_wanted"] and task.status != "claimed":
            raise Conflict("Only a task in progress can ask for help.", code="task_done")
        values["help_wanted"] = changes["help_wanted"]
    if not values:
        return task_dict(task)  # nothing changed, nothing to tell
    now = clock.now()
    values["updated_at"] = now
    if "channels_csv" in values or "publish_on" in values:
        values["revision"] = Task.revision + 1  # calendars must replace their copy
    if task.status == "claimed":
        values.update(touched_at=now, lease_warned_at=None)
    data = _conditional_claimant_update(session, actor, task_id, values, ("claimed", "done"))
    events.record(session, "task.updated", actor, {"task": data})
    session.commit()
    return data


def renew_task(session: Session, actor: User, task_id: int) -> dict:
    """ "Keep it": the claimant touches the claim, so its lease starts again."""
    task = _get_task(session, task_id)
    policy.require(actor, "task.renew", task)
    now = clock.now()
    data = _conditional_claimant_update(
        session, actor, task_id, {"touched_at": now, "lease_warned_at": None}, ("claimed",)
    )
    events.record(session, "task.updated", actor, {"task": data, "reason": "renewed"})
    session.commit()
    return data


def _conditional_claimant_update(
    session: Session, actor: User, task_id: int, values: dict, statuses: tuple[str, ...]
) -> dict:
    changed, task = _claimant_update(session, actor, task_id, values, statuses, "task.plan")
    if not changed:
        if task.status == "done":
            raise Conflict("This task is already done.", code="task_done")
        raise Conflict("This task is not claimed.", code="not_claimed")
    return task_dict(task)


def _claimant_update(
    session: Session,
    actor: User,
    task_id: int,
    values: dict,
    statuses: tuple[str, ...],
    action: str,
) -> tuple[bool, Task]:
    """One conditional UPDATE of a task its claimant holds in one of `statuses`: whether
    it won, and the task as it is now. A loser's transaction is rolled back and `action`
    is checked again on what the task has become (someone else may hold it now)."""
    changed = (
        session.execute(
            update(Task)
            .where(Task.id == task_id, Task.claimed_by_id == actor.id, Task.status.in_(statuses))
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    task = _reload(session, task_id)
    if not changed:
        session.rollback()
        policy.require(actor, action, task)
    return changed, task
