"""Keyset pagination: a cursor is the sort key of the last item a page showed.

The next page is "everything after that key" in the list's order, so an item posted or
voted meanwhile never shifts the others; the database ranks and limits through an index.
A cursor is opaque to clients (URL-safe base64 of a small JSON array) and names its order,
so it cannot be replayed against another one.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, or_

from board.errors import Invalid
from board.i18n import N_
from board.inputs import iso_time

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR_LENGTH = 400

# The kinds a key part may have: int, float, time.
INT, FLOAT, TIME = "i", "f", "t"


def bad_cursor() -> Invalid:
    return Invalid(
        N_("This cursor is not valid; start again from the first page."), code="bad_cursor"
    )


# json.dumps with any argument builds an encoder per call: a third of a cursor's cost.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def encode(order: str, key: Sequence) -> str:
    parts = [order] + [value.isoformat() if isinstance(value, datetime) else value for value in key]
    raw = _COMPACT.encode(parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, order: str, kinds: Sequence[str]) -> tuple:
    """The key a cursor carries, checked against the order's kinds; else `bad_cursor`."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        raise bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad_cursor() from None
    if not isinstance(parts, list) or len(parts) != len(kinds) + 1 or parts[0] != order:
        raise bad_cursor()
    return tuple(_value(kind, value) for kind, value in zip(kinds, parts[1:], strict=True))


def _value(kind: str, value):
    if kind == INT and type(value) is int and -(2**63) <= value < 2**63:
        return value
    if kind == FLOAT and type(value) in (int, float) and math.isfinite(value):
        return float(value)
    if kind == TIME and isinstance(value, str):
        moment = iso_time(value)  # one the board gave out, or one UTC can hold
        if moment is not None and moment.tzinfo is not None:
            return moment.astimezone(UTC)
    raise bad_cursor()


def after(columns: Sequence, key: Sequence, ascending: bool = False) -> ColumnElement[bool]:
    """Rows after `key` in descending order of `columns`: (a < x) or (a = x and b < y) ...
    (`ascending`: in ascending order, with >).

    Spelled out rather than as a row value so that both databases walk the index."""
    clauses = []
    for index, column in enumerate(columns):
        equal = [columns[i] == key[i] for i in range(index)]
        beyond = column > key[index] if ascending else column < key[index]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def is_after(item_key: Sequence, key: Sequence | None) -> bool:
    """The same test in Python, for keys computed outside the database."""
    return key is None or tuple(item_key) < tuple(key)
