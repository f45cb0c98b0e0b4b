from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.people import User

TASK_STATUSES = ("open", "claimed", "done")


class Task(Base):
    """A piece of work anyone may create and only its claimant may hold, release or complete."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'claimed', 'done')", name="status"),
        # An open task has no claimant; a claimed or done one always has one.
        CheckConstraint(
            "(status = 'open' AND claimed_by_id IS NULL)"
            " OR (status <> 'open' AND claimed_by_id IS NOT NULL)",
            name="claimant_matches_status",
        ),
        Index("ix_tasks_newest", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")
