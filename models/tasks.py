from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
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
        # The board's columns: the newest tasks of one status (tasks.board_columns).
        Index("ix_tasks_status_newest", "status", "created_at", "id"),
        # The help report (0028): finished tasks per person and week, and when each person
        # last created, claimed or finished one.
        Index("ix_tasks_status_completed_at", "status", "completed_at", "claimed_by_id"),
        Index("ix_tasks_created_by_id_created_at", "created_by_id", "created_at"),
        Index("ix_tasks_claimed_by_id_claimed_at", "claimed_by_id", "claimed_at"),
        Index("ix_tasks_claimed_by_id_completed_at", "claimed_by_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"), index=True)
    # No index of its own: ix_tasks_status_newest and ix_tasks_status_completed_at start
    # with it (migration 0030).
    status: Mapped[str] = mapped_column(String(10), default="open")
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where and when the post goes out: channel names (BOARD_CHANNELS) joined by commas,
    # and a calendar day without a time zone (a publishing day is the same day everywhere).
    channels_csv: Mapped[str] = mapped_column("channels", String(400), default="")
    publish_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The claimant asks for a second pair of hands (the task stays theirs).
    help_wanted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The claimant's last touch (claim, plan change, "keep it"): claim leases count from it.
    touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the lease warning went out, so that it goes out once per lease.
    lease_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped whenever what a calendar shows changes (iCalendar SEQUENCE).
    revision: Mapped[int] = mapped_column(Integer, default=0)

    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")

    @property
    def channels(self) -> list[str]:
        return [c for c in self.channels_csv.split(",") if c]
