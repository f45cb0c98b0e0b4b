"""Fixing one's own mistakes: authors edit and delete their comments and withdraw their
ideas. Each is its author's alone (board/policy.py), recorded as an event, and leaves a
trace: an edited comment says so, a deleted one keeps its place without its text, a
withdrawn idea leaves the board's lists but stays in the history and at its address.

Withdrawing an idea touches no task: claimed tasks stay with the people who claimed them,
open ones stay open, done ones done. Nobody's work moves because an idea was withdrawn.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from board import clock, events, images, policy
from board.errors import Conflict, Invalid, NotFound
from board.i18n import N_
from board.ideas import (
    _get_idea,
    check_open_for_changes,
    comment_dict,
    public_idea,
    serialize_ideas,
)
from board.inputs import shows_nothing
from board.limits import MAX_ID
from models import Comment, Idea, User


def _get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id) if 0 < comment_id <= MAX_ID else None
    if comment is None:
        raise NotFound("No such comment.", code="comment_not_found")
    return comment


def _comment_answer(session: Session, comment: Comment, viewer: User | None) -> dict:
    pictures = images.images_of_comments(session, [comment.id]).get(comment.id)
    return comment_dict(comment, viewer, pictures)


def get_comment(session: Session, viewer: User, comment_id: int) -> dict:
    policy.require(viewer, "board.read")
    return _comment_answer(session, _get_comment(session, comment_id), viewer)


def edit_comment(session: Session, actor: User, comment_id: int, body: str) -> dict:
    """Its author rewrites a comment; it shows "edited" from then on."""
    comment = _get_comment(session, comment_id)
    policy.require(actor, "comment.edit", comment)
    if comment.deleted_at is not None:
        raise Conflict("This comment was deleted.", code="comment_deleted")
    check_open_for_changes(_get_idea(session, comment.idea_id), hidden_too=False)
    if shows_nothing(body):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"body": N_("This must not be empty.")},
        )
    if body == comment.body:
        return _comment_answer(session, comment, actor)  # nothing changed, nothing to tell
    comment.body = body
    comment.edited_at = clock.now()
    session.flush()
    images.attach(session, actor, body, comment_id=comment.id)
    events.record(
        session, "comment.updated", actor, {"comment": _comment_answer(session, comment, None)}
    )
    session.commit()
    return _comment_answer(session, comment, actor)


def _scrub(data: dict) -> dict:
    return {**data, "body": "", "body_html": "", "images": [], "deleted": True}


def delete_comment(session: Session, actor: User, comment_id: int) -> dict:
    """Its author deletes a comment: the text and its pictures are gone (from the log's
    copies too), a placeholder keeps its place in the conversation. Deleting twice is a
    no-op."""
    comment = _get_comment(session, comment_id)
    policy.require(actor, "comment.delete", comment)
    if comment.deleted_at is not None:
        return _comment_answer(session, comment, actor)
    now = clock.now()
    changed = session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.deleted_at.is_(None))
        .values(body="", body_html="", deleted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(comment)
    if changed != 1:
        session.rollback()
        return _comment_answer(session, _get_comment(session, comment_id), actor)
    images.drop_images_of_comment(session, comment.id)
    events.rewrite_envelopes(session, "comment", comment.id, _scrub)
    data = _comment_answer(session, comment, None)
    events.record(session, "comment.deleted", actor, {"comment": data})
    session.commit()
    return _comment_answer(session, comment, actor)


def withdraw_idea(session: Session, actor: User, idea_id: int) -> dict:
    """Its author takes an idea back: it leaves the board's lists, keeps its page (marked
    withdrawn) and its history; votes, comments and tasks stay as they are. Final:
    withdrawing twice is a no-op."""
    idea = _get_idea(session, idea_id)
    policy.require(actor, "idea.withdraw", idea)
    if idea.withdrawn_at is None:
        now = clock.now()
        changed = session.execute(
            update(Idea)
            .where(Idea.id == idea.id, Idea.withdrawn_at.is_(None))
            .values(withdrawn_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.expire(idea)
        if changed == 1:
            data = serialize_ideas(session, [idea], actor)[0]
            events.record(session, "idea.withdrawn", actor, {"idea": public_idea(data)})
            session.commit()
            return data
        session.rollback()
    return serialize_ideas(session, [_get_idea(session, idea_id)], actor)[0]
