"""The people page: everyone on the task force with their department and role and what they
work on now (the tasks they hold, their latest ideas on the board), searchable by name, @handle or
department.

Who sees names is decided in one place (`privacy.sees_names`). A viewer who does not
(an observer in works-council mode) is listed no person: the page shows the departments
and how many people each has on the board, small ones pooled, like the rest of the board.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from board import policy, privacy
from board.db import among_ids, id_list, join_newest
from board.limits import MAX_ID
from board.person_json import person_dict
from board.search import like_escaped
from models import Department, Idea, Task, User
from models.people import display_name_key

IDEAS_SHOWN = 5
TASKS_SHOWN = 10
ROLE_ORDER = {"facilitator": 0, "member": 1, "observer": 2}


def _matching(session: Session, query, q: str):
    """People whose name, handle or department holds `q`. Names and departments are
    compared case-folded in Python (SQLite's lower() folds ASCII only: "özlem" would not
    find "Özlem", nor "öffentlichkeitsarbeit" its department)."""
    folded = display_name_key(q)
    name = "%" + like_escaped(folded) + "%"
    handle = "%" + like_escaped(q.lower()) + "%"
    departments = [
        department_id
        for department_id, department_name in session.execute(_DEPARTMENT_NAMES)
        if folded in display_name_key(department_name)
    ]
    return query.where(
        or_(
            User.display_name_key.like(name, escape="\\"),
            User.handle.like(handle, escape="\\"),
            Department.id.in_(departments),
        )
    )


_DEPARTMENT_NAMES = select(Department.id, Department.name)


def _tasks_held(session: Session, ids: list[int]) -> dict[int, list[dict]]:
    """Per person: the tasks they hold now, the latest claimed first."""
    tasks: dict[int, list[dict]] = defaultdict(list)
    for task in session.scalars(
        select(Task)
        .where(Task.claimed_by_id.in_(ids), Task.status == "claimed")
        .order_by(Task.claimed_at.desc(), Task.id.desc())
    ):
        if len(tasks[task.claimed_by_id]) < TASKS_SHOWN:
            tasks[task.claimed_by_id].append({"id": task.id, "title": task.title})
    return tasks


def tasks_held_by(session: Session, viewer: User, person: User) -> list[dict]:
    """What a person's page shows under "Working on", as the people page does."""
    policy.require(viewer, "board.read")
    return _tasks_held(session, [person.id])[person.id]


def _work_of(session: Session, ids: list[int]) -> tuple[dict, dict, dict]:
    """Per person: the tasks they hold, their latest ideas, how many ideas in all. Only
    ideas everyone reads on the board count: a withdrawn one has left it, and a hidden one's
    title is withheld from everyone but its author and the facilitator. Both are read from
    the index of ideas on the board by author: each person's newest IDEAS_SHOWN walked,
    the rest counted there, none of their other ideas read."""
    dialect = session.get_bind().dialect.name
    tasks = _tasks_held(session, ids)
    people = {"ids": id_list(dialect, ids)}
    counts = dict(session.execute(_counts_statement(dialect), people).all())
    ideas: dict[int, list[dict]] = defaultdict(list)
    for author_id, idea_id, title in session.execute(_latest_ideas_statement(dialect), people):
        ideas[author_id].append({"id": idea_id, "title": title})
    return tasks, ideas, counts


def _on_board(idea) -> tuple:
    return idea.withdrawn_at.is_(None), idea.hidden_at.is_(None)


@functools.lru_cache(maxsize=4)
def _counts_statement(dialect: str):
    """Each listed person's ideas on the board, counted."""
    return (
        select(Idea.author_id, func.count())
        .where(among_ids(Idea.author_id, dialect), *_on_board(Idea))
        .group_by(Idea.author_id)
    )


@functools.lru_cache(maxsize=4)
def _latest_ideas_statement(dialect: str):
    """Each listed person's newest IDEAS_SHOWN ideas on the board, newest first: a walk per
    person that stops there (`join_newest`)."""
    idea = aliased(Idea)
    newest = (
        select(idea.id)
        .where(idea.author_id == User.id, *_on_board(idea))
        .order_by(idea.created_at.desc(), idea.id.desc())
        .limit(IDEAS_SHOWN)
    )
    query = select(Idea.author_id, Idea.id, Idea.title).select_from(User)
    return (
        join_newest(query, Idea, newest, dialect)
        .where(among_ids(User.id, dialect))
        .order_by(Idea.author_id, Idea.created_at.desc(), Idea.id.desc())
    )


def _departments(session: Session, viewer: Any, names_shown: bool) -> list[dict]:
    """Each department with how many people it has on the board (observers not counted);
    for a viewer who sees no names the small ones are pooled, as everywhere else."""
    sizes = privacy.department_sizes(session)
    names = dict(session.execute(select(Department.id, Department.name)).all())
    if names_shown:
        rows = [{"id": d, "name": names[d], "people": n} for d, n in sizes.items()]
    else:
        pooled = privacy.pooled_departments(sizes, privacy.min_group_size())
        rows = [
            {"id": d, "name": names[d], "people": n} for d, n in sizes.items() if d not in pooled
        ]
        if pooled:
            rows.append(
                {
                    "id": privacy.POOLED_ID,
                    "name": privacy.pooled_label(),
                    "people": sum(sizes[d] for d in pooled),
                }
            )
    return sorted(rows, key=lambda row: (row["id"] is None, row["name"].lower()))


def directory(
    session: Session,
    viewer: Any,
    q: str | None = None,
    department_id: int | None = None,
    first: int | None = None,
) -> dict:
    """The people page's content for `viewer` (see the module's docstring): everyone who
    matches (`total` of them), or the `first` so many of them in the page's order, whose
    work alone is read."""
    policy.require(viewer, "board.read")
    names_shown = privacy.sees_names(viewer)
    result: dict[str, Any] = {
        "names_shown": names_shown,
        "departments": _departments(session, viewer, names_shown),
        "items": [],
        "total": 0,
    }
    if not names_shown:
        return result
    query = select(User).join(Department, User.department_id == Department.id)
    query = query.where(User.active.is_(True))
    if q and q.strip():
        query = _matching(session, query, q.strip().lstrip("@"))
    if department_id is not None:
        if not 0 < department_id <= MAX_ID:
            return result
        query = query.where(User.department_id == department_id)
    people = sorted(
        session.scalars(query),
        key=lambda u: (ROLE_ORDER.get(u.role, 9), u.display_name.lower(), u.handle or ""),
    )
    result["total"] = len(people)
    people = people[:first]
    tasks, ideas, counts = _work_of(session, [u.id for u in people])
    result["items"] = [
        {
            **person_dict(person, "actor"),
            "claimed_tasks": tasks.get(person.id, []),
            "ideas": ideas.get(person.id, []),
            "ideas_count": counts.get(person.id, 0),
        }
        for person in people
    ]
    return result
