"""`flask --app app backup FILE` and `restore FILE` for the embedded SQLite database.

The backup uses SQLite's online backup API: it copies a consistent snapshot page by page
while the board keeps serving (readers and writers go on; a write during the copy makes
SQLite restart the copy of what changed, so the file is always one committed state).
Restore copies a backup back the same way, into the database the settings name; stop the
server first (docs/reliability.md).

PostgreSQL is backed up with its own tools, pg_dump and pg_restore (docs/reliability.md);
these commands say so instead of guessing at a server's credentials.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import make_url

PAGES_PER_STEP = 256  # the copy gives writers a turn between steps


class BackupError(Exception):
    pass


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "This database is PostgreSQL: back it up with pg_dump and restore it with "
            "pg_restore (docs/reliability.md)."
        )
    if url.database in (None, "", ":memory:"):
        raise BackupError("An in-memory database cannot be backed up.")
    return Path(url.database)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.execute("PRAGMA busy_timeout=30000")
    target.execute("PRAGMA busy_timeout=30000")
    source.backup(target, pages=PAGES_PER_STEP)


def backup(database_url: str, destination: Path) -> int:
    """Write a consistent copy of the live database to `destination`; its size in bytes."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"There is no database at {source_path}.")
    destination = Path(destination)
    if not destination.name or not destination.parent.is_dir():
        # "" is the current folder ("." has no name to add ".partial" to: ValueError), and
        # SQLite answers a missing folder with "unable to open database file".
        raise BackupError(f"Name a file in an existing folder, not {str(destination)!r}.")
    if destination.resolve() == source_path.resolve():
        raise BackupError("The backup file must not be the database itself.")
    partial = destination.with_name(destination.name + ".partial")
    try:
        partial.unlink(missing_ok=True)
        _copy_to(source_path, partial)
        partial.replace(destination)  # a backup file is whole or absent, never half written
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Could not write the backup to {destination}: {error}.") from error
    return destination.stat().st_size


def _copy_to(source_path: Path, partial: Path) -> None:
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(partial)
    try:
        _copy(source, target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The copy failed its integrity check: {check}")
    finally:
        target.close()
        source.close()


def restore(database_url: str, source_file: Path) -> None:
    """Replace the database's contents with the backup in `source_file`."""
    target_path = sqlite_path(database_url)
    source_file = Path(source_file)
    if not source_file.is_file():  # "" is the current folder, which exists
        raise BackupError(f"There is no backup at {str(source_file)!r}.")
    # The URI as pathlib spells it: "#", "?" and "%" in a name percent-encoded. Pasted
    # as they were, "a#b.db" opened (and created) "a", read-write.
    source = sqlite3.connect(f"{source_file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        try:
            _check_backup(source)
        except sqlite3.Error as error:  # "file is not a database", unreadable, …
            raise BackupError(f"This file is not a backup of the board ({error}).") from error
        try:
            target_path.parent.mkdir(parents=True, exist_ok=True)
            target = sqlite3.connect(target_path)
            try:
                _copy(source, target)
            finally:
                target.close()
        except (sqlite3.Error, OSError) as error:
            raise BackupError(f"Could not restore from {source_file}: {error}.") from error
    finally:
        source.close()


def _check_backup(source: sqlite3.Connection) -> None:
    """Refuse a file that is not a whole backup of the board, before anything is replaced."""
    check = source.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        raise BackupError(f"The backup failed its integrity check: {check}")
    has_schema = source.execute(
        "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
    ).fetchone()[0]
    if not has_schema:
        raise BackupError("This file is not a backup of the board.")
