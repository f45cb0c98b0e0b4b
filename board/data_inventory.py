"""What the board stores about people, who sees it and how long it is kept: the table in
docs/privacy.md is generated from here (`python -m board.data_inventory`), and
tests/test_privacy_docs.py fails when the document and this code drift apart.

The cells come from the code where the code decides them: the retention and group-size
defaults from board/settings.py, the session and key lifetimes from the modules that
enforce them, who receives private messages from board/policy.py.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from board import personal_data, policy
from board.idempotency import KEY_LIFETIME
from board.settings import Settings

MEMBER, FACILITATOR, OBSERVER, COUNCIL = (
    "Members",
    "Facilitator",
    "Observers",
    "Observers, works-council mode",
)
_DEFAULTS = {f.name: f.default for f in fields(Settings)}
RETENTION = f"{_DEFAULTS['retention_days']} days (`BOARD_RETENTION_DAYS`), then deleted"
GROUP = _DEFAULTS["min_group_size"]
SESSION_DAYS = personal_data.SESSION_LIFETIME_SECONDS // 86400


@dataclass(frozen=True)
class Category:
    what: str
    stored: str
    kept: str
    seen_by: dict[str, str]


def _observers_receive_private_messages() -> str:
    # The policy decides: observers receive no nudges and no notifications.
    class _Observer:
        role, is_active, is_authenticated, id = policy.OBSERVER, True, True, 0

    return "yes" if policy.receives_notifications(_Observer()) else "no"


def categories() -> list[Category]:
    private = _observers_receive_private_messages()
    return [
        Category(
            "Name, department, handle",
            "the account",
            "until the person is erased",
            {
                MEMBER: "yes",
                FACILITATOR: "yes",
                OBSERVER: "yes",
                COUNCIL: f"department only; departments under {GROUP} people as one group",
            },
        ),
        Category(
            "Email address",
            "the account",
            "until the person is erased",
            {
                MEMBER: "on tasks they hold",
                FACILITATOR: "on tasks they hold",
                OBSERVER: "on tasks they hold",
                COUNCIL: "no",
            },
        ),
        Category(
            "Ideas, comments, tasks",
            "the board",
            "as long as the board runs; after an erasure under “former member”",
            {
                MEMBER: "yes",
                FACILITATOR: "yes",
                OBSERVER: "yes",
                COUNCIL: "yes, authors as departments",
            },
        ),
        Category(
            "Who voted for what",
            "one row per vote",
            "as long as the idea; after an erasure without a name",
            {
                MEMBER: "only their own",
                FACILITATOR: "only their own",
                OBSERVER: "no (they cannot vote)",
                COUNCIL: "no",
            },
        ),
        Category(
            "Vote tallies",
            "counted per idea",
            "as long as the idea",
            {
                MEMBER: "yes (hidden while a challenge hides them)",
                FACILITATOR: "yes",
                OBSERVER: "yes",
                COUNCIL: "yes",
            },
        ),
        Category(
            "Activity (the feed: who posted, commented, took on or finished what, when)",
            "the event log",
            "as long as the board runs; an erasure removes the name",
            {MEMBER: "yes", FACILITATOR: "yes", OBSERVER: "yes", COUNCIL: "departments only"},
        ),
        Category(
            "How quiet someone is (whole days, never from votes)",
            "computed, not stored",
            "not stored",
            {MEMBER: "no", FACILITATOR: "yes (help page)", OBSERVER: "no", COUNCIL: "no"},
        ),
        Category(
            "Nudges (private messages from the facilitator)",
            "the nudge and its private event",
            RETENTION,
            {
                MEMBER: "only their own",
                FACILITATOR: "those they sent",
                OBSERVER: private,
                COUNCIL: private,
            },
        ),
        Category(
            "Notifications and mails",
            "the inbox and the mail queue",
            RETENTION,
            {
                MEMBER: "only their own",
                FACILITATOR: "only their own",
                OBSERVER: f"{private} (only the weekly summary, counts)",
                COUNCIL: f"{private} (only the weekly summary, counts)",
            },
        ),
        Category(
            "Who is online",
            "memory of the running server",
            "while connected",
            {
                MEMBER: "counts per department",
                FACILITATOR: "counts per department",
                OBSERVER: "counts per department",
                COUNCIL: f"counts; departments under {GROUP} people as one group",
            },
        ),
        Category(
            "Logins (browser, when)",
            "login sessions",
            f"until logout; ended ones remembered {SESSION_DAYS} days",
            {
                MEMBER: "only their own",
                FACILITATOR: "only their own",
                OBSERVER: "only their own",
                COUNCIL: "only their own",
            },
        ),
        Category(
            "Repeated requests (for safe retries)",
            "idempotency keys",
            f"{KEY_LIFETIME.days} day",
            {MEMBER: "no one", FACILITATOR: "no one", OBSERVER: "no one", COUNCIL: "no one"},
        ),
        Category(
            "Command-line changes (roles, erasures, settings)",
            "the audit log (by person id, never an email)",
            "until the operator deletes it",
            {MEMBER: "no", FACILITATOR: "no", OBSERVER: "no", COUNCIL: "no (IT only)"},
        ),
    ]


COLUMNS = ["What", "Where", "Kept", MEMBER, FACILITATOR, OBSERVER, COUNCIL]


def markdown_table() -> str:
    """The table of docs/privacy.md, exactly."""
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "| " + " | ".join("---" for _ in COLUMNS) + " |",
    ]
    for c in categories():
        cells = [c.what, c.stored, c.kept, *(c.seen_by[k] for k in COLUMNS[3:])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
