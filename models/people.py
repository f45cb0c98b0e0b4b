from __future__ import annotations

import unicodedata
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

ROLES = ("member", "facilitator", "observer")
EMAIL_CHOICES = ("off", "instant", "daily", "weekly")


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'facilitator', 'observer')", name="role"),
        CheckConstraint(
            "email_notifications IN ('off', 'instant', 'daily', 'weekly')",
            name="email_notifications",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    # display_name_key(display_name), kept in step by the flush (below): what "do two
    # people share this name?" compares. Unbounded: folding can lengthen a name (ß: ss).
    display_name_key: Mapped[str] = mapped_column(String)
    role: Mapped[str] = mapped_column(String(20), default="member")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    language: Mapped[str | None] = mapped_column(String(5), default=None)
    # The language the person's browser asked the pages for at their latest login on a page
    # (password, registration or company login): what their mail speaks while `language`,
    # their own choice, is None. Never shown, never a setting.
    page_language: Mapped[str | None] = mapped_column(String(5), default=None)
    # An IANA zone name (Europe/Berlin) for times on pages and in mail; None: BOARD_TIMEZONE.
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    # What @mentions name; lowercase, unique. Null only for an erased person.
    handle: Mapped[str | None] = mapped_column(String(30), unique=True, default=None)
    email_notifications: Mapped[str] = mapped_column(String(8), default="daily")
    # The last digest mailed (or skipped as empty): the next one covers what came after.
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Private Atom feed token for observers; replacing it revokes the old URL.
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # Private iCalendar URL of the publishing calendar; replacing it revokes the old URL.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # Bumped on role change or removal so that old sessions lose their powers at once.
    session_version: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the person was erased: the row stays (their votes keep closed tallies as
    # they were, their ideas stay) but holds nothing that names them.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    department: Mapped[Department] = relationship(lazy="joined")

    # Flask-Login protocol, kept free of Flask imports.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


@lru_cache(maxsize=4096)
def display_name_key(name: str) -> str:
    """A display name as compared with others: NFKC-normalized and case-folded in Python,
    so that "ÖZLEM DEMIR" and "özlem demir", or "İlknur" and "i̇lknur", are one name on
    every database (SQL lower() folds ASCII only on SQLite, and differently on PostgreSQL)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_name_key(_mapper, _connection, user: User) -> None:
    """Every ORM write of a person stores the key of the name it stores (the one place it
    is set; a statement that writes display_name past the ORM would have to set it too, and
    the tests check every person's key after each test). A name not loaded is not changed:
    nothing is read here."""
    name = user.__dict__.get("display_name")
    if name is None:
        return
    key = display_name_key(name)
    if user.__dict__.get("display_name_key") != key:
        user.display_name_key = key


# Whose display name is shared is asked by key (board/person_json.py shared_names):
# display_name_key IN (the keys of the names a page shows) among active people, one index
# probe per name.
Index(
    "ix_users_display_name_key_active",
    User.display_name_key,
    sqlite_where=User.active.is_(True),
    postgresql_where=User.active.is_(True),
)


class UserIdentity(Base):
    """A person's account at the company's identity provider: issuer + subject, the only
    stable name OpenID Connect gives (e-mail addresses change and get reused)."""

    __tablename__ = "user_identities"
    __table_args__ = (
        UniqueConstraint("issuer", "subject"),
        # One account per provider and person: two racing first logins cannot both link.
        UniqueConstraint("user_id", "issuer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (user_id, issuer) starts with it (migration 0030).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Invite(Base):
    """A link that lets someone register, even from outside BOARD_ALLOWED_EMAIL_DOMAINS.

    Only a hash of its token is stored: the link is shown once, to whoever made it.
    Single-use invites are spent by a conditional UPDATE (`uses = 0`), so two people
    racing with one link cannot both get in."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # None: made with the CLI.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    single_use: Mapped[bool] = mapped_column(Boolean, default=True)
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship(lazy="joined")


class LoginSession(Base):
    """One logged-in browser or script of a person, so that they can see where they are
    logged in and end the others. Keyed by a number; the `board_sid` in the cookie is
    what ends it (board/security.py remembers ended ones)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_sid: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordReset(Base):
    """A single-use, expiring link to set a new password (made by IT with the CLI).
    Only a hash of its token is stored; it is spent by a conditional UPDATE."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """One change made on the command line (a role, an erasure, a setting): who ran it
    (the operating-system user), when, and what. Names the person by id only, so that an
    erasure leaves no e-mail behind here either."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ran_by: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    detail: Mapped[str] = mapped_column(String(500), default="")
