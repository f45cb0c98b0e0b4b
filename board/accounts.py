"""My account: a person's own name, department and password, where they are logged in,
and password reset links (single-use, expiring): sent by e-mail when the person asks and
mail is set up, or made by IT with the CLI.

Everything here acts on the caller's own account only; nobody changes anyone else's.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from board import calendar_copies, clock, mail, people, policy
from board.errors import Denied, FieldMessage, Invalid, NotFound
from board.limits import DISPLAY_NAME_MAX, MAX_ID
from models import Department, EndedSession, LoginSession, PasswordReset, User

RESET_HOURS = 24
MAIL_RESET_MINUTES = 60  # a link sent by e-mail lives an hour; IT's (handed over) a day


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- sessions --------------------------------------------------------------------------------


def record_login(session: Session, user: User, board_sid: str, user_agent: str) -> None:
    session.add(LoginSession(board_sid=board_sid, user_id=user.id, user_agent=user_agent[:200]))
    session.commit()


def forget_login(session: Session, board_sid: str | None) -> None:
    if board_sid:
        session.execute(delete(LoginSession).where(LoginSession.board_sid == board_sid))
        session.commit()


def forget_all_logins(session: Session, user_id: int) -> None:
    """After a role or password change every old session is over; none stays listed.
    The caller commits."""
    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def list_sessions(session: Session, actor: User, current_sid: str | None) -> list[dict]:
    policy.require(actor, "account.edit")
    ended = select(EndedSession.board_sid)
    rows = session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == actor.id, LoginSession.board_sid.not_in(ended))
        .order_by(LoginSession.created_at.desc())
    )
    return [
        {
            "id": row.id,
            "user_agent": row.user_agent,
            "created_at": clock.iso(row.created_at),
            "current": row.board_sid == current_sid,
        }
        for row in rows
    ]


def end_session(session: Session, actor: User, session_id: int, current_sid: str | None) -> str:
    """End one of my other sessions; returns its board_sid for the caller to revoke."""
    policy.require(actor, "account.edit")
    row = session.get(LoginSession, session_id) if 0 < session_id <= MAX_ID else None
    if row is None or row.user_id != actor.id:
        raise NotFound("No such session.", code="not_found")  # someone else's: not ours to know
    if row.board_sid == current_sid:
        raise Invalid("This is the session you are using; log out instead.", code="current_session")
    board_sid = row.board_sid
    session.delete(row)
    session.commit()
    return board_sid


# ---- name, department, password ------------------------------------------------------------


def update_profile(
    session: Session,
    actor: User,
    display_name: str | None = None,
    department_id: int | None = None,
) -> User:
    policy.require(actor, "account.edit")
    fields: dict[str, str] = {}
    if display_name is not None:
        cleaned = " ".join(display_name.split())
        if not cleaned or len(cleaned) > DISPLAY_NAME_MAX:
            fields["display_name"] = "Enter a name of 1 to 80 characters."
    if department_id is not None and session.get(Department, department_id) is None:
        fields["department_id"] = "That department does not exist."
    if fields:
        raise Invalid("Some fields are missing or invalid.", code="invalid_fields", fields=fields)
    if display_name is not None and " ".join(display_name.split()) != actor.display_name:
        actor.display_name = " ".join(display_name.split())
        # the calendar feed names who holds their tasks
        calendar_copies.claimant_renamed(session, actor.id)
    if department_id is not None and department_id != actor.department_id:
        _move(session, actor, department_id)
    session.commit()
    session.refresh(actor)
    return actor


def _move(session: Session, actor: User, department_id: int) -> None:
    """A new department, and a new calendar copy of each task it shows differently to an
    observer in works-council mode: the mover's, and those of the departments the move
    took into or out of the pool of small ones."""
    with calendar_copies.regrouping(session, actor.id):
        actor.department_id = department_id


def change_password(session: Session, actor: User, current: str, new: str) -> User:
    """The current password first; afterwards every other session of the person ends."""
    policy.require(actor, "account.edit")
    if actor.password_hash == people.NO_PASSWORD:
        raise Denied(
            "You sign in with your company account; this account has no password here.",
            code="no_password",
        )
    if not people.password_matches(actor.password_hash, current):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="wrong_password",
            fields={"current_password": FieldMessage("This is not your current password.")},
        )
    _set_password(session, actor, new)
    return actor


def _set_password(session: Session, user: User, new: str) -> None:
    weakness = people.check_password_strength(new, user.email, user.display_name)
    if weakness:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"new_password": weakness},
        )
    user.password_hash = people.hash_password(new)
    user.session_version += 1  # every session with the old password ends
    forget_all_logins(session, user.id)
    # Any other reset link still out there (an older mail, IT's) is spent with the password.
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=clock.now())
    )
    session.commit()


# ---- password reset links (IT, with the CLI) --------------------------------------------------


def _new_reset(session: Session, user: User, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            token_hash=_hash(token),
            user_id=user.id,
            expires_at=clock.now() + lifetime,
        )
    )
    return token


def request_reset(session: Session, email: str) -> tuple[User, str] | None:
    """ "Forgot password": a link for the account with this address, or None when there is
    no such active account with a password here (the caller answers the same either way,
    so nobody learns which addresses have accounts). The caller mails it and commits."""
    if not isinstance(email, str) or not people.valid_email(people.normalize_email(email)):
        return None
    user = session.scalar(select(User).where(User.email == people.normalize_email(email)))
    if user is None or not user.active or user.password_hash == people.NO_PASSWORD:
        return None
    return user, _new_reset(session, user, timedelta(minutes=MAIL_RESET_MINUTES))


def mail_reset_link(session: Session, app: Flask, email: str) -> None:
    """ "Forgot password" with mail set up: a link goes to the address if it has an account
    here; the answer is the same either way. Without mail: refused (IT makes links)."""
    if not mail.mail_enabled(app.extensions["board_settings"]):
        raise Denied(
            "Password reset by email is not set up here; ask IT for a reset link.",
            code="reset_by_mail_off",
        )
    found = request_reset(session, email)
    if found is not None:
        user, token = found
        mail.queue_password_reset(session, app, user, token, MAIL_RESET_MINUTES)
    session.commit()


def create_reset(session: Session, email: str, hours: int = RESET_HOURS) -> tuple[User, str]:
    if not 1 <= hours <= 72:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"hours": FieldMessage("Between 1 and %(max)s hours.", max=72)},
        )
    user = people.find_user(session, email)
    if not user.active:
        raise Denied("This person can no longer log in.", code="inactive")
    token = _new_reset(session, user, timedelta(hours=hours))
    session.commit()
    return user, token


def _usable_reset(token: str):
    return (
        PasswordReset.token_hash == _hash(token),
        PasswordReset.used_at.is_(None),
        PasswordReset.expires_at > clock.now(),
    )


def _invalid_reset() -> NotFound:
    return NotFound(
        "This password link is not valid any more; ask for a new one on the login page or ask IT.",
        code="reset_invalid",
    )


def find_reset(session: Session, token: str) -> User:
    reset = session.scalar(select(PasswordReset).where(*_usable_reset(token)))
    if reset is None:
        raise _invalid_reset()
    user = session.get(User, reset.user_id)
    if user is None or not user.active:
        raise _invalid_reset()
    return user


def reset_password(session: Session, token: str, new: str) -> User:
    """Set a new password with a reset link; the link is spent by one conditional UPDATE."""
    user = find_reset(session, token)
    weakness = people.check_password_strength(new, user.email, user.display_name)
    if weakness:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"new_password": weakness},
        )
    spent = session.execute(
        update(PasswordReset).where(*_usable_reset(token)).values(used_at=clock.now())
    )
    if spent.rowcount != 1:
        session.rollback()
        raise _invalid_reset()
    _set_password(session, user, new)
    return user
