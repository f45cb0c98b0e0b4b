"""What one person is shown of the others: names, or only departments (works-council mode).

With BOARD_OBSERVERS_SEE_NAMES=0 an observer (a department head) sees every other person
only as "someone from <department>", and a department with fewer than
BOARD_MIN_GROUP_SIZE people on the board is shown as "other departments" (pooled with the
other small ones), so no figure and no "someone from …" points at one person. Members
and the facilitator still see names: they are peers.

The rule itself (who sees names) is policy.sees_names; this module applies it:
- `sees_names(viewer)`: the hook for pages and services (the board's own setting read here).
- `Mask`: turns person dicts into their department. Built once per request for a viewer
  who does not see names and kept in a context variable, so that `person_json.person_dict`
  (every API shape and page) and the feed's sentences mask without each caller knowing;
  JSON answers and socket envelopes to such viewers pass through `Mask.people` as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, has_app_context, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board import policy
from board.db import db_for_request
from board.errors import FieldMessage, Invalid
from board.i18n import gettext
from board.inputs import whole_number
from models import Department, User

# The department shown for people of departments too small to be shown on their own.
POOLED_ID = None


def _settings():
    if not has_app_context():
        return None
    return current_app._get_current_object().extensions["board_settings"]  # see db_for_request


def sees_names(viewer: Any, settings: Any = None) -> bool:
    """Whether `viewer` is shown other people by name (policy.sees_names with this board's
    BOARD_OBSERVERS_SEE_NAMES). Pages and services call this; nothing decides it elsewhere."""
    settings = settings or _settings()
    return policy.sees_names(viewer, getattr(settings, "observers_see_names", True))


def min_group_size(settings: Any = None) -> int:
    settings = settings or _settings()
    return getattr(settings, "min_group_size", 3)


def pooled_label() -> str:
    return gettext("other departments")


def department_sizes(session: Session) -> dict[int, int]:
    """People taking part (active, not observers) per department, every department listed."""
    counts = dict(
        session.execute(
            select(User.department_id, func.count(User.id))
            .where(User.active.is_(True), User.role != policy.OBSERVER)
            .group_by(User.department_id)
        ).all()
    )
    ids = session.scalars(select(Department.id)).all()
    return {department_id: counts.get(department_id, 0) for department_id in ids}


def pooled_departments(sizes: dict[int, int], minimum: int) -> set[int]:
    """The departments counted together as "other departments": every one smaller than
    `minimum`; while that pool itself stays below `minimum`, the next smallest joins it
    (a pool of one small department would name it all the same)."""
    pool = {d for d, n in sizes.items() if n < minimum}
    rest = sorted((n, d) for d, n in sizes.items() if d not in pool)
    while pool and sum(sizes[d] for d in pool) < minimum and rest:
        pool.add(rest.pop(0)[1])
    return pool


@dataclass
class Mask:
    """Everything needed to show people as their departments to one viewer."""

    viewer_id: int | None
    names: dict[int, str]  # department id → name
    pooled: set[int]
    department_of: dict[int, int] = field(default_factory=dict)  # user id → department id

    @classmethod
    def build(cls, session: Session, viewer: Any, minimum: int) -> Mask:
        names = dict(session.execute(select(Department.id, Department.name)).all())
        department_of = dict(session.execute(select(User.id, User.department_id)).all())
        pooled = pooled_departments(department_sizes(session), minimum)
        return cls(getattr(viewer, "id", None), names, pooled, department_of)

    def department(self, department_id: int | None) -> dict:
        """The department as shown: its own, or the pool of the small ones."""
        if department_id is None or department_id in self.pooled:
            return {"id": POOLED_ID, "name": pooled_label()}
        return {"id": department_id, "name": self.names.get(department_id, "")}

    def department_name(self, name: str | None) -> str:
        """A department named in a figure (presence, feed): its own name or the pool's."""
        ids = {n: i for i, n in self.names.items()}
        return self.department(ids.get(name))["name"] if name is not None else pooled_label()

    def person(self, person: dict) -> dict:
        """A person dict of any shape as their department: no id, name, handle or e-mail."""
        department_id = (person.get("department") or {}).get("id")
        if department_id is None:
            department_id = self.department_of.get(person.get("id"))
        department = self.department(department_id)
        shown = {key: None for key in person if key not in ("department", "role")}
        shown["display_name"] = (
            gettext("someone from another department")
            if department["id"] is POOLED_ID
            else gettext("someone from %(department)s", department=department["name"])
        )
        if "department" in person:
            shown["department"] = department
        if "role" in person:
            shown["role"] = person["role"]
        return shown

    def people(self, value: Any) -> Any:
        """`value` (JSON) with every person in it, except the viewer, shown as a department."""
        if isinstance(value, list):
            return [self.people(item) for item in value]
        if not isinstance(value, dict):
            return value
        if _is_person(value):
            if value["id"] is not None and value["id"] == self.viewer_id:
                return value
            return self.person(value)
        return {key: self.people(item) for key, item in value.items()}


def _is_person(value: dict) -> bool:
    """A person dict of any shape (a JSON schema describing one is not a person)."""
    return (
        "display_name" in value
        and "id" in value
        and isinstance(value["display_name"], str | None)
        and isinstance(value["id"], int | None)
    )


_current: ContextVar[Mask | None] = ContextVar("board_person_mask", default=None)


def current_mask() -> Mask | None:
    """The mask of whoever this request (or block) renders for; None: names are shown."""
    return _current.get()


def mask_for(session: Session, viewer: Any, settings: Any = None) -> Mask | None:
    settings = settings or _settings()
    if viewer is None or sees_names(viewer, settings):
        return None
    return Mask.build(session, viewer, min_group_size(settings))


@contextmanager
def rendering_for(session: Session, viewer: Any, settings: Any = None) -> Iterator[Mask | None]:
    """Everything built inside shows people as `viewer` may see them (Atom, iCalendar,
    mails: no logged-in request decides it there)."""
    mask = mask_for(session, viewer, settings)
    token = _current.set(mask)
    try:
        yield mask
    finally:
        _current.reset(token)


def enter_request(session: Session, viewer: Any) -> None:
    """Start of a request: mask for the logged-in viewer (cleared by `leave_request`).
    A filter by one small department would show its few people's work all the same:
    a viewer who sees no names may filter only by departments shown on their own."""
    mask = mask_for(session, viewer) if getattr(viewer, "is_authenticated", False) else None
    _current.set(mask)
    raw = request.args.get("department", "") if mask is not None else ""
    if mask is not None and whole_number(raw, 9) in mask.pooled:
        raise Invalid(
            "A query parameter is invalid.",
            code="invalid_parameter",
            fields={
                "department": FieldMessage(
                    "Departments with fewer than %(size)s people are not shown on their own.",
                    size=min_group_size(),
                )
            },
        )


def leave_request() -> None:
    _current.set(None)


def shown_departments(departments: list) -> list:
    """The departments a viewer may pick in a filter: all of them, or in works-council mode
    those shown on their own."""
    mask = current_mask()
    return departments if mask is None else [d for d in departments if d.id not in mask.pooled]


def mask_json(value: Any) -> Any:
    """JSON about to leave for the current viewer, people masked when they see no names."""
    mask = current_mask()
    return value if mask is None else mask.people(value)


def _mask_api_answer(response: Response) -> Response:
    """Defence in depth: an API answer to a viewer who sees no names has every person in
    it masked, whichever service built it (stored event envelopes included)."""
    if current_mask() is None or not request.path.startswith("/api/") or not response.is_json:
        return response
    body = response.get_json(silent=True)
    if body is not None:
        response.set_data(current_app.json.dumps(mask_json(body)))
    return response


def init_privacy(app: Flask) -> None:
    # The person itself: through the `current_user` proxy each of the mask's questions
    # (logged in? role?) would ask Flask-Login for the person again.
    app.before_request(lambda: enter_request(db_for_request(), current_user._get_current_object()))
    app.after_request(_mask_api_answer)
    app.teardown_request(lambda _error=None: leave_request())
