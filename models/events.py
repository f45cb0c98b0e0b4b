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
    # first index alone, and each department probed once for an event in the period.
    __table_args__ = (
        Index("ix_events_type_at", "type", "at", "department_id", "private"),
        Index("ix_events_department_id_at", "department_id", "at"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # export
    # The department of the actor or of the object, for the observers' feed filter.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    envelope: Mapped[dict] = mapped_column(JSON)


class EventRecipient(Base):
    __tablename__ = "event_recipients"

    seq: Mapped[int] = mapped_column(ForeignKey("events.seq"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
