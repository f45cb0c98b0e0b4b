"""SQLite under many writers: 32 people writing at once through a real server on the
embedded default lose nothing and never meet "database is locked". A few seconds here;
the full minute is `python -m bench.writers` (docs/reliability.md)."""

from __future__ import annotations

import pytest

from bench import writers

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_32_writers_at_once_lose_nothing_and_never_meet_a_locked_database(tmp_path):
    report = writers.run(writers=32, seconds=5, workdir=tmp_path)
    assert report.writes > 32, report.summary()
    assert report.errors == [], report.errors[:5]
    assert report.lost == [], report.lost[:5]
    assert report.locked_in_log == 0
