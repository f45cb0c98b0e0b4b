"""The board's notion of 'now', replaceable in tests so that time-boxed phases need no sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

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
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).isoformat()
