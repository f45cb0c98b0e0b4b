"""Follows, notifications, the mail queue and chat webhooks.

Notifications are written in the transaction of the change that causes them; mail and
webhook deliveries are rows here (not memory), claimed by a conditional UPDATE, so that
a restart loses none and two senders never take the same row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.people import User

NOTIFICATION_KINDS = (
    "mention",
    "comment",
    "task_claimed",
    "task_completed",
    "idea_done",
    "published",
    "prompt",
    "phase",
    "nudge",
    "claim_expiring",
)


class Follow(Base):
    """One person following one idea: they hear of its comments, claims and completions."""

    __tablename__ = "follows"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """Something one person should hear about. `data` holds what the text is made of
    (titles, a short excerpt), so the text is written in the reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (
        # A person's newest first (a page of them, whoever else has many).
        Index("ix_notifications_user_id_id", "user_id", "id"),
        # A person's unread, newest first, and nothing else (migration 0025): every page's
        # badge, the unread list, marking all read, the mails. With (user_id, read_at) a
        # person with 50,000 notifications and one unread had the primary key walked.
        Index(
            "ix_notifications_user_id_unread",
            "user_id",
            "id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    # Indexed for deleting nudges: the key's check looks for the rows that name one.
    nudge_id: Mapped[int | None] = mapped_column(ForeignKey("nudges.id"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an instant mail took it (or it was found not to need one).
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")


class OutgoingMail(Base):
    """One mail waiting to be sent, being sent, or sent. Never held only in memory."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # instant, daily, weekly
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    # pending → sending (claimed by one sender) → sent; failed after too many attempts.
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# Deliveries that failed at least once and were not delivered since (webhooks._last_problem).
PROBLEM = "last_error IS NOT NULL AND status <> 'delivered'"


class Webhook(Base):
    """A chat channel or JSON endpoint that receives the board's public events."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    format: Mapped[str] = mapped_column(String(12))  # json, slack, teams, mattermost
    secret: Mapped[str | None] = mapped_column(String(200))
    # Event types to send; empty means every public type.
    event_types: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One envelope for one webhook, queued in the transaction that recorded the event."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # Removing a webhook deletes its rows; its page counts them by status.
        Index("ix_webhook_deliveries_webhook_id_status", "webhook_id", "status"),
        # The page's "last problem" of a webhook (migration 0025): its newest delivery that
        # failed and is not delivered, among few, not after every delivered one.
        Index(
            "ix_webhook_deliveries_problems",
            "webhook_id",
            "id",
            sqlite_where=text(PROBLEM),
            postgresql_where=text(PROBLEM),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    # Indexed for deleting events (the retention's private ones): the key's check.
    seq: Mapped[int] = mapped_column(ForeignKey("events.seq"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
