"""The calendar's copies of tasks that show their claimant: a task's `revision` is the
SEQUENCE of its event in a subscribed calendar (docs/calendar.md), and a calendar app
keeps the copy it holds unless SEQUENCE grows. The feed names who holds a task, or to an
observer in works-council mode their department, small departments pooled as "another
department" (board/privacy.py). So a change to a person, or to who takes part where,
raises the revision of the tasks it shows differently, in the change's own transaction.
Not a change of the work itself: `updated_at` (how long a claim has been quiet) stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import false, select, update
from sqlalchemy.orm import Session

from board import privacy
from models import Task, User


def claimant_renamed(session: Session, user_id: int) -> None:
    """The calendar feed names who holds a task: their new name is a new copy of each task
    they hold (SEQUENCE), in the rename's transaction. Not a change of the work itself, so
    `updated_at` (how long a claim has been quiet) stays."""
    _claimants_shown_anew(session, Task.claimed_by_id == user_id)


def claimants_moved(session: Session, user_id: int | None, departments: set[int]) -> None:
    """An observer in works-council mode reads a claimant as their department: a person's
    new department is a new copy of each task they hold, as a new name is. So is every task
    held by someone of `departments`, those the move took into or out of the pool of small
    ones ("someone from another department"), though their claimants stayed where they were."""
    holders = Task.claimed_by_id == user_id if user_id is not None else false()
    if departments:
        moved = select(User.id).where(User.department_id.in_(sorted(departments)))
        holders = holders | Task.claimed_by_id.in_(moved)
    _claimants_shown_anew(session, holders)


def _claimants_shown_anew(session: Session, holders) -> None:
    session.execute(
        update(Task)
        .where(holders, Task.status == "claimed")
        .values(revision=Task.revision + 1)
        .execution_options(synchronize_session=False)
    )


@contextmanager
def regrouping(session: Session, moved_id: int | None = None) -> Iterator[None]:
    """Around a change of who takes part where: a newcomer, a move (`moved_id`), a role, a
    new department, a removal or an erasure. The departments it takes into or out of the
    pool of small ones show their claimants anew (claimants_moved)."""
    before = _pooled(session)
    yield
    session.flush()
    departments = before ^ _pooled(session)
    if departments or moved_id is not None:
        claimants_moved(session, moved_id, departments)


def _pooled(session: Session) -> set[int]:
    sizes = privacy.department_sizes(session)
    return privacy.pooled_departments(sizes, privacy.min_group_size())
