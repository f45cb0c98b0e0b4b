"""Private URLs (the feed's Atom URL, the iCalendar URL): a random token per person, kept
in a column of `users`. Its owner makes, replaces and revokes it; whoever has the URL reads
as that person, for as long as they are active and may still read it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from board import policy
from models import User

MAX_TOKEN_LENGTH = 64  # what a URL may carry; longer ones are refused unread


@dataclass(frozen=True)
class PrivateUrl:
    column: str  # the User attribute holding the token
    manage: str  # the permission to make or revoke it (policy)
    read: str  # the permission its reader needs

    def create(self, session: Session, actor) -> str:
        """A new random token for the actor; the old URL stops working."""
        policy.require(actor, self.manage)
        user = session.get(User, actor.id)
        setattr(user, self.column, secrets.token_urlsafe(32))
        session.commit()
        return getattr(user, self.column)

    def current(self, session: Session, actor) -> str:
        """The actor's token, made on first use."""
        policy.require(actor, self.manage)
        user = session.get(User, actor.id)
        return getattr(user, self.column) or self.create(session, actor)

    def revoke(self, session: Session, actor) -> None:
        policy.require(actor, self.manage)
        user = session.get(User, actor.id)
        setattr(user, self.column, None)
        session.commit()

    def reader(self, session: Session, token: str) -> User | None:
        """The active person whose URL carries `token`, if they may still read it."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        user = session.scalar(select(User).where(getattr(User, self.column) == token))
        if user is None or not user.active or not policy.can(user, self.read):
            return None
        return user
