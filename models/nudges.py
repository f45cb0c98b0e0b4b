from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.people import User


class Nudge(Base):
    """A short private message from the facilitator; it never changes a task."""

    __tablename__ = "nudges"

    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str] = mapped_column(Text)
    from_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sender: Mapped[User] = relationship(foreign_keys=[from_id], lazy="joined")
    recipients: Mapped[list[NudgeRecipient]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class NudgeRecipient(Base):
    """Who a nudge reached (one row per person, so each marks it read on their own)."""

    __tablename__ = "nudge_recipients"

    nudge_id: Mapped[int] = mapped_column(ForeignKey("nudges.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
