"""Times come back from the database as aware UTC datetimes (models.base.UTCDateTime),
whatever form the database keeps them in."""

from __future__ import annotations

from datetime import UTC, datetime

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
