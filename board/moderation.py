"""Moderation in the open, without a boss.

Anyone taking part (members and the facilitator; observers watch) may flag an idea or a
comment with a reason: off-topic, confidential, breaks our guidelines, or their own words.
Two things hide it: the facilitator, with a reason everyone reads, or flags from
FLAG_DEPARTMENTS different departments. A hidden idea or comment keeps its place on the
board and in the feed with that reason ("hidden by the facilitator: confidential launch
date"); its words and pictures are withheld from everyone but its author and the
facilitator, also in the log's stored copies. Only the facilitator shows it again, and
that clears the flags that hid it. Every hide and unhide is kept in `moderation_actions`
(what, who, why, when) and told as an event. Nothing is deleted, and no task moves.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from board import clock, events, policy
from board.errors import Conflict, Invalid, NotFound
from board.i18n import N_
from board.ideas import (
    author_dict,
    comment_dict,
    hidden_dict,
    public_idea,
    redact_comment,
    redact_idea,
    serialize_ideas,
)
from board.inputs import shows_nothing
from board.limits import MAX_ID
from models import FLAG_REASONS, Comment, Flag, Idea, ModerationAction, User

FLAG_DEPARTMENTS = 3  # flags from this many departments hide a thing
REASON_MAX = 300
# How a flag's reason reads on pages and in the feed.
REASON_LABELS = {
    "off_topic": N_("off-topic"),
    "confidential": N_("confidential"),
    "guidelines": N_("breaks our guidelines"),
    "other": N_("something else"),
}


def _target(session: Session, kind: str, target_id: int) -> Idea | Comment:
    model = Idea if kind == "idea" else Comment
    row = session.get(model, target_id) if 0 < target_id <= MAX_ID else None
    if row is None and kind == "idea":
        raise NotFound("No such idea.", code="idea_not_found")
    if row is None:
        raise NotFound("No such comment.", code="comment_not_found")
    return row


def _invalid(name: str, problem: str) -> Invalid:
    return Invalid(
        "Some fields are missing or invalid.", code="invalid_fields", fields={name: problem}
    )


def _state(session: Session, kind: str, row: Idea | Comment, viewer: User) -> dict:
    mine = session.scalar(
        select(Flag).where(
            Flag.target_kind == kind,
            Flag.target_id == row.id,
            Flag.user_id == viewer.id,
            Flag.cleared_at.is_(None),
        )
    )
    return {
        "target_kind": kind,
        "target_id": row.id,
        "flagged": mine is not None,
        "reason": mine.reason if mine else None,
        "hidden": hidden_dict(row),
    }


def _facilitator_ids(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(User.role == "facilitator")))


def flag(
    session: Session, actor: User, kind: str, target_id: int, reason: str, note: str = ""
) -> dict:
    """The caller flags an idea or comment (once; flagging again replaces the reason). The
    facilitator hears of it; flags from FLAG_DEPARTMENTS departments hide it."""
    row = _target(session, kind, target_id)
    policy.require(actor, "content.flag", row)
    if reason not in FLAG_REASONS:
        raise _invalid("reason", N_("One of: off_topic, confidential, guidelines, other."))
    note = (note or "").strip()
    if reason == "other" and shows_nothing(note):
        raise _invalid("note", N_("Say in a few words what is wrong."))
    if len(note) > REASON_MAX:
        raise _invalid("note", N_("At most 300 characters."))
    if kind == "comment" and row.deleted_at is not None:
        raise Conflict("This comment was deleted.", code="comment_deleted")
    now = clock.now()
    values = {"reason": reason, "note": note, "created_at": now, "cleared_at": None}
    try:
        with session.begin_nested():
            session.add(
                Flag(
                    target_kind=kind,
                    target_id=row.id,
                    user_id=actor.id,
                    department_id=actor.department_id,
                    **values,
                )
            )
    except IntegrityError:
        session.execute(
            update(Flag)
            .where(Flag.target_kind == kind, Flag.target_id == row.id, Flag.user_id == actor.id)
            .values(department_id=actor.department_id, **values)
        )
    flag_data = {"target_kind": kind, "target_id": row.id, "reason": reason, "note": note}
    if kind == "comment":
        flag_data["idea_id"] = row.idea_id
    events.record(
        session,
        "content.flagged",
        actor,
        {"flag": flag_data},
        recipients=[*_facilitator_ids(session), actor.id],
    )
    if row.hidden_at is None:
        _hide_if_enough_flags(session, kind, row)
    session.commit()
    return _state(session, kind, row, actor)


def _hide_if_enough_flags(session: Session, kind: str, row: Idea | Comment) -> None:
    active = session.execute(
        select(Flag.department_id, Flag.reason).where(
            Flag.target_kind == kind, Flag.target_id == row.id, Flag.cleared_at.is_(None)
        )
    ).all()
    departments = {department for department, _reason in active if department is not None}
    if len(departments) < FLAG_DEPARTMENTS:
        return
    # The reason most of them gave (ties: the more serious one, in FLAG_REASONS order).
    counts = Counter(reason for _department, reason in active)
    reason = max(FLAG_REASONS, key=lambda r: (counts[r], -FLAG_REASONS.index(r)))
    _hide(session, None, kind, row, reason, departments=len(departments))


def _hide(
    session: Session,
    actor: User | None,
    kind: str,
    row: Idea | Comment,
    reason: str,
    departments: int | None = None,
) -> bool:
    now = clock.now()
    model = type(row)
    changed = session.execute(
        update(model)
        .where(model.id == row.id, model.hidden_at.is_(None))
        .values(hidden_at=now, hidden_by_id=actor.id if actor else None, hidden_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(row)
    if changed != 1:
        return False  # hidden meanwhile (another flag, or the facilitator)
    session.add(
        ModerationAction(
            target_kind=kind,
            target_id=row.id,
            action="hide",
            by_id=actor.id if actor else None,
            reason=reason,
            at=now,
        )
    )
    if kind == "idea":
        events.rewrite_envelopes(session, "idea", row.id, redact_idea)
    else:
        events.rewrite_envelopes(session, "comment", row.id, redact_comment)
    data = _public(session, kind, row)
    if departments is not None:
        data["departments"] = departments
    events.record(
        session,
        f"{kind}.hidden",
        actor,
        data,
        department_id=row.author.department_id if actor is None else None,
    )
    return True


def _public(session: Session, kind: str, row: Idea | Comment) -> dict:
    if kind == "idea":
        return {"idea": public_idea(serialize_ideas(session, [row], None)[0])}
    return {"comment": comment_dict(row, None)}


def hide(session: Session, actor: User, kind: str, target_id: int, reason: str) -> dict:
    """The facilitator hides an idea or comment, saying why (everyone reads the reason)."""
    row = _target(session, kind, target_id)
    policy.require(actor, "content.hide", row)
    reason = (reason or "").strip()
    if shows_nothing(reason):
        raise _invalid("reason", N_("Say why, for everyone to read."))
    if len(reason) > REASON_MAX:
        raise _invalid("reason", N_("At most 300 characters."))
    if row.hidden_at is None and _hide(session, actor, kind, row, reason):
        session.commit()
    else:
        session.rollback()
    return _state(session, kind, _target(session, kind, target_id), actor)


def unhide(session: Session, actor: User, kind: str, target_id: int) -> dict:
    """The facilitator shows it again; the flags that hid it no longer count."""
    row = _target(session, kind, target_id)
    policy.require(actor, "content.unhide", row)
    now = clock.now()
    model = type(row)
    changed = session.execute(
        update(model)
        .where(model.id == row.id, model.hidden_at.is_not(None))
        .values(hidden_at=None, hidden_by_id=None, hidden_reason=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(row)
    if changed != 1:
        session.rollback()
        return _state(session, kind, _target(session, kind, target_id), actor)
    session.execute(
        update(Flag)
        .where(Flag.target_kind == kind, Flag.target_id == row.id, Flag.cleared_at.is_(None))
        .values(cleared_at=now)
    )
    session.add(
        ModerationAction(
            target_kind=kind, target_id=row.id, action="unhide", by_id=actor.id, at=now
        )
    )
    events.record(session, f"{kind}.unhidden", actor, _public(session, kind, row))
    session.commit()
    return _state(session, kind, row, actor)


def list_flags(session: Session, viewer: User) -> list[dict]:
    """What people flagged and the facilitator has not yet shown again, with every flag's
    reason, note and person; and what is hidden right now. Newest first."""
    policy.require(viewer, "flags.list")
    flags = session.scalars(
        select(Flag).where(Flag.cleared_at.is_(None)).order_by(Flag.created_at.desc(), Flag.id)
    ).all()
    people = {
        user.id: user
        for user in session.scalars(select(User).where(User.id.in_({f.user_id for f in flags})))
    }
    grouped: dict[tuple[str, int], list[Flag]] = {}
    for row in flags:
        grouped.setdefault((row.target_kind, row.target_id), []).append(row)
    for kind, model in (("idea", Idea), ("comment", Comment)):
        for hidden_id in session.scalars(select(model.id).where(model.hidden_at.is_not(None))):
            grouped.setdefault((kind, hidden_id), [])
    items = []
    for (kind, target_id), rows in grouped.items():
        target = _target(session, kind, target_id)
        items.append(
            {
                "target_kind": kind,
                "target_id": target_id,
                "idea_id": target.id if kind == "idea" else target.idea_id,
                "title": target.title if kind == "idea" else "",
                "excerpt": (target.body or "")[:200],
                "author": author_dict(target.author),
                "hidden": hidden_dict(target),
                "flags": [
                    {
                        "reason": row.reason,
                        "note": row.note,
                        "by": author_dict(people[row.user_id]),
                        "at": clock.iso(row.created_at),
                    }
                    for row in rows
                ],
            }
        )
    return items
