"""Where an idea went live: publications (link, channel, when), and the idea's own "done".

Any member records a publication (it is a fact about the world, not a claim on work).
Its author may also mark it done without one (a talk, an internal change), and take that
back (`marked_done`). Neither sets the idea's `status`, which the contract derives from
its tasks alone (board/ideas.py _idea_status). Followers hear of a publication through the
`idea.published` event, which the notifications turn into a `published` notice, and of
the author marking it done by an `idea_done` notice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from board import clock, events, notifications, policy
from board.errors import FieldMessage, Invalid
from board.i18n import N_
from board.ideas import _get_idea, public_idea, serialize_ideas
from board.inputs import url_parts
from board.tasks import allowed_channels, shown_day
from models import Publication, User

URL_MAX = 2000

# A publication is a fact: it happened. At most a few minutes ahead (the clock of whoever
# sends the time may run a little fast); a publication "tomorrow" is a typo, not a plan
# (plans are tasks). Back at most a year: the task force records this year's posts, and
# 1926 is a typo for 2026.
CLOCK_SKEW = timedelta(minutes=5)
RECORD_DAYS_BACK = 366


def _url_problem(url: str) -> str | None:
    if not url.strip():
        return N_("This must not be empty.")
    if len(url) > URL_MAX or any(ch.isspace() or ord(ch) < 32 for ch in url.strip()):
        return N_("Give the full link, starting with https://.")
    parts = url_parts(url.strip())
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return N_("Give the full link, starting with https://.")
    return None


def earliest_publication_day(now: datetime) -> date:
    """The first day a publication may be recorded for (UTC)."""
    return (now - timedelta(days=RECORD_DAYS_BACK)).date()


def publication_day_bounds(now: datetime | None = None) -> tuple[date, date]:
    """The first and the last day the page's form takes for a publication (its day becomes
    a time by `day_published`): a year back, up to the day it already is at UTC+14."""
    now = now or clock.now()
    return earliest_publication_day(now), (now + timedelta(hours=14)).date()


def _published_at_problem(published_at: datetime | None, now: datetime) -> str | None:
    if published_at is None:
        return None
    if published_at > now + CLOCK_SKEW:
        return N_("A publication cannot lie in the future.")
    first = earliest_publication_day(now)
    if published_at.astimezone(UTC).date() < first:
        return FieldMessage(
            "A publication can lie at most a year back, not before %(first)s.",
            first=shown_day(first),
        )
    return None


def day_published(day: date) -> datetime:
    """When a publication known only by its day went live: noon UTC, or now while that is
    still to come on a day that is today somewhere (UTC+14 is a day ahead of UTC)."""
    noon = datetime.combine(day, time(12), tzinfo=UTC)
    now = clock.now()
    if noon > now and day <= (now + timedelta(hours=14)).date():
        return now
    return noon


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
    problem = _published_at_problem(published_at, now)
    if problem:
        fields["published_at"] = problem
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
