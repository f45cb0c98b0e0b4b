"""The company login (OpenID Connect): who a verified ID token's claims are on the board.

The redirect dance itself (discovery, PKCE, state, nonce, the ID token's signature and
claims) is Authlib's, in board/web/oidc.py. This module gets the claims only after all of
that has been checked, and decides:

- Which account: the one linked to the provider's subject (issuer + `sub`); else an
  account with the same e-mail, linked only when the provider vouches for the address
  (`email_verified: true`); else a new member, department from the configured claim.
- Which role: with group settings, the provider's groups at every login (a change ends
  the person's other sessions, as `flask users set-role` does); without them, the CLI's.

Every refusal is a BoardError with a code the login page explains and IT finds in the log.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from board import invites, people
from board.errors import Denied
from board.i18n import N_
from board.inputs import shows_nothing
from board.settings import Settings
from models import User, UserIdentity

log = logging.getLogger(__name__)

MAX_NAME = 80
MAX_DEPARTMENT = 80


class LoginRefused(Denied):
    """The provider said who the person is, but the board will not let them in that way."""


def sign_in(session: Session, settings: Settings, claims: dict[str, Any]) -> User:
    """The board account for these (already verified) ID token claims, created or linked
    as needed, with its role brought in line with the provider's groups. Commits."""
    issuer = (settings.oidc_issuer or "").rstrip("/")
    subject = str(claims.get("sub") or "")
    if not subject:
        raise _refusal("claim_missing", "sub", claims)
    for attempt in range(2):
        try:
            user = _account_for(session, settings, issuer, subject, claims)
            _follow_groups(session, settings, user, claims)
            session.commit()
            return user
        except IntegrityError:
            # Two first logins of one person at once: the other one linked or created the
            # account a moment ago; look again, and find it this time.
            session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


def _account_for(
    session: Session, settings: Settings, issuer: str, subject: str, claims: dict
) -> User:
    identity = session.scalar(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    )
    if identity is not None:
        _require_active(identity.user, claims)
        return identity.user
    email = _email(claims)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = _create_account(session, settings, email, claims)
    else:
        _require_active(user, claims)
        if not email_verified(claims):
            raise _refusal("email_unverified", "email_verified", claims)
        linked = session.scalar(
            select(UserIdentity.id).where(
                UserIdentity.user_id == user.id, UserIdentity.issuer == issuer
            )
        )
        if linked is not None:
            # The address now belongs to someone else at the provider (a reused mailbox):
            # never hand them the old owner's account.
            raise _refusal("identity_mismatch", "sub", claims)
        log.info("company login: linked %s to %s at %s", email, subject, issuer)
    session.add(UserIdentity(user_id=user.id, issuer=issuer, subject=subject))
    session.flush()
    return user


def _create_account(session: Session, settings: Settings, email: str, claims: dict) -> User:
    if not invites.domain_allowed(email, settings.allowed_email_domains):
        # BOARD_ALLOWED_EMAIL_DOMAINS holds for every way in: a provider that also knows
        # people outside the company (a Google sign-in open to any account, guests in a
        # tenant) must not open the board to them. Accounts made before stay reachable.
        raise _refusal(
            "email_domain_not_allowed",
            "email",
            claims,
            domains=", ".join(settings.allowed_email_domains),
        )
    department_name = _text_claim(claims, settings.oidc_department_claim)
    department_name = (department_name or settings.oidc_default_department or "").strip()
    if not department_name:
        raise _refusal("claim_missing", settings.oidc_department_claim, claims)
    department = people.get_or_create_department(session, department_name[:MAX_DEPARTMENT])
    user = User(
        email=email,
        password_hash=people.NO_PASSWORD,
        display_name=display_name(claims, email),
        role="member",
        department_id=department.id,
    )
    people.add_newcomer(session, user)
    log.info("company login: created %s (%s)", email, department.name)
    return user


def _follow_groups(session: Session, settings: Settings, user: User, claims: dict) -> None:
    if not settings.oidc_roles_from_groups:
        return  # roles stay with the CLI
    role = role_from_groups(settings, claims)
    if role != user.role:
        log.info("company login: %s is now %s (groups at the provider)", user.email, role)
        people.change_role(session, user, role)


def role_from_groups(settings: Settings, claims: dict) -> str:
    """facilitator, observer or member after the groups claim (facilitator wins when a
    person is in both: the role that runs the board is the one IT named explicitly)."""
    raw = claims.get(settings.oidc_groups_claim)
    if raw is None:
        # Absent is not "in no group": a provider that stopped sending groups (Entra ID's
        # overage, a removed mapper) must not silently demote the facilitator.
        raise _refusal("claim_missing", settings.oidc_groups_claim, claims)
    groups = {str(g).strip() for g in (raw if isinstance(raw, list) else str(raw).split(","))}
    if groups & set(settings.oidc_facilitator_groups):
        return "facilitator"
    if groups & set(settings.oidc_observer_groups):
        return "observer"
    return "member"


def email_verified(claims: dict) -> bool:
    """Only an explicit yes counts (some providers send the string "true")."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def display_name(claims: dict, email: str) -> str:
    name = _text_claim(claims, "name")
    if not name:
        parts = [_text_claim(claims, "given_name"), _text_claim(claims, "family_name")]
        name = " ".join(p for p in parts if p)
    name = name or _text_claim(claims, "preferred_username") or email.partition("@")[0]
    return " ".join(name.split())[:MAX_NAME]


def _email(claims: dict) -> str:
    email = people.normalize_email(_text_claim(claims, "email") or "")
    if not email:
        raise _refusal("claim_missing", "email", claims)
    if not people.valid_email(email):
        raise _refusal("claim_invalid", "email", claims)
    return email


def _text_claim(claims: dict, name: str) -> str:
    value = claims.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or isinstance(value, dict | bool):
        return ""
    text = str(value).replace("\x00", "").strip()
    # A claim of zero-width or bidi characters only is no claim: a name of "\u200b" fell
    # through to the account's own rule and the login failed with "Some fields are missing
    # or invalid.", where a missing one uses the next source or names the claim.
    return "" if shows_nothing(text) else text


def _require_active(user: User, claims: dict) -> None:
    if not user.active:
        raise _refusal("account_removed", None, claims)


_MESSAGES = {
    "claim_missing": N_(
        "Your company account did not send the board everything it needs "
        "(%(claim)s is missing). Please ask IT to check the board's login settings."
    ),
    "claim_invalid": N_(
        "Your company account sent the board a value it cannot use "
        "(%(claim)s). Please ask IT to check the board's login settings."
    ),
    "email_unverified": N_(
        "There is already a board account with your email address, but "
        "your company account does not confirm the address, so the board cannot connect them. "
        "Please ask IT for help."
    ),
    "identity_mismatch": N_(
        "The board account with your email address belongs to another "
        "company account. Please ask IT for help."
    ),
    "account_removed": N_(
        "Your account on the board has been switched off. If you think "
        "this is a mistake, please ask IT."
    ),
    "email_domain_not_allowed": N_(
        "The board is open to addresses at %(domains)s only, and your company account "
        "has another one, so no board account was made for it. Please ask the "
        "facilitator or IT for help."
    ),
}


def _refusal(code: str, claim: str | None, claims: dict, **params: str) -> LoginRefused:
    # For IT: what was refused and for whom; never the token itself.
    log.warning(
        "company login refused (%s%s) for sub=%r email=%r",
        code,
        f", claim {claim!r}" if claim else "",
        claims.get("sub"),
        claims.get("email"),
    )
    return LoginRefused(_MESSAGES[code], code=code, claim=claim or "", **params)
