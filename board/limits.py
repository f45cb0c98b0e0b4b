"""The board's size limits, defined once: the services, the JSON API, the pages and the
OpenAPI description all check against these numbers."""

from __future__ import annotations

TITLE_MAX = 200
TEXT_MAX = 20_000
EMAIL_MAX = 254
PASSWORD_MAX = 1024
DISPLAY_NAME_MAX = 80
SEARCH_MAX = 200
TAG_LIST_MAX = 500  # the page form's one line of tags, before it is split

# Ids and numbers are 32-bit integers in every table: a larger one names nothing (and would
# overflow the driver).
INT_MIN, INT_MAX = -(2**31) + 1, 2**31 - 1
MAX_ID = INT_MAX


def whole_number(raw: str, most_digits: int = 18, *, signed: bool = False) -> int | None:
    """The number `raw` spells in ASCII digits (at most `most_digits`), else None. No sign,
    unless `signed`: then one "+" or "-" may lead. The board's one reading of numbers
    (board/inputs.py says why); it lives here, with no imports, so that board/settings.py
    reads BOARD_* numbers by it too."""
    digits = raw[1:] if signed and raw[:1] in ("+", "-") else raw
    if digits.isascii() and digits.isdigit() and len(digits) <= most_digits:
        return int(raw)
    return None
