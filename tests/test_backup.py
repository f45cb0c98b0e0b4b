"""flask --app app backup FILE / restore FILE: a backup taken while people keep writing
restores into a board that works and holds one consistent moment of the old one."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from board import create_app
from board.settings import Settings
from models import Event, Idea
from tests.conftest import JsonClient

pytestmark = pytest.mark.faults
LOAD_TIMEOUT = 60  # seconds: a bound on waiting for the writers, never a target


def count(app, model, *where) -> int:
    with app.extensions["board_db"].ReadSession() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_backup_taken_under_write_load_restores_into_a_working_board(app, people_, tmp_path):
    stop, errors, written = threading.Event(), [], []

    def write(name: str) -> None:
        client = people_.client(name)
        n = 0
        while not stop.is_set() and n < 2000:  # bounded
            n += 1
            response = client.post("ideas", json={"title": f"{name} {n}", "body": "x" * 200})
            if response.status_code != 201:
                errors.append(response.get_data(as_text=True))
                return
            written.append(response.get_json()["id"])

    writers = [threading.Thread(target=write, args=(n,)) for n in ("member", "other_member")]
    for writer in writers:
        writer.start()
    try:
        deadline = threading.Event()
        for _ in range(LOAD_TIMEOUT * 10):
            if len(written) >= 30 or errors:
                break
            deadline.wait(0.1)
        committed_before = set(written)
        backup_file = tmp_path / "board-backup.sqlite3"
        done = app.test_cli_runner().invoke(args=["backup", str(backup_file)])
        assert done.exit_code == 0, done.output
        for _ in range(LOAD_TIMEOUT * 10):  # the writers go on after the copy
            if len(written) >= len(committed_before) + 20 or errors:
                break
            deadline.wait(0.1)
    finally:
        stop.set()
        for writer in writers:
            writer.join(LOAD_TIMEOUT)
    assert not errors

    restored_settings = Settings(
        instance_path=tmp_path / "restored-instance",
        database_url=f"sqlite:///{tmp_path / 'restored' / 'board.sqlite3'}",
        secret_key="test-secret",
        testing=True,
    )
    restored = create_app({"TESTING": True}, settings=restored_settings)
    try:
        done = restored.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert done.exit_code == 0, done.output

        with restored.extensions["board_db"].ReadSession() as session:
            ideas = set(session.scalars(select(Idea.id)))
            seqs = list(session.scalars(select(Event.seq).order_by(Event.seq)))
        # Everything committed before the backup started is in it; later writes may be.
        assert committed_before <= ideas
        assert len(ideas) < len(written)  # the writers went on after the copy
        # One consistent moment: each idea with its event, and the log without holes.
        assert count(restored, Event, Event.type == "idea.created") == len(ideas)
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))

        client = JsonClient(restored.test_client()).login("mara@example.com")
        created = client.post("ideas", json={"title": "After the restore", "body": ""})
        assert created.status_code == 201, created.get_json()
        assert created.get_json()["id"] not in ideas
        listed = client.get("ideas?limit=1000").get_json()["items"]
        assert {i["id"] for i in listed} == ideas | {created.get_json()["id"]}
        events = client.get(f"events?after={seqs[-1]}").get_json()["items"]
        assert [e["type"] for e in events] == ["idea.created"]
    finally:
        restored.extensions["board_db"].dispose()


def test_backup_and_restore_refuse_what_they_cannot_do(app, tmp_path):
    missing = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "nothing.sqlite3")])
    assert missing.exit_code != 0 and "no backup" in missing.output

    stranger = tmp_path / "not-a-board.sqlite3"
    import sqlite3

    with sqlite3.connect(stranger) as connection:
        connection.execute("CREATE TABLE t (x)")
    refused = app.test_cli_runner().invoke(args=["restore", str(stranger)])
    assert refused.exit_code != 0 and "not a backup of the board" in refused.output


def test_postgresql_points_to_pg_dump(tmp_path):
    settings = Settings(
        instance_path=tmp_path / "instance",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        secret_key="test-secret",
        testing=True,
    )
    app = create_app({"TESTING": True}, settings=settings)
    done = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x")])
    assert done.exit_code != 0 and "pg_dump" in done.output


def test_backup_and_restore_answer_odd_files_with_a_message(app, tmp_path, monkeypatch):
    """Issue 17: a folder that does not exist, an empty name, a file that is not a database
    ended in sqlite3 or pathlib tracebacks."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str):
        result = app.test_cli_runner().invoke(args=list(args))
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        return result.output

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_text("not a database")
    before = sorted(tmp_path.iterdir())
    assert "existing folder" in run("backup", str(tmp_path / "missing" / "board.sqlite3"))
    assert "existing folder" in run("backup", "")
    assert "not a backup of the board" in run("restore", str(garbage))
    assert "no backup" in run("restore", "")
    assert sorted(tmp_path.iterdir()) == before  # nothing half-written left behind


@pytest.mark.parametrize("name", ["a#b.sqlite3", "a?b.sqlite3", "a%41.sqlite3"])
def test_a_backup_restores_whatever_its_file_is_called(app, people_, tmp_path, name):
    """The restore pasted the path into a file: URI, so "a#b" opened (and created) "a"
    read-write and called a good backup "not a backup of the board"."""
    backup_file = tmp_path / "backups" / name
    backup_file.parent.mkdir()
    done = app.test_cli_runner().invoke(args=["backup", str(backup_file)])
    assert done.exit_code == 0, done.output
    restored = app.test_cli_runner().invoke(args=["restore", str(backup_file)])
    assert restored.exit_code == 0, restored.output
    assert sorted(p.name for p in backup_file.parent.iterdir()) == [name]
