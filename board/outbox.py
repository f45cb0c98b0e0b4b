"""Queues of outgoing work (mails, webhook deliveries): rows that wait until they are due,
are claimed by one sender at a time and go back to the queue when their sender died.

A row (OutgoingMail, WebhookDelivery) has `id`, `status` (`pending`, `sending`, then the
queue's own end states), `next_attempt_at`, `claimed_at` and `claim_token`. Several
processes may send from one queue: a claim is a conditional update, so the database picks
exactly one sender for each row.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from board import clock
from board.db import written


def due_ids(session: Session, model: Any, now: datetime, stale: timedelta, limit: int) -> list[int]:
    """The ids of up to `limit` rows due at `now`, oldest first, after putting back in the
    queue the rows a sender left in `sending` for longer than `stale` (it crashed). Commits.

    The statuses are written into the statements: few rows hold them, and a bound one gets
    a generic plan that walks every row ever sent (db.written)."""
    session.execute(
        update(model)
        .where(model.status == written("sending"), model.claimed_at < now - stale)
        .values(status="pending")
    )
    due = list(
        session.scalars(
            select(model.id)
            .where(model.status == written("pending"), model.next_attempt_at <= now)
            .order_by(model.id)
            .limit(limit)
        )
    )
    session.commit()
    return due


def claim(session: Session, model: Any, row_id: int) -> Any | None:
    """The row, now `sending` and this sender's, or None when another sender took it first
    (or it is no longer pending). Commits the claim before anything is sent."""
    won = session.execute(
        update(model)
        .where(model.id == row_id, model.status == "pending")
        .values(status="sending", claimed_at=clock.now(), claim_token=secrets.token_hex(8))
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if won != 1:
        return None
    row = session.get(model, row_id)
    session.refresh(row)  # the identity map may hold it as it was before the claim
    return row
