"""One way to turn a person into JSON: the contract's few shapes of a person, built here only.

Each place shows as much of a person as it needs and no more (a nudge's sender is a name,
a claimant is a full user, a vote is nobody). Pick a shape; never write a person's dict
by hand elsewhere.
"""

from __future__ import annotations

from typing import Any

from board.i18n import N_, gettext
from board.privacy import current_mask
from models import Department, User

SHAPES: dict[str, tuple[str, ...]] = {
    # a nudge's sender and recipient, a prompt's author
    "name": ("id", "display_name"),
    # authors of ideas, comments and tasks, the help page's people
    "person": ("id", "display_name", "handle", "department"),
    # an event's actor
    "actor": ("id", "display_name", "handle", "role", "department"),
    # a task's claimant (the contract's user object)
    "user": ("id", "email", "display_name", "handle", "role", "department"),
    # the person asking about themselves (/me, login)
    "self": (
        "id",
        "email",
        "display_name",
        "handle",
        "role",
        "department",
        "language",
        "email_notifications",
    ),
}


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
    shown = {
        field: department_dict(user.department) if field == "department" else getattr(user, field)
        for field in fields
    }
    if "display_name" in shown:
        shown["display_name"] = shown_name(shown["display_name"])
    mask = current_mask()  # works-council mode: an observer sees departments, not people
    return shown if mask is None or user.id == mask.viewer_id else mask.person(shown)
