"""Models and migrations agree, and the migrations go up, down and up again, on both databases."""

from __future__ import annotations

import warnings

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, make_url, text

from board import people, search
from models import Base
from tests.conftest import (
    POSTGRES_SERVER_URL,
    POSTGRES_URL,
    alembic_config,
    create_postgres_database,
    drop_postgres_database,
    service_or_skip,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return

    def check():
        engine = create_engine(POSTGRES_SERVER_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()

    service_or_skip("PostgreSQL", check)
    url = make_url(POSTGRES_URL)
    url = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
    create_postgres_database(url)
    yield url
    drop_postgres_database(url)


def _known_to_models(name, type_, parent_names) -> bool:
    """The full-text index (FTS5 tables, a GIN expression index) and the people's revision
    (one row kept by triggers) live outside the models."""
    return name not in search.DATABASE_OBJECTS and name != people.REVISION_TABLE


def differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection, warnings.catch_warnings():
            # SQLite's reflection skips expression indexes (lower(display_name)), and says
            # so twice; the PostgreSQL leg compares them.
            warnings.filterwarnings("ignore", ".*expression-based index")
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": _known_to_models}
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_there_is_one_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_models_and_migrations_agree(empty_database):
    command.upgrade(alembic_config(empty_database), "head")
    assert differences(empty_database) == []


def test_upgrade_downgrade_upgrade(empty_database):
    config = alembic_config(empty_database)
    model_tables = set(Base.metadata.tables)
    command.upgrade(config, "head")
    assert tables(empty_database) >= model_tables
    command.downgrade(config, "base")
    assert tables(empty_database) - {"alembic_version"} == set()
    command.upgrade(config, "head")
    assert tables(empty_database) >= model_tables
    assert differences(empty_database) == []


def test_every_step_goes_down_and_up_again(empty_database):
    """Each revision's downgrade undoes its upgrade (checked one step at a time)."""
    config = alembic_config(empty_database)
    script = ScriptDirectory.from_config(config)
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        command.upgrade(config, revision)
        command.downgrade(config, "-1")
        command.upgrade(config, revision)
    assert differences(empty_database) == []


def insert_person(connection, id_: int, email: str) -> None:
    """A member of department 1 as the schema has stored people since 0015."""
    connection.execute(
        text(
            "INSERT INTO users (id, email, password_hash, display_name, display_name_key,"
            " role, department_id, session_version, active, created_at, email_notifications)"
            " VALUES (:id, :email, 'x', 'P', 'p', 'member', 1, 1, true,"
            " '2026-03-02 09:00:00', 'daily')"
        ),
        {"id": id_, "email": email},
    )


def test_people_who_were_there_before_the_name_key_get_theirs(empty_database):
    """0015_display_name_key fills the key for everyone already on the board, so that two
    "Özlem Demir" who registered before it are told apart at once."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0014_display_name_index")
    names = ["Özlem Demir", "ÖZLEM DEMIR", "İlknur", "Anna Weber"]
    engine = create_engine(empty_database)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO departments (id, name) VALUES (1, 'IT')"))
            for n, name in enumerate(names, start=1):
                connection.execute(
                    text(
                        "INSERT INTO users (id, email, password_hash, display_name, role,"
                        " department_id, session_version, active, created_at,"
                        " email_notifications) VALUES (:id, :email, 'x', :name, 'member', 1,"
                        " 1, true, '2026-03-02 09:00:00', 'daily')"
                    ),
                    {"id": n, "email": f"p{n}@example.com", "name": name},
                )
        command.upgrade(config, "0015_display_name_key")
        with engine.connect() as connection:
            keys = connection.execute(
                text("SELECT display_name_key FROM users ORDER BY id")
            ).scalars()
            assert list(keys) == ["özlem demir", "özlem demir", "i\u0307lknur", "anna weber"]
    finally:
        engine.dispose()


def test_addresses_already_stored_take_their_mailboxes_one_spelling(empty_database, capfd):
    """0032_email_spelling gives every stored address the spelling the board reads typed
    ones in; where the mailbox already has an account in that spelling, the other keeps
    its own and is named in the log (nothing is merged or lost)."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0031_on_board_by_author")
    decomposed = "du\u0308rer@example.com"
    stored = [
        "d@bücher.de",  # the domain in Unicode: its ASCII form
        "Jo@Example.COM",  # capitals
        decomposed,  # a decomposed "ü": composed
        " DU\u0308RER@example.com",  # the same mailbox, its spelling taken: kept, logged
        "ana@xn--bcher-kva.de",  # already in its one spelling
    ]
    engine = create_engine(empty_database)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO departments (id, name) VALUES (1, 'IT')"))
            for n, email in enumerate(stored, start=1):
                insert_person(connection, n, email)
        capfd.readouterr()
        command.upgrade(config, "0032_email_spelling")
        # alembic.ini's logging writes to stderr (it does not reach pytest's caplog).
        logged = capfd.readouterr().err
        with engine.connect() as connection:
            emails = connection.execute(text("SELECT email FROM users ORDER BY id")).scalars()
            assert list(emails) == [
                "d@xn--bcher-kva.de",
                "jo@example.com",
                "d\u00fcrer@example.com",
                " DU\u0308RER@example.com",
                "ana@xn--bcher-kva.de",
            ]
        kept = [line for line in logged.splitlines() if " keeps the address " in line]
        assert len(kept) == 1
        assert "person 4 keeps" in kept[0] and "person 3 has" in kept[0]
        command.downgrade(config, "0031_on_board_by_author")
        command.upgrade(config, "0032_email_spelling")
    finally:
        engine.dispose()


def test_tags_already_there_take_their_ideas_authors(empty_database):
    """0019_tag_authors copies each tag's idea's author beside its rank keys, and from then on
    a new tag takes it with them; going down leaves the tags' rank keys copied as before."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0018_filter_words")
    engine = create_engine(empty_database)
    at = "2026-03-02 09:00:00"
    tag = "INSERT INTO idea_tags (idea_id, tag) VALUES (:idea, :tag)"
    copies = "SELECT idea_id, tag, author_id, vote_count FROM idea_tags ORDER BY idea_id, tag"
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO departments (id, name) VALUES (1, 'IT')"))
            for person in (1, 2):
                insert_person(connection, person, f"p{person}@example.com")
            for idea, author in ((1, 2), (2, 1)):
                connection.execute(
                    text(
                        "INSERT INTO ideas (id, title, body, author_id, created_at, updated_at,"
                        " vote_count) VALUES (:id, 'Reel', '', :author, :at, :at, :id)"
                    ),
                    {"id": idea, "author": author, "at": at},
                )
            for idea, name in ((1, "video"), (1, "fair"), (2, "video")):
                connection.execute(text(tag), {"idea": idea, "tag": name})
        command.upgrade(config, "0019_tag_authors")
        with engine.begin() as connection:
            connection.execute(text(tag), {"idea": 2, "tag": "print"})
            assert [tuple(row) for row in connection.execute(text(copies))] == [
                (1, "fair", 2, 1),
                (1, "video", 2, 1),
                (2, "print", 1, 2),
                (2, "video", 1, 2),
            ]
        command.downgrade(config, "0018_filter_words")
        with engine.begin() as connection:
            connection.execute(text(tag), {"idea": 2, "tag": "fair"})
            ranks = "SELECT tag, vote_count FROM idea_tags WHERE idea_id = 2 ORDER BY tag"
            assert [tuple(row) for row in connection.execute(text(ranks))] == [
                ("fair", 2),
                ("print", 2),
                ("video", 2),
            ]
    finally:
        engine.dispose()


def test_the_log_already_written_lists_whom_its_envelopes_name(empty_database):
    """0025_busy_person_indexes lists the people of the envelopes already in the log (the
    erasure reads them by it), and from then on each new event's with its row; going down
    removes the list and its trigger, and events are written as before."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0024_feed_indexes")
    engine = create_engine(empty_database)
    person = '{{"id": {id}, "display_name": "P{id}", "department": {{"id": 1, "name": "IT"}}}}'
    write = text(
        "INSERT INTO events (type, at, private, envelope)"
        " VALUES ('task.claimed', '2026-03-02 09:00:00', false, :envelope)"
    )
    claimed = '{{"actor": {actor}, "data": {{"task": {{"claimed_by": {held}, "id": 4}}}}}}'
    listed = "SELECT seq, user_id FROM event_people ORDER BY seq, user_id"
    try:
        with engine.begin() as connection:
            for actor, held in ((1, 2), (3, 3)):
                envelope = claimed.format(
                    actor=person.format(id=actor), held=person.format(id=held)
                )
                connection.execute(write, {"envelope": envelope})
            connection.execute(write, {"envelope": '{"actor": null, "data": {"idea_id": 7}}'})
        command.upgrade(config, "0025_busy_person_indexes")
        with engine.begin() as connection:
            envelope = claimed.format(actor="null", held=person.format(id=5))
            connection.execute(write, {"envelope": envelope})
            assert [tuple(row) for row in connection.execute(text(listed))] == [
                (1, 1),
                (1, 2),
                (2, 3),
                (4, 5),
            ]
        command.downgrade(config, "0024_feed_indexes")
        with engine.begin() as connection:
            connection.execute(write, {"envelope": claimed.format(actor="null", held="null")})
        assert "event_people" not in tables(empty_database)
    finally:
        engine.dispose()


def test_the_log_already_written_lists_the_ideas_and_comments_its_envelopes_carry(
    empty_database,
):
    """0026_carried_objects lists the ideas and comments of the envelopes already in the log
    (hiding and deleting rewrite them by it), and from then on each new event's with its
    row; going down removes the list and its trigger, and events are written as before."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0025_busy_person_indexes")
    engine = create_engine(empty_database)
    write = text(
        "INSERT INTO events (type, at, private, envelope)"
        " VALUES ('comment.created', '2026-03-02 09:00:00', false, :envelope)"
    )
    listed = "SELECT seq, kind, object_id FROM event_objects ORDER BY seq, kind"
    try:
        with engine.begin() as connection:
            for envelope in (
                '{"data": {"comment": {"id": 3, "idea_id": 7, "body": "x"}}}',
                '{"data": {"idea": {"id": 7, "title": "t"}}}',
                '{"data": {"idea_id": 7, "votes": 2}}',
                '{"data": {"task": {"id": 4, "idea_id": 7}}}',
            ):
                connection.execute(write, {"envelope": envelope})
        command.upgrade(config, "0026_carried_objects")
        with engine.begin() as connection:
            connection.execute(
                write, {"envelope": '{"data": {"idea": {"id": 8}, "comment": {"id": 9}}}'}
            )
            assert [tuple(row) for row in connection.execute(text(listed))] == [
                (1, "comment", 3),
                (2, "idea", 7),
                (5, "comment", 9),
                (5, "idea", 8),
            ]
        command.downgrade(config, "0025_busy_person_indexes")
        with engine.begin() as connection:
            connection.execute(write, {"envelope": '{"data": {"idea": {"id": 8}}}'})
        assert "event_objects" not in tables(empty_database)
    finally:
        engine.dispose()
