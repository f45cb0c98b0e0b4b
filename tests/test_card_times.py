"""The times on the board's cards are kept as text once made (board/web/common.py): the
same moment must still read as Babel writes it for every reader, language, zone and age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytz
from babel import Locale
from babel.dates import (
    format_timedelta,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)

from board.web.common import ago_at, when_in

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def formats(language: str, zone: str) -> tuple:
    locale = Locale.parse(language)
    return (
        locale,
        pytz.timezone(zone),
        get_datetime_format("medium", locale=locale),
        parse_pattern(get_date_format("medium", locale=locale)),
        parse_pattern(get_time_format("short", locale=locale)),
    )


def test_a_moment_reads_in_each_readers_zone_and_language_however_often_it_is_shown():
    moment = "2026-11-30T23:30:00+00:00"
    for _round in range(2):  # the second time from what the first made
        assert when_in(moment, formats("en", "Europe/Berlin")) == "Dec 1, 2026, 12:30 AM"
        assert when_in(moment, formats("en", "America/New_York")) == "Nov 30, 2026, 6:30 PM"
        assert when_in(moment, formats("de", "Europe/Berlin")) == "01.12.2026, 00:30"
    assert when_in("", formats("en", "UTC")) == ""


def test_how_long_ago_reads_as_babel_writes_it_at_every_age():
    ages = sorted(
        {int(1.07**k) for k in range(0, 330)}
        | {n * u for u in (60, 3600, 86400) for n in range(1, 60)}
    )
    for language in ("en", "de"):
        locale = Locale.parse(language)
        for seconds in ages:
            if seconds < 60:
                continue
            for sign in (-1, 1):
                delta = timedelta(seconds=sign * seconds)
                expected = format_timedelta(
                    delta, "second", threshold=0.85, add_direction=True, locale=locale
                )
                for _round in range(2):
                    assert ago_at(NOW + delta, NOW, locale) == expected, (language, sign, seconds)
