"""One way to turn a person into JSON: the contract's few shapes of a person, built here only.

Each place shows as much of a person as it needs and no more (a nudge's sender is a name,
a claimant is a full user, a vote is nobody). Pick a shape; never write a person's dict
by hand elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, event, func, select
from sqlalchemy.orm import Session, object_session

from board.i18n import N_, gettext
from board.privacy import current_mask
from models import Department, User
from models.people import display_name_key

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
# Above this many names in one question, one statement over every active person costs less
# than a list of bound names (and stays below the databases' limits on bound parameters):
# the people directory shows everyone at once.
ASK_EVERYONE_ABOVE = 500


class _Asked:
    """What one transaction has asked: the people (ids) whose names went into a question,
    and for each name's key asked, whether two active people share it."""

    __slots__ = ("people", "shared")

    def __init__(self) -> None:
        self.people: set[int | None] = set()
        self.shared: dict[str, bool] = {}


def shared_names(session: Session, names: Iterable[str | None]) -> set[str]:
    """Of `names` (display names as stored) and those of the people the session holds and
    has not asked about, the keys (models.people.display_name_key) that more than one
    active person's name has: where they show, the handle goes beside them. One statement for all of them (a listing asks
    once for its page), none if no name can be shared."""
    asked = session.info.get(_SHARED)
    if asked is None:
        asked = session.info[_SHARED] = _Asked()
    held = [(id_, name) for id_, name in _people_in_session(session) if id_ not in asked.people]
    wanted = {
        display_name_key(name)
        for name in (*names, *(name for _, name in held))
        if _may_be_shared(name)
    }
    if not wanted:
        return set()
    # Through the connection: no autoflush (this runs while shapes are built) and no ORM.
    connection = session.connection()
    if len(wanted) > ASK_EVERYONE_ABOVE:
        shared = wanted.intersection(connection.execute(_SHARED_NAMES).scalars())
    else:
        shared = set(connection.execute(_SHARED_AMONG, {"keys": sorted(wanted)}).scalars())
    asked.people.update(id_ for id_, _ in held)
    asked.shared.update((key, key in shared) for key in wanted)
    return shared


# Names are compared by the key Python stored with each (display_name_key: NFKC and
# case-folded), never by SQL lower(), which folds ASCII only on SQLite and otherwise on
# PostgreSQL: the same answer on both. Asked only for the names shown, answered from
# ix_users_display_name_key_active (active people only), one index probe per name.
_KEY = User.display_name_key
_SHARED_NAMES = (
    select(_KEY).where(User.active.is_(True)).group_by(_KEY).having(func.count(User.id) > 1)
)
_SHARED_AMONG = _SHARED_NAMES.where(_KEY.in_(bindparam("keys", expanding=True)))


def shared_keys_among(keys, *before) -> Select:
    """The statement of `shared_names` for a caller that asks inside a statement of its own
    (a page of ideas, in the statement of its tags and votes): of `keys` (a subquery of
    display_name_key values), those more than one active person has; `before`: columns
    put before the key (its place in a UNION). Hand the answer to `remember_shared`."""
    return _SHARED_NAMES.where(_KEY.in_(keys)).with_only_columns(*before, _KEY)


_NAMESAKES = User.__table__.alias("namesakes")


def shared_key_of(key) -> ColumnElement:
    """`shared_keys_among` for one person per row, as a column of a statement of its own (a
    list of ideas, beside each idea's author): the person's `key` (their display_name_key
    column there) when more than one active person has it, else NULL. One probe of the
    active people's key index per row; hand the keys found to `remember_shared`."""
    namesakes = (
        select(func.count())
        .select_from(_NAMESAKES)
        .where(_NAMESAKES.c.display_name_key == key, _NAMESAKES.c.active.is_(True))
        .correlate_except(_NAMESAKES)
        .scalar_subquery()
    )
    return case((namesakes > 1, key))


def remember_shared(session: Session, names: Iterable[str | None], shared: set[str]) -> set[str]:
    """`shared`, found by `shared_keys_among` over the keys of `names`, kept for the rest of
    the transaction as `shared_names` keeps its own answers (a person shown again later is
    not asked about again); returned for `authors_of_rows`."""
    asked = session.info.get(_SHARED)
    if asked is None:
        asked = session.info[_SHARED] = _Asked()
    for name in names:
        if _may_be_shared(name):
            key = display_name_key(name)
            asked.shared[key] = key in shared
    return shared


def _may_be_shared(name: str | None) -> bool:
    return bool(name) and name != FORMER_MEMBER


def _people_in_session(session: Session) -> Iterator[tuple[int | None, str]]:
    """(id, display name) of the people this session has loaded, without loading anything
    (an expired name is left out): most pages load everyone they show before the first
    shape is built, so one question covers them all."""
    for obj in session.identity_map.values():
        if isinstance(obj, User):
            name = obj.__dict__.get("display_name")
            if name:
                yield obj.__dict__.get("id"), name


def name_shared(user: User | Any) -> bool:
    """Whether someone else on the board has this person's name (so "Anna Weber" needs her
    department or @handle to be told apart)."""
    shared = getattr(user, "name_shared", None)
    if isinstance(shared, bool):
        return shared
    session = object_session(user) if isinstance(user, User) else None
    if session is None or not _may_be_shared(user.display_name):
        return False
    key = display_name_key(user.display_name)
    asked = session.info.get(_SHARED)
    if asked is None or key not in asked.shared:
        shared_names(session, [user.display_name])  # with everyone else the session holds
        asked = session.info[_SHARED]
    return asked.shared[key]


@event.listens_for(Session, "after_flush")
def _names_may_have_changed(session: Session, _context) -> None:
    if any(isinstance(obj, User) for obj in (*session.new, *session.dirty, *session.deleted)):
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


def authors_of_rows(
    session: Session, rows: list[tuple], shared: set[str] | None = None
) -> list[dict]:
    """The "person" shape for each of a listing's (user id, name, handle, department id,
    department name): the same dicts as `person_dict(user)` gives, without an ORM object
    per person (a page of 50 ideas), and one question about shared names for the page
    (none if `shared` already says, from `shared_names` over these names)."""
    page = _RowPeople(session, [row[1] for row in rows], shared)
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


def users_of_rows(
    session: Session, rows: list[tuple], shared: set[str] | None = None
) -> list[dict]:
    """The "user" shape (a task's claimant) for each of a listing's (user id, email, name,
    handle, role, department id, department name): `person_dict(user, "user")` without an
    ORM object per person; `shared` as for `authors_of_rows`."""
    page = _RowPeople(session, [row[2] for row in rows], shared)
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
    """What people built from a listing's columns share: which of the page's names are
    shared (asked at most once, for all of them, and only when a name needs it) and the
    works-council mask, once per page."""

    def __init__(self, session: Session, names: list[str | None], shared: set[str] | None):
        self._session = session
        self._names = names
        self._shared = shared
        self._mask = current_mask()

    def shared(self, name: str | None) -> bool:
        """Whether someone else has this name (as `name_shared` decides for a User)."""
        if not _may_be_shared(name):
            return False
        if self._shared is None:
            self._shared = shared_names(self._session, self._names)
        return display_name_key(name) in self._shared

    def masked(self, shown: dict) -> dict:
        mask = self._mask
        return shown if mask is None or shown["id"] == mask.viewer_id else mask.person(shown)


def _value(user: User | Any, field: str):
    if field == "department":
        return department_dict(user.department)
    if field == "name_shared":
        return name_shared(user)
    return getattr(user, field)
