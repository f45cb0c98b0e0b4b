"""Times come back from the database as aware UTC datetimes (models.base.UTCDateTime),
whatever form the database keeps them in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import literal, select, text

from models.base import UTCDateTime


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-12-05 03:04:05.123456", datetime(2026, 12, 5, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2026-12-05 03:04:05", datetime(2026, 12, 5, 3, 4, 5, tzinfo=UTC)),
        ("2026-12-05 05:04:05.5+02:00", datetime(2026, 12, 5, 3, 4, 5, 500000, tzinfo=UTC)),
        ("2026-12-05T03:04:05Z", datetime(2026, 12, 5, 3, 4, 5, tzinfo=UTC)),
        ("2026-12-05", datetime(2026, 12, 5, tzinfo=UTC)),
        (None, None),
    ],
    ids=["as-stored", "whole-seconds", "with-offset", "with-z", "date-only", "null"],
)
def test_sqlite_text_reads_back_as_the_utc_time_it_names(app, stored, expected):
    engine = app.extensions["board_db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite keeps times as text")
    with engine.connect() as connection:
        stored_as = text("SELECT :stored AS at").bindparams(stored=stored)
        read = connection.execute(stored_as.columns(at=UTCDateTime)).scalar()
    assert read == expected
    assert read is None or read.tzinfo is UTC


def test_a_time_written_reads_back_the_same(app):
    engine = app.extensions["board_db"].engine
    written = datetime(2026, 12, 5, 3, 4, 5, 123456, tzinfo=UTC)
    with engine.connect() as connection:
        read = connection.execute(select(literal(written, UTCDateTime))).scalar()
    assert read == written and read.tzinfo is UTC


def test_a_text_read_again_is_the_same_time_and_the_kept_ones_stay_bounded(app, monkeypatch):
    """Moments read before are kept by their stored text (a page reads the same ones on
    every load): read again, each is the same UTC time; the store starts again when full."""
    from models import base

    engine = app.extensions["board_db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite keeps times as text")
    monkeypatch.setattr(base, "_READ_KEPT", 3)
    monkeypatch.setattr(base, "_READ_TEXTS", {})
    texts = [f"2026-12-05 03:04:0{second}.000001" for second in range(5)]
    with engine.connect() as connection:
        for _ in range(2):
            for stored in texts:
                stored_as = text("SELECT :stored AS at").bindparams(stored=stored)
                read = connection.execute(stored_as.columns(at=UTCDateTime)).scalar()
                assert read == datetime.fromisoformat(stored).replace(tzinfo=UTC)
                assert len(base._READ_TEXTS) <= 3


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 5, 3, 4, 5, 123456, tzinfo=UTC),
        datetime(2026, 12, 5, 3, 4, 5, tzinfo=UTC),
        datetime(2026, 12, 5, 4, 4, 5, tzinfo=timezone(timedelta(hours=1))),
    ],
    ids=["microseconds", "whole-seconds", "other-zone"],
)
def test_a_moment_is_written_as_utc_iso_text_each_time(moment, monkeypatch):
    """clock.iso keeps the texts it wrote (a page prints the same moments on every load):
    each time the same UTC text, and no more of them than its bound."""
    from board import clock

    monkeypatch.setattr(clock, "_ISO_KEPT", 2)
    monkeypatch.setattr(clock, "_ISO_TEXTS", {})
    expected = moment.astimezone(UTC).isoformat()
    others = [datetime(2026, 1, day, tzinfo=UTC) for day in (1, 2, 3)]
    for _ in range(2):
        assert clock.iso(moment) == expected
        assert [clock.iso(other) for other in others] == [o.isoformat() for o in others]
        assert len(clock._ISO_TEXTS) <= 2
