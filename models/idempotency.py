from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class IdempotencyKey(Base):
    """One write sent with an `Idempotency-Key` header, and the answer it got.

    The unique constraint decides which of two identical requests runs: the first inserts
    the row in its own write transaction, a duplicate finds it (waiting for it on
    PostgreSQL, queueing behind it on SQLite). `status` stays NULL until the answer is
    stored; rows older than a day are deleted by the server's schedule.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "method", "path", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the request body
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class EndedSession(Base):
    """A login session ended on the server (logout, or a new login in the same browser).

    The cookie is signed, not stored, so a copy of it stays valid unless its `board_sid`
    is remembered here until the cookie would have expired anyway. In the database, not in
    Redis: a Redis restart or outage must not bring ended sessions back.
    """

    __tablename__ = "ended_sessions"

    board_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
