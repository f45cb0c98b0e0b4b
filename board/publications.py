"""Where an idea went live: publications (link, channel, when), and the idea's own "done".

Any member records a publication (it is a fact about the world, not a claim on work).
Its author may also mark it done without one (a talk, an internal change), and take that
back (`marked_done`). Neither sets the idea's `status`, which the contract derives from
its tasks alone (board/ideas.py _idea_status). Followers hear of a publication through the
`idea.published` event, which the notifications turn into a `published` notice, and of
the author marking it done by an `idea_done` notice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from board import clock, events, notifications, policy
from board.errors import FieldMessage, Invalid
from board.i18n import N_
from board.ideas import _get_idea, public_idea, serialize_ideas
from board.inputs import url_parts
from board.tasks import allowed_channels
from models import Publication, User

URL_MAX = 2000

# Clocks differ a little; a publication "tomorrow" is a typo, not a plan (plans are tasks).
FUTURE_SLACK = timedelta(hours=24)


def _url_problem(url: str) -> str | None:
    if not url.strip():
        return N_("This must not be empty.")
    if len(url) > URL_MAX or any(ch.isspace() or ord(ch) < 32 for ch in url.strip()):
        return N_("Give the full link, starting with https://.")
    parts = url_parts(url.strip())
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return N_("Give the full link, starting with https://.")
    return None


def record_publication(
    session: Session,
    actor: User,
    idea_id: int,
    url: str,
    channel: str,
    published_at: datetime | None = None,
) -> dict:
    """Record that the idea went live at `url` on `channel` (at `published_at`, else now)."""
    idea = _get_idea(session, idea_id)
    policy.require(actor, "idea.publish", idea)
    now = clock.now()
    fields: dict[str, str] = {}
    problem = _url_problem(url)
    if problem:
        fields["url"] = problem
    channel = (channel or "").strip().lower()
    if channel not in allowed_channels():
        fields["channel"] = FieldMessage(
            "One of: %(choices)s.", choices=", ".join(allowed_channels())
        )
    if published_at is not None and published_at > now + FUTURE_SLACK:
        fields["published_at"] = N_("A publication cannot lie in the future.")
    if fields:
        raise Invalid("Some fields are missing or invalid.", code="invalid_fields", fields=fields)
    session.add(
        Publication(
            idea_id=idea.id,
            url=url.strip(),
            channel=channel,
            published_at=published_at or now,
            by_id=actor.id,
            by=actor,
            created_at=now,
        )
    )
    session.flush()
    data = serialize_ideas(session, [idea], actor)[0]
    events.record(session, "idea.published", actor, {"idea": public_idea(data)})
    session.commit()
    return data


def mark_done(session: Session, actor: User, idea_id: int, done: bool) -> dict:
    """The author says the idea is done (or takes it back); `idea.updated` tells the board."""
    idea = _get_idea(session, idea_id)
    policy.require(actor, "idea.mark_done", idea)
    if (idea.marked_done_at is not None) == done:
        return serialize_ideas(session, [idea], actor)[0]  # nothing to change, nothing to tell
    idea.marked_done_at = clock.now() if done else None
    session.flush()
    data = serialize_ideas(session, [idea], actor)[0]
    events.record(session, "idea.updated", actor, {"idea": public_idea(data)})
    if done and not data["publications"]:
        # It becomes done now (a published idea already was: its followers heard "published").
        notifications.notify(
            session,
            "idea_done",
            notifications.followers(session, idea.id),
            actor=actor,
            idea_id=idea.id,
            data={"title": idea.title},
        )
    session.commit()
    return data
