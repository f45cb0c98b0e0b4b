"""A tag or a department with a word: the search index holds each idea's filters beside its
words (SQLite: search.FACETS, a token per tag and one for its author's department), so a
pair that seldom meets is one merge inside the index. The filters' tokens are kept by the
database whatever writes a tag, a text or a person's department, and never meet people's
words. The answers are checked on both databases; what the index holds on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from board import ideas, search
from models import User
from tests.conftest import BOTH_DATABASES, JsonClient, make_user


@pytest.fixture
def listed(monkeypatch):
    """Every search with a filter lists the pair's matches (the plan this file is about),
    however small the board: a walk is never the cheaper here (SQLite), no row is walked
    first (PostgreSQL)."""
    monkeypatch.setattr(ideas, "QUESTION_COST", 10**9)
    monkeypatch.setattr(ideas, "WALK_BUDGET", 0)


def post(client: JsonClient, title: str, tags: list[str] | None = None) -> int:
    response = client.post("ideas", json={"title": title, "body": "", "tags": tags or []})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def titles(client: JsonClient, query: str) -> set[str]:
    response = client.get(f"ideas?{query}")
    assert response.status_code == 200, response.get_json()
    return {idea["title"] for idea in response.get_json()["items"]}


def assert_index_in_step(app) -> None:
    """Each idea's stored facets are its tags and its author's department now; on SQLite
    the search index holds what the rows hold (FTS5's integrity check against its content
    table: a facet written without re-indexing, or deleted with other values, fails it), on
    PostgreSQL the stored search vector holds them."""
    engine = app.extensions["board_db"].engine
    dialect = engine.dialect.name
    facets = (
        "ideas.search_facets"
        if dialect == "sqlite"
        else "array_to_string(tsvector_to_array(ideas.search_facets), ' '),"
        " ideas.search_vector @@ CAST(array_to_string(tsvector_to_array(ideas.search_facets),"
        " ' & ') AS tsquery)"
    )
    with engine.begin() as connection:
        rows = connection.execute(
            text(
                f"SELECT ideas.id, users.department_id, {facets} FROM ideas"
                " JOIN users ON users.id = ideas.author_id"
            )
        ).all()
        for idea_id, department_id, held, *in_vector in rows:
            tags = connection.scalars(
                text("SELECT tag FROM idea_tags WHERE idea_id = :id"), {"id": idea_id}
            ).all()
            wanted = {search.tag_token(tag, dialect) for tag in tags} | {
                search.department_token(department_id, dialect)
            }
            assert set(held.lower().split()) == wanted, (idea_id, held, tags)
            assert in_vector in ([], [True]), idea_id
        if dialect == "sqlite":
            connection.execute(
                text(
                    f"INSERT INTO {search.SQLITE_TABLE}({search.SQLITE_TABLE}, rank)"
                    " VALUES ('integrity-check', 1)"
                )
            )


def faceted_queries(app) -> list[str]:
    """Starts recording the search queries the app asks (FTS5's, PostgreSQL's terms and
    facets); the list fills as it asks."""
    asked: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if ("ideas_fts MATCH" in statement or "search_vector @@" in statement) and not executemany:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            asked.extend(value for value in values if isinstance(value, str))

    event.listen(app.extensions["board_db"].engine, "before_cursor_execute", record)
    return asked


@BOTH_DATABASES
def test_a_tag_and_a_word_follow_every_write_of_tags_and_text(app, member, db, listed):
    """Tags added and removed, a title edited, an idea deleted: a tag and a word find
    exactly the ideas that hold both now. On SQLite the search index answers the tag too
    (the page's query names the tag's token), and holds what the rows hold after each step."""
    first = post(member, "Lantern one", ["rare"])
    second = post(member, "Lantern two")
    third = post(member, "Compass three", ["rare"])
    post(member, "Compass four", ["rare"])
    asked = faceted_queries(app)
    assert titles(member, "tag=rare&q=lantern") == {"Lantern one"}
    dialect = db.get_bind().dialect.name
    assert [query for query in asked if search.tag_token("rare", dialect) in query], asked
    member.patch(f"ideas/{second}", json={"tags": ["rare", "other"]}).get_json()
    assert titles(member, "tag=rare&q=lantern") == {"Lantern one", "Lantern two"}
    assert titles(member, "tag=other&q=lant") == {"Lantern two"}
    assert_index_in_step(app)
    member.patch(f"ideas/{first}", json={"tags": []})
    assert titles(member, "tag=rare&q=lantern") == {"Lantern two"}
    member.patch(f"ideas/{third}", json={"title": "Lantern three"})
    assert titles(member, "tag=rare&q=lantern") == {"Lantern two", "Lantern three"}
    assert_index_in_step(app)
    if db.get_bind().dialect.name != "sqlite":
        return
    # Deleted by plain SQL (the board withdraws, it does not delete): its tag's token and
    # its words leave the index with it (checked before the transaction is rolled back).
    db.execute(text("PRAGMA defer_foreign_keys = ON"))  # its follows and events
    db.execute(text("DELETE FROM idea_tags WHERE idea_id = :id"), {"id": second})
    db.execute(text("DELETE FROM ideas WHERE id = :id"), {"id": second})
    matched = text("SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH :query")
    query = search.faceted('"lantern"', "rare", None)
    assert db.scalars(matched, {"query": query}).all() == [third]
    db.execute(text("INSERT INTO ideas_fts(ideas_fts, rank) VALUES ('integrity-check', 1)"))
    db.rollback()


@BOTH_DATABASES
def test_a_persons_ideas_move_with_them_to_their_new_department(app, people_, db, listed):
    """A person changes department: a department and a word find their ideas under the new
    one, not the old, on the next request (SQLite: the triggers re-index their ideas)."""
    writer = people_.client("member")
    post(writer, "Lantern by the writer")
    post(people_.client("other_member"), "Lantern by someone else")
    person = db.scalar(select(User).where(User.id == people_.user("member").id))
    old, new = person.department_id, people_.user("other_member").department_id
    db.rollback()
    assert titles(writer, f"department={old}&q=lantern") == {"Lantern by the writer"}
    person = db.get(User, people_.user("member").id)
    person.department_id = new
    db.commit()
    assert titles(writer, f"department={old}&q=lantern") == set()
    both = {"Lantern by the writer", "Lantern by someone else"}
    assert titles(writer, f"department={new}&q=lant") == both
    assert titles(writer, f"department={new}&tag=none&q=lant") == set()
    assert_index_in_step(app)


@BOTH_DATABASES
def test_a_tag_spelled_like_a_word_is_not_that_word(app, member, listed):
    """A tag is not a word of the idea's text, and a word is not a tag: an idea tagged
    "lantern" is not found by the word, a title holding a tag's token (as the index spells
    it) is not found by the tag, and a new idea's department token is no word either."""
    post(member, "Compass with a tag", ["lantern"])
    token = search.tag_token("lantern")
    post(member, f"Compass {token}")
    post(member, "Lantern in the text")
    assert titles(member, "q=lantern") == {"Lantern in the text"}
    assert titles(member, "tag=lantern&q=compass") == {"Compass with a tag"}
    assert titles(member, f"q={token}") == {f"Compass {token}"}
    assert titles(member, f"tag=lantern&q={token}") == set()
    assert titles(member, f"q={search.FACET_MARK}") == {f"Compass {token}"}  # a prefix
    assert titles(member, "q=compass") == {"Compass with a tag", f"Compass {token}"}
    assert_index_in_step(app)


def test_a_new_idea_with_tags_is_indexed_once_per_write(app, member, listed):
    """SQLite: a plain-SQL idea and tags (as the benchmarks and imports write them) get
    their facets too, and a tag whose text holds spaces and umlauts is one token."""
    engine = app.extensions["board_db"].engine
    author = make_user(app, "writer", "member", "Sales")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO ideas (id, title, body, author_id, created_at, updated_at)"
                " VALUES (500, 'Lantern by hand', '', :author, '2026-03-01 00:00:00.000000',"
                " '2026-03-01 00:00:00.000000')"
            ),
            {"author": author.id},
        )
        connection.execute(text("INSERT INTO idea_tags (idea_id, tag) VALUES (500, 'grüne ecke')"))
    assert titles(member, "tag=grüne ecke&q=lantern") == {"Lantern by hand"}
    assert titles(member, f"department={author.department_id}&q=lantern") == {"Lantern by hand"}
    assert titles(member, "q=grune") == set()
    assert_index_in_step(app)
