"""Flags, the moderation record and images: what people attach to ideas and comments, and
what they say about them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

FLAG_REASONS = ("off_topic", "confidential", "guidelines", "other")
TARGET_KINDS = ("idea", "comment")


class Flag(Base):
    """One person's flag on an idea or a comment; one per person and thing (raising it
    again replaces the reason). `cleared_at` is set when the facilitator shows the thing
    again: cleared flags no longer count towards hiding it."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("target_kind", "target_id", "user_id"),
        CheckConstraint("target_kind IN ('idea', 'comment')", name="target_kind"),
        CheckConstraint(
            "reason IN ('off_topic', 'confidential', 'guidelines', 'other')", name="reason"
        ),
        Index("ix_flags_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModerationAction(Base):
    """The record of every hide and unhide: what, who (null: the flags' threshold), why, when."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        CheckConstraint("action IN ('hide', 'unhide')", name="action"),
        Index("ix_moderation_actions_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Image(Base):
    """An uploaded picture, re-encoded (no metadata) and stored under the instance folder.
    It belongs to the idea or comment whose text shows it, once that text is saved."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    format: Mapped[str] = mapped_column(String(10))  # png, jpeg, webp
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
