"""SQLite's write-ahead log is moved into the database file by a thread of the serving
process (Database.checkpoint, scheduler.start_checkpoints), not by the commit that fills
it: that commit would copy the log and sync both files before its change is broadcast."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from board import background, scheduler
from tests.conftest import BOTH_DATABASES


@BOTH_DATABASES
def test_a_checkpoint_moves_the_log_into_the_database_file(app, member, other_member):
    database = app.extensions["board_db"]
    idea = member.post("ideas", json={"title": "Booth reel", "body": ""}).get_json()
    other_member.put(f"ideas/{idea['id']}/vote")
    member.put(f"ideas/{idea['id']}/vote")
    moved = database.checkpoint()
    if database.is_postgres:
        assert moved is None  # PostgreSQL keeps its own log
        return
    busy, frames, copied = moved
    assert busy == 0 and frames > 0 and copied == frames
    path = database.url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as file_only:
        [(votes,)] = file_only.execute("SELECT vote_count FROM ideas WHERE id = ?", (idea["id"],))
    assert votes == 2  # in the file itself, not only in the log
    assert database.checkpoint() == (0, frames, frames)  # nothing more to move


def test_the_checkpoint_connection_is_made_again_after_it_broke(app, member):
    database = app.extensions["board_db"]
    member.post("ideas", json={"title": "Booth reel", "body": ""})
    database.checkpoint()
    database._checkpoint_driver.close()  # noqa: SLF001 - as a connection that broke
    member.post("ideas", json={"title": "Podcast", "body": ""})
    busy, frames, copied = database.checkpoint()
    assert busy == 0 and copied == frames > 0


def test_dispose_closes_both_kept_driver_connections(app, member):
    """Each kept connection is closed and forgotten, whether the other was ever made: the
    own connection was left set, closed, when no checkpoint had run."""
    database = app.extensions["board_db"]
    member.post("ideas", json={"title": "Booth reel", "body": ""})
    database.own_scalar("SELECT 1")
    kept = database._own_driver  # noqa: SLF001
    database.dispose()
    assert database._own_driver is None  # noqa: SLF001
    with pytest.raises(sqlite3.ProgrammingError):
        kept.execute("SELECT 1")  # closed
    database.checkpoint()
    database.dispose()
    assert database._checkpoint_driver is None  # noqa: SLF001
    assert database.own_scalar("SELECT 1") == 1  # made again when asked


def test_checkpoints_start_in_a_serving_process_on_sqlite_only(app, settings, monkeypatch):
    started = []

    class Thread:  # noted, not run: the loop would outlive the test's database
        def __init__(self, target, args, name, daemon):
            self.name = name
            started.append((target, args))

        def start(self):
            pass

    monkeypatch.setattr(background.threading, "Thread", Thread)
    assert scheduler.start_checkpoints(app) is False  # tests call checkpoint themselves
    app.testing = False
    app.extensions["board_settings"] = replace(settings, testing=False)
    assert scheduler.start_checkpoints(app) is True
    assert scheduler.start_checkpoints(app) is False  # once per app
    assert started == [(scheduler._checkpoints, (app, scheduler.CHECKPOINT_SECONDS))]  # noqa: SLF001
    assert app.extensions["board_checkpoints"].name == "board-checkpoints"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_no_checkpoints_are_started_on_postgresql(app, settings):
    app.testing = False
    app.extensions["board_settings"] = replace(settings, testing=False)
    assert scheduler.start_checkpoints(app) is False


def test_the_checkpoints_keep_running_after_a_failure(app, monkeypatch, caplog):
    database = app.extensions["board_db"]
    calls = []

    def failing():
        calls.append(1)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(database, "checkpoint", failing)
    scheduler._checkpoints(app, 0, rounds=3)  # noqa: SLF001
    assert len(calls) == 3
    assert caplog.text.count("checkpoint failed; trying again in the next round") == 3
