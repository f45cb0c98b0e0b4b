"""The board's notion of 'now', replaceable in tests so that time-boxed phases need no sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from board.kept import keep

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _now()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Install a clock (tests); None restores the real one."""
    global _now
    _now = fn or (lambda: datetime.now(UTC))


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    # What the database gives back is UTC already (models.base.UTCDateTime): no conversion.
    if value.tzinfo is not UTC:
        return value.astimezone(UTC).isoformat()
    text = _ISO_TEXTS.get(value)
    if text is None:
        text = keep(_ISO_TEXTS, value, value.isoformat(), _ISO_KEPT)
    return text


# The ISO text of UTC moments printed before: an aware datetime's isoformat() costs about
# 0.5 µs, a look-up 0.03 µs (its hash is kept in the object), and a page of 50 ideas prints
# 100 moments, the same ones on every load. Equal moments have one text; bounded by
# starting again when full (about 3 MB).
_ISO_KEPT = 16384
_ISO_TEXTS: dict[datetime, str] = {}
