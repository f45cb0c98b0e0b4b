"""Claim leases (BOARD_CLAIM_LEASE_DAYS, off by default): a claimed task its claimant has
not touched for N days goes back to open by the rule the task force agreed on.

It is the rule that releases, never a person: the envelope is `task.released` with
`actor: null` and `data.reason: "lease_expired"`, written by the server's own schedule
(board/scheduler.py). Two days before, the claimant is warned once (a `claim_expiring`
notification, and the task's `lease_warning` flag);
"keep it" (tasks.renew_task) or any change of the plan starts the lease again. Each step
is a conditional UPDATE, so with several server processes it happens exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from board import events
from board.notifications import notify
from board.tasks import open_again, task_dict
from models import Task, User

WARN_DAYS_BEFORE = 2
log = logging.getLogger(__name__)


def _touched():
    return func.coalesce(Task.touched_at, Task.claimed_at)


def check_leases(session: Session, now: datetime, days: int) -> list[dict]:
    """Release expired claims and warn the ones about to expire; the envelopes written."""
    if not days:
        return []
    expire_before = now - timedelta(days=days)
    warn_before = now - timedelta(days=days - WARN_DAYS_BEFORE)
    expired = session.execute(
        select(Task.id, Task.claimed_by_id).where(
            Task.status == "claimed", _touched() <= expire_before
        )
    ).all()
    expiring = session.execute(
        select(Task.id, Task.claimed_by_id).where(
            Task.status == "claimed",
            Task.lease_warned_at.is_(None),
            _touched() <= warn_before,
            _touched() > expire_before,
        )
    ).all()
    session.rollback()  # end the read: each step is its own short transaction
    envelopes: list[dict] = []
    for task_id, claimant_id in expired:
        envelopes.extend(_expire(session, task_id, claimant_id, expire_before, now))
    for task_id, claimant_id in expiring:
        envelopes.extend(_warn(session, task_id, claimant_id, warn_before, now))
    return envelopes


def _expire(
    session: Session, task_id: int, claimant_id: int, expire_before: datetime, now: datetime
) -> list[dict]:
    untouched = [_touched() <= expire_before]  # a "keep it" meanwhile wins
    if not _change_claim(session, task_id, claimant_id, untouched, open_again(now)):
        return []
    return [_record(session, task_id, claimant_id, "task.released", "lease_expired")]


def _warn(
    session: Session, task_id: int, claimant_id: int, warn_before: datetime, now: datetime
) -> list[dict]:
    not_warned = [Task.lease_warned_at.is_(None), _touched() <= warn_before]
    if not _change_claim(session, task_id, claimant_id, not_warned, {"lease_warned_at": now}):
        return []
    _notify_claimant(session, session.get(Task, task_id), claimant_id)
    return [_record(session, task_id, claimant_id, "task.updated", "claim_expiring")]


def _change_claim(
    session: Session, task_id: int, claimant_id: int, conditions: list, values: dict
) -> bool:
    """Write `values` to the task only while `claimant_id` still holds it and `conditions`
    hold: the database decides against a release, a completion or a "keep it" meanwhile.
    Rolled back when it no longer applies."""
    statement = (
        update(Task)
        .where(
            Task.id == task_id,
            Task.status == "claimed",
            Task.claimed_by_id == claimant_id,
            *conditions,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if session.execute(statement).rowcount != 1:
        session.rollback()
        return False
    session.expire_all()
    return True


def _record(session: Session, task_id: int, claimant_id: int, kind: str, reason: str) -> dict:
    """The change's event (in the claimant's department's feed), committed."""
    task = session.get(Task, task_id)
    claimant = session.get(User, claimant_id)
    envelope = events.record(
        session,
        kind,
        None,
        {"task": task_dict(task), "reason": reason},
        department_id=claimant.department_id if claimant else None,
    )
    session.commit()
    return envelope


def _notify_claimant(session: Session, task: Task, claimant_id: int) -> None:
    """A `claim_expiring` notification in the claimant's inbox (and mail, as they chose)."""
    notify(
        session,
        "claim_expiring",
        [claimant_id],
        task_id=task.id,
        idea_id=task.idea_id,
        data={"task": task.title},
    )
