"""What the board's cards print, made faster than the template made it, must read the same:
their times are kept as text once made (board/web/common.py), the same moment must still
read as Babel writes it for every reader, language, zone and age; their values are escaped
without MarkupSafe's Markup for each (board/web/cards.py), exactly as MarkupSafe escapes."""

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
from markupsafe import Markup, escape

from board.web.cards import _h
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


def test_a_cards_values_are_escaped_exactly_as_a_template_escapes_them():
    values = [
        "",
        "plain",
        'Tom & "Jerry\'s" <b>café</b> ↳',
        "&amp; already",
        Markup("<em>trusted</em> & kept"),
        0,
        17,
        None,
    ]
    for value in values:
        assert _h(value) == str(escape(value)), value
    assert _h("<script>alert('x')</script>") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"


def test_a_templates_sentences_follow_the_locale_it_is_rendered_in(app):
    """A page's `_()` finds the reader's catalog once per render (board/i18n.py,
    _page_gettext); a mail rendered in the same request in its recipient's language (under
    force_locale) must still be in that language."""
    from flask import render_template_string

    from board.i18n import force_locale

    page = "{{ _('My tasks') }} · {{ _('Tasks done: %(done)s / %(total)s', done='<b>', total=2) }}"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(page) == "My tasks · Tasks done: &lt;b&gt; / 2"
        with force_locale("de"):
            assert render_template_string(page) == (
                "Meine Aufgaben · Aufgaben erledigt: &lt;b&gt; / 2"
            )
        assert render_template_string(page) == "My tasks · Tasks done: &lt;b&gt; / 2"
