"""Nudges: short, friendly private messages from the facilitator.

A nudge goes to one person, to whoever holds a task, or to everyone taking part in a
department. It is private (only its recipients and its sender see it, live or through the
event log) and it never changes a task: encouragement, not assignment.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from board import clock, events, notifications, policy
from board.errors import Conflict, Invalid, NotFound
from board.i18n import N_
from board.inputs import shows_nothing
from board.limits import MAX_ID
from board.person_json import department_dict, person_dict
from models import Department, Nudge, NudgeRecipient, Task, User

TARGETS = ("to_user_id", "task_id", "department_id")


def _person(user: User | None) -> dict | None:
    return person_dict(user, "name")


def nudge_dict(session: Session, nudge: Nudge, viewer_id: int | None) -> dict:
    """The nudge as `viewer_id` sees it: `read_at` is their own (null for the sender)."""
    mine = next((r for r in nudge.recipients if r.user_id == viewer_id), None)
    to_user = session.get(User, nudge.to_user_id) if nudge.to_user_id else None
    task = session.get(Task, nudge.task_id) if nudge.task_id else None
    department = session.get(Department, nudge.department_id) if nudge.department_id else None
    return {
        "id": nudge.id,
        "message": nudge.message,
        "from": _person(nudge.sender),
        "to_user_id": nudge.to_user_id,
        "task_id": nudge.task_id,
        "department_id": nudge.department_id,
        "created_at": clock.iso(nudge.created_at),
        "read_at": clock.iso(mine.read_at) if mine else None,
        # Extensions for the inbox: what the target ids name, and which side the viewer is on.
        "to_user": _person(to_user),
        "task": {"id": task.id, "title": task.title} if task else None,
        "department": department_dict(department) if department else None,
        "received": mine is not None,
    }


def _bad(field: str, sentence: str) -> Invalid:
    return Invalid(
        "Some fields are missing or invalid.", code="invalid_fields", fields={field: sentence}
    )


def _recipients(
    session: Session,
    actor: User,
    to_user_id: int | None,
    task_id: int | None,
    department_id: int | None,
) -> list[User]:
    """Who a nudge reaches; refuses targets that reach nobody or the wrong people."""
    if to_user_id is not None:
        person = session.get(User, to_user_id) if 0 < to_user_id <= MAX_ID else None
        if person is None:
            raise _bad("to_user_id", N_("No such person."))
        if person.id == actor.id:
            raise _bad("to_user_id", N_("You cannot nudge yourself."))
        if not policy.can(person, "nudge.receive"):
            raise _bad("to_user_id", N_("Nudges go to people taking part, not to observers."))
        return [person]
    if task_id is not None:
        task = session.get(Task, task_id) if 0 < task_id <= MAX_ID else None
        if task is None:
            raise _bad("task_id", "No such task.")
        holder = task.claimed_by
        if holder is None:
            raise Conflict(
                "Nobody holds this task yet, so there is nobody to nudge; "
                "nudge a person or a department instead.",
                code="task_not_claimed",
            )
        if holder.id == actor.id:
            raise _bad("task_id", N_("You hold this task yourself."))
        if not policy.can(holder, "nudge.receive"):
            raise Conflict(
                "The person holding this task can no longer be nudged.", code="nobody_to_nudge"
            )
        return [holder]
    department = session.get(Department, department_id) if 0 < department_id <= MAX_ID else None
    if department is None:
        raise _bad("department_id", "That department does not exist.")
    people = session.scalars(
        select(User)
        .where(User.department_id == department.id, User.id != actor.id)
        .order_by(User.id)
    )
    reached = [p for p in people if policy.can(p, "nudge.receive")]
    if not reached:
        raise Conflict("Nobody in this department takes part yet.", code="nobody_to_nudge")
    return reached


def send_nudge(
    session: Session,
    actor: User,
    message: str,
    *,
    to_user_id: int | None = None,
    task_id: int | None = None,
    department_id: int | None = None,
) -> dict:
    """Send a nudge to exactly one target. Nothing else changes: no task, no claim."""
    policy.require(actor, "nudge.send")
    named = [
        name
        for name, value in zip(TARGETS, (to_user_id, task_id, department_id), strict=True)
        if value is not None
    ]
    if len(named) != 1:
        fields = {
            name: N_("Name exactly one of to_user_id, task_id, department_id.")
            for name in (named or TARGETS)
        }
        raise Invalid(
            "Name exactly one recipient: a person, a task or a department.",
            code="invalid_fields",
            fields=fields,
        )
    if shows_nothing(message):
        raise _bad("message", N_("This must not be empty."))
    recipients = _recipients(session, actor, to_user_id, task_id, department_id)
    nudge = Nudge(
        message=message.strip(),
        from_id=actor.id,
        sender=actor,
        to_user_id=to_user_id,
        task_id=task_id,
        department_id=department_id,
        created_at=clock.now(),
    )
    nudge.recipients = [NudgeRecipient(user_id=person.id) for person in recipients]
    session.add(nudge)
    session.flush()
    data = nudge_dict(session, nudge, None)
    data.pop("received")
    events.record(
        session,
        "nudge.sent",
        actor,
        {"nudge": data},
        recipients=[person.id for person in recipients] + [actor.id],
    )
    session.commit()
    return nudge_dict(session, nudge, actor.id)


def list_nudges(session: Session, viewer: User, limit: int = 200) -> list[dict]:
    """The viewer's own nudges, received or sent, newest first."""
    policy.require(viewer, "board.read")
    received = select(NudgeRecipient.nudge_id).where(NudgeRecipient.user_id == viewer.id)
    rows = session.scalars(
        select(Nudge)
        .where(or_(Nudge.from_id == viewer.id, Nudge.id.in_(received)))
        .order_by(Nudge.created_at.desc(), Nudge.id.desc())
        .limit(limit)
    )
    return [nudge_dict(session, nudge, viewer.id) for nudge in rows]


def read_receipts(session: Session, sender: User, nudge_ids: list[int]) -> dict[int, tuple]:
    """For the sender's own nudges: {nudge id: (how many recipients read it, how many got it)}."""
    receipts: dict[int, tuple] = {}
    for nudge in session.scalars(
        select(Nudge).where(Nudge.id.in_(nudge_ids), Nudge.from_id == sender.id)
    ):
        read = sum(1 for recipient in nudge.recipients if recipient.read_at is not None)
        receipts[nudge.id] = (read, len(nudge.recipients))
    return receipts


def mark_read(session: Session, actor: User, nudge_id: int) -> dict:
    """Mark a received nudge read; the first time counts, repeating changes nothing."""
    nudge = session.get(Nudge, nudge_id) if 0 < nudge_id <= MAX_ID else None
    if nudge is None:
        raise NotFound("No such nudge.", code="nudge_not_found")
    policy.require(actor, "nudge.read", {r.user_id for r in nudge.recipients})
    mine = next(r for r in nudge.recipients if r.user_id == actor.id)
    if mine.read_at is None:
        mine.read_at = clock.now()
        # The inbox told of this nudge too: read here, it is read there (and the other
        # way round: notifications.mark_read). The reader's other pages are told.
        notifications.read_nudge_notices(session, actor.id, nudge.id, mine.read_at)
        session.commit()
    return nudge_dict(session, nudge, actor.id)


def unread_count(session: Session, user: User) -> int:
    return session.scalar(notifications.unread_nudges_statement(user.id)) or 0
