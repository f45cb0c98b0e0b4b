"""The event log: every change records its envelope in the change's own transaction;
envelopes are published to Socket.IO rooms only after that transaction commits.

Audience is a permission decision and lives here: a public event goes to the board
room, a private one (a nudge) only to the `user:<id>` rooms of the people it names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from board import clock
from models import Event, EventRecipient

PUBLIC_ROOM = "board"
EVENT_TYPES = {
    "idea.created", "idea.updated", "idea.votes_changed", "comment.created",
    "task.created", "task.claimed", "task.released", "task.completed",
    "prompt.created", "prompt.phase_changed", "nudge.sent",
}
# Any constant: serialises event writers on PostgreSQL so that seq order is commit order
# and a client asking for `after=SEQ` can never miss an event that commits later.
_PG_EVENT_LOCK = 7_310_214
_PENDING = "board_pending_events"

Publisher = Callable[[dict, list[str]], None]
_publishers: list[Publisher] = []


def user_summary(user: Any) -> dict | None:
    if user is None:
        return None
    return {
        "id": user.id,
        "display_name": user.display_name,
        "role": user.role,
        "department": {"id": user.department.id, "name": user.department.name},
    }


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def record(session: Session, type: str, actor: Any, data: dict, *,
           department_id: int | None = None,
           recipients: Iterable[int] | None = None,
           anonymous: bool = False) -> dict:
    """Write one event in the current transaction and queue it for publishing on commit.

    `recipients` makes the event private to those user ids; `anonymous` drops the actor
    (votes never name their voter). Call it last in a service, after the change itself.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_EVENT_LOCK})
    shown_actor = None if anonymous else actor
    at = clock.now()
    body = {"type": type, "at": clock.iso(at), "actor": user_summary(shown_actor), "data": data}
    row = Event(
        type=type, at=at, actor_id=shown_actor.id if shown_actor is not None else None,
        department_id=department_id if department_id is not None else (
            shown_actor.department_id if shown_actor is not None else None),
        private=recipients is not None, envelope=body,
    )
    session.add(row)
    session.flush()
    rooms = [PUBLIC_ROOM]
    if recipients is not None:
        ids = sorted(set(recipients))
        session.add_all(EventRecipient(seq=row.seq, user_id=uid) for uid in ids)
        rooms = [user_room(uid) for uid in ids]
    envelope = {"seq": row.seq, **body}
    session.info.setdefault(_PENDING, []).append((envelope, rooms))
    return envelope


def envelope_of(row: Event) -> dict:
    return {"seq": row.seq, **row.envelope}


def events_after(session: Session, viewer: Any, after: int, limit: int) -> list[dict]:
    """The envelopes `viewer` may see with seq > after, in seq order."""
    mine = select(EventRecipient.seq).where(EventRecipient.user_id == viewer.id)
    rows = session.scalars(
        select(Event)
        .where(Event.seq > after, or_(Event.private.is_(False), Event.seq.in_(mine)))
        .order_by(Event.seq)
        .limit(limit)
    )
    return [envelope_of(row) for row in rows]


def add_publisher(publisher: Publisher) -> None:
    """Register a callable(envelope, rooms) run after each commit (Socket.IO, tests)."""
    if publisher not in _publishers:
        _publishers.append(publisher)


def remove_publisher(publisher: Publisher) -> None:
    if publisher in _publishers:
        _publishers.remove(publisher)


@sa_event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for envelope, rooms in pending or ():
        for publisher in list(_publishers):
            publisher(envelope, rooms)


@sa_event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
