"""The command line's audit log: every role change, erasure and setting change made with
`flask --app app …` is written down with who ran it (the operating-system user), when,
and what; `flask --app app audit list` shows it.

People are named by id only, so the log itself keeps no e-mail address of someone who is
later erased; the list shows the current address next to the id.
"""

from __future__ import annotations

import getpass
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from board import clock
from models import AuditEntry, User


def operating_system_user() -> str:
    """Who runs this command, as the machine knows them (sudo: the person behind it)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
    sudo = os.environ.get("SUDO_USER")
    return f"{sudo} (as {name})" if sudo and sudo != name else name


def record(session: Session, action: str, user_id: int | None = None, detail: str = "") -> None:
    """Write one entry in the caller's transaction (committed with the change itself)."""
    session.add(
        AuditEntry(
            at=clock.now(),
            ran_by=operating_system_user()[:100],
            action=action[:60],
            user_id=user_id,
            detail=detail[:500],
        )
    )


def entries(session: Session, limit: int = 1000) -> list[dict]:
    """The newest entries first, each with the person's current e-mail (or "erased")."""
    rows = session.execute(
        select(AuditEntry, User.email, User.erased_at)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": entry.id,
            "at": clock.iso(entry.at),
            "ran_by": entry.ran_by,
            "action": entry.action,
            "user_id": entry.user_id,
            "user": None if entry.user_id is None else ("erased" if erased else email),
            "detail": entry.detail,
        }
        for entry, email, erased in rows
    ]
