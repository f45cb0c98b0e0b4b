"""One way to turn a person into JSON: the contract's few shapes of a person, built here only.

Each place shows as much of a person as it needs and no more (a nudge's sender is a name,
a claimant is a full user, a vote is nobody). Pick a shape; never write a person's dict
by hand elsewhere.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, object_session

from board.i18n import N_, gettext
from board.privacy import current_mask
from models import Department, User

SHAPES: dict[str, tuple[str, ...]] = {
    # a nudge's sender and recipient, a prompt's author
    "name": ("id", "display_name", "handle", "name_shared"),
    # authors of ideas, comments and tasks, the help page's people
    "person": ("id", "display_name", "handle", "name_shared", "department"),
    # an event's actor
    "actor": ("id", "display_name", "handle", "name_shared", "role", "department"),
    # a task's claimant (the contract's user object)
    "user": ("id", "email", "display_name", "handle", "name_shared", "role", "department"),
    # the person asking about themselves (/me, login)
    "self": (
        "id",
        "email",
        "display_name",
        "handle",
        "name_shared",
        "role",
        "department",
        "language",
        "email_notifications",
        "timezone",
    ),
}

_SHARED = "board_shared_names"


def shared_names(session: Session) -> set[str]:
    """Display names (case-folded) that more than one active person has: where they show,
    the handle goes beside them. Asked once per transaction."""
    names = session.info.get(_SHARED)
    if names is None:
        # Through the connection: no autoflush (this runs while shapes are built) and no ORM.
        names = set(session.connection().execute(_SHARED_NAMES).scalars())
        session.info[_SHARED] = names
    return names


_FOLDED = func.lower(User.display_name)
_SHARED_NAMES = (
    select(_FOLDED).where(User.active.is_(True)).group_by(_FOLDED).having(func.count(User.id) > 1)
)


def name_shared(user: User | Any) -> bool:
    """Whether someone else on the board has this person's name (so "Anna Weber" needs her
    department or @handle to be told apart)."""
    shared = getattr(user, "name_shared", None)
    if isinstance(shared, bool):
        return shared
    session = object_session(user) if isinstance(user, User) else None
    if session is None or not user.display_name or user.display_name == FORMER_MEMBER:
        return False
    return user.display_name.lower() in shared_names(session)


@event.listens_for(Session, "after_flush")
def _names_may_have_changed(session: Session, _context) -> None:
    if any(isinstance(obj, User) for obj in (*session.new, *session.dirty)):
        session.info.pop(_SHARED, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_shared_names(session: Session) -> None:
    session.info.pop(_SHARED, None)


# The name an erased person's contributions stay under (stored in English in the event log;
# shown in the reader's language).
FORMER_MEMBER = N_("Former member")


def shown_name(name: str | None) -> str | None:
    """A stored display name as the reader sees it: "Former member" in their language."""
    return gettext(FORMER_MEMBER) if name == FORMER_MEMBER else name


def department_dict(department: Department) -> dict:
    return {"id": department.id, "name": department.name}


def person_dict(user: User | Any | None, shape: str = "person") -> dict | None:
    """`user` in the given shape (see SHAPES); None stays None."""
    if user is None:
        return None
    fields = SHAPES[shape]
    shown = {field: _value(user, field) for field in fields}
    if "display_name" in shown:
        shown["display_name"] = shown_name(shown["display_name"])
    mask = current_mask()  # works-council mode: an observer sees departments, not people
    return shown if mask is None or user.id == mask.viewer_id else mask.person(shown)


def author_of_row(
    session: Session,
    user_id: int,
    name: str | None,
    handle: str | None,
    department_id: int,
    department: str,
) -> dict:
    """The "person" shape from columns a listing selected with its rows: the same dict as
    `person_dict(user)` gives, without an ORM object per person (a page of 50 ideas)."""
    return authors_of_rows(session, [(user_id, name, handle, department_id, department)])[0]


def authors_of_rows(session: Session, rows: list[tuple]) -> list[dict]:
    """`author_of_row` for each of a listing's (user id, name, handle, department id,
    department name)."""
    page = _RowPeople(session)
    return [
        page.masked(
            {
                "id": user_id,
                "display_name": shown_name(name),
                "handle": handle,
                "name_shared": page.shared(name),
                "department": {"id": department_id, "name": department},
            }
        )
        for user_id, name, handle, department_id, department in rows
    ]


def users_of_rows(session: Session, rows: list[tuple]) -> list[dict]:
    """The "user" shape (a task's claimant) for each of a listing's (user id, email, name,
    handle, role, department id, department name): `person_dict(user, "user")` without an
    ORM object per person."""
    page = _RowPeople(session)
    return [
        page.masked(
            {
                "id": user_id,
                "email": email,
                "display_name": shown_name(name),
                "handle": handle,
                "name_shared": page.shared(name),
                "role": role,
                "department": {"id": department_id, "name": department},
            }
        )
        for user_id, email, name, handle, role, department_id, department in rows
    ]


class _RowPeople:
    """What people built from a listing's columns share: the shared names (read at most
    once, and only when a name needs them) and the works-council mask, once per page."""

    def __init__(self, session: Session):
        self._session = session
        self._shared: set[str] | None = None
        self._mask = current_mask()

    def shared(self, name: str | None) -> bool:
        """Whether someone else has this name (as `name_shared` decides for a User)."""
        if not name or name == FORMER_MEMBER:
            return False
        if self._shared is None:
            self._shared = shared_names(self._session)
        return name.lower() in self._shared

    def masked(self, shown: dict) -> dict:
        mask = self._mask
        return shown if mask is None or shown["id"] == mask.viewer_id else mask.person(shown)


def _value(user: User | Any, field: str):
    if field == "department":
        return department_dict(user.department)
    if field == "name_shared":
        return name_shared(user)
    return getattr(user, field)
