from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.people import User

PHASES = ("collecting", "voting", "closed")


class Prompt(Base):
    """An open question, or a time-boxed idea challenge, posted by the facilitator."""

    __tablename__ = "prompts"
    __table_args__ = (
        CheckConstraint("kind IN ('prompt', 'challenge')", name="kind"),
        CheckConstraint("phase IN ('collecting', 'voting', 'closed')", name="phase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submissions_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hide_tallies: Mapped[bool] = mapped_column(Boolean, default=False)
    votes_per_person: Mapped[int | None] = mapped_column(Integer)
    # The phase as last announced; the scheduler moves it on and emits prompt.phase_changed.
    phase: Mapped[str] = mapped_column(String(12), default="collecting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How many ideas answer it, withdrawn ones not: kept by triggers on `ideas` whoever
    # writes (board/prompts.py, IDEA_COUNT_*), so that no page counts a prompt's ideas.
    idea_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    author: Mapped[User] = relationship(lazy="joined")
