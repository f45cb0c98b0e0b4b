from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Event(Base):
    """The board's activity log: one row per change, written in the change's transaction.

    `seq` is the global order clients replay by. A private event (a nudge) lists its
    audience in EventRecipient; a public one goes to everyone logged in.
    """

    __tablename__ = "events"
    # The feed's summary (migration 0024): each week's counts of a few types read from the
    # first index alone, and each department probed once for an event in the period (the
    # second, read alone too). The third (migration 0025): a department's page of the feed,
    # newest first, the period, type and privacy tested in the index before a row is read.
    # The last (migration 0029): a period's first event by time, and the events recorded
    # before a period's end and numbered after its first event at or after it, from the
    # index alone (the seq beside the time; SQLite's index on `at` carried it already).
    __table_args__ = (
        Index("ix_events_type_at", "type", "at", "department_id", "private"),
        Index("ix_events_department_id_at", "department_id", "at", "type", "private"),
        Index("ix_events_department_id_seq", "department_id", "seq", "at", "type", "private"),
        Index("ix_events_at_seq", "at", "seq"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # export
    # The department of the actor or of the object, for the observers' feed filter.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    envelope: Mapped[dict] = mapped_column(JSON)


class EventRecipient(Base):
    __tablename__ = "event_recipients"

    seq: Mapped[int] = mapped_column(ForeignKey("events.seq"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class EventPerson(Base):
    """A person an event's envelope names: any person's dict in it (the actor, an author, a
    claimant, a nudge's sender or recipient). Written by a trigger on `events` from the
    envelope itself, whoever writes the row (board/personal_data.py, NAMED_*), so that an
    erasure rewrites the envelopes naming the person without reading the whole log. No key
    to users: the rows say what an envelope holds, and an event is never refused for it."""

    __tablename__ = "event_people"

    seq: Mapped[int] = mapped_column(ForeignKey("events.seq", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True, index=True)


class EventObject(Base):
    """An idea or comment an event's envelope carries as `data.<kind>` (its `id` a whole
    number). Written by a trigger on `events` from the envelope itself, whoever writes the
    row (board/events.py, CARRIED_*), so that hiding an idea or deleting a comment rewrites
    the envelopes carrying it without reading the whole log."""

    __tablename__ = "event_objects"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    object_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(
        ForeignKey("events.seq", ondelete="CASCADE"), primary_key=True, index=True
    )
