"""Who may join: BOARD_ALLOWED_EMAIL_DOMAINS and invite links.

With allowed domains set, registration is open to addresses at those domains only; an
invite link (made by the facilitator on /invites or over the API, or by IT with `flask
--app app invites create`) lets someone register from anywhere. Invites are single-use
or reusable until they expire; only a hash of the token is stored, and a single-use
invite is spent by one conditional UPDATE in the registration's own transaction, so one
link never opens two accounts.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from board import clock, policy
from board.addresses import normalize_domain
from board.errors import Denied, FieldMessage, Invalid, NotFound
from board.person_json import person_dict
from models import Invite, User

DEFAULT_DAYS = 7
MAX_DAYS = 90


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def status(invite: Invite) -> str:
    if invite.revoked_at is not None:
        return "revoked"
    if invite.single_use and invite.uses > 0:
        return "used"
    if invite.expires_at <= clock.now():
        return "expired"
    return "active"


def invite_dict(invite: Invite) -> dict:
    creator = invite.created_by
    return {
        "id": invite.id,
        "single_use": invite.single_use,
        "uses": invite.uses,
        "status": status(invite),
        "expires_at": clock.iso(invite.expires_at),
        "revoked_at": clock.iso(invite.revoked_at),
        "created_at": clock.iso(invite.created_at),
        "created_by": person_dict(creator, "name"),
    }


def create_invite(
    session: Session, actor: User | None, single_use: bool = True, days: int = DEFAULT_DAYS
) -> tuple[Invite, str]:
    """A new invite and its token (shown once). `actor` None: the CLI, which IT runs."""
    if actor is not None:
        policy.require(actor, "invite.create")
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"expires_in_days": FieldMessage("Between 1 and %(max)s days.", max=MAX_DAYS)},
        )
    token = secrets.token_urlsafe(24)
    invite = Invite(
        token_hash=_hash(token),
        created_by_id=actor.id if actor is not None else None,
        single_use=single_use,
        expires_at=clock.now() + timedelta(days=days),
    )
    session.add(invite)
    session.commit()
    return invite, token


def list_invites(session: Session, actor: User) -> list[Invite]:
    policy.require(actor, "invite.list")
    return list(session.scalars(select(Invite).order_by(Invite.id.desc()).limit(200)))


def revoke_invite(session: Session, actor: User | None, invite_id: int) -> Invite:
    if actor is not None:
        policy.require(actor, "invite.revoke")
    invite = session.get(Invite, invite_id)
    if invite is None:
        raise NotFound("No such invite.", code="not_found")
    if invite.revoked_at is None:
        invite.revoked_at = clock.now()
    session.commit()
    return invite


def _usable():
    return (
        Invite.revoked_at.is_(None),
        Invite.expires_at > clock.now(),
        or_(Invite.single_use.is_(False), Invite.uses == 0),
    )


def _invalid_invite() -> Denied:
    return Denied(
        "This invite link is not valid any more; ask for a new one.", code="invite_invalid"
    )


def find_usable(session: Session, token: str) -> Invite:
    """The invite this token names, if it can still be used; else the refusal."""
    invite = session.scalar(select(Invite).where(Invite.token_hash == _hash(token), *_usable()))
    if invite is None:
        raise _invalid_invite()
    return invite


def spend(session: Session, invite_id: int) -> None:
    """Use the invite once, inside the caller's transaction: the database picks one winner
    when two people register with a single-use link at the same moment."""
    result = session.execute(
        update(Invite).where(Invite.id == invite_id, *_usable()).values(uses=Invite.uses + 1)
    )
    if result.rowcount != 1:
        raise _invalid_invite()


def domain_allowed(email: str, allowed: tuple[str, ...]) -> bool:
    if not allowed:
        return True
    return normalize_domain(email.rpartition("@")[2]) in allowed


def domain_refusal(allowed: tuple[str, ...]) -> Denied:
    return Denied(
        "Registration is open to addresses at %(domains)s only; ask the facilitator for an "
        "invite link.",
        code="email_domain_not_allowed",
        domains=", ".join(allowed),
    )
