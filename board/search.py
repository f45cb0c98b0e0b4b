"""Full-text search over ideas: SQLite FTS5, PostgreSQL tsvector (German and English).

The index is kept in sync by the database itself (SQLite: triggers on `ideas`;
PostgreSQL: an expression GIN index), so every write path is covered. The DDL lives in
the migration; the names and the document expression are here so that query and index
agree. No Flask here: the migration imports it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    and_,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

SQLITE_TABLE = "ideas_fts"
# How SQLite's search index cuts text into words (lower-cased, diacritics removed).
_TOKENIZER = "tokenize='unicode61 remove_diacritics 2'"
# SQLite: each idea's words as the search index holds them, a row per word and idea, so that
# a page walking the rank index asks about one idea by a seek in a plain index (about 1 µs)
# instead of a question to FTS5 (7 µs: each question parses its query and opens the index
# anew). Kept by triggers on `ideas`, whatever writes the text: they cut it into words in
# SQLITE_WORDS_TEXT, an FTS5 table of one row with the index's tokenizer, and read them
# from SQLITE_WORDS_FOUND. Since 0018_filter_words.
SQLITE_WORDS = "idea_words"
SQLITE_WORDS_TEXT = "idea_words_text"
SQLITE_WORDS_FOUND = "idea_words_found"
# The words the SQLite index holds, each where it occurs (an fts5vocab table over the index,
# read a word at a time by seeks): a temporary table of each connection (board/db.py),
# nothing stored, not part of the schema.
SQLITE_TERMS = "ideas_fts_terms"
SQLITE_TERMS_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{SQLITE_TERMS}"
    f" USING fts5vocab(main, {SQLITE_TABLE}, 'instance')"
)
# A search whose last word is the start of at most this many indexed words is asked as
# those words (see `spelled_out`).
MAX_SPELLED_OUT = 8
# Names the models do not know about (tests/test_migrations.py leaves them out of the diff).
DATABASE_OBJECTS = {
    SQLITE_WORDS,
    SQLITE_WORDS_FOUND,
    *(f"{SQLITE_WORDS_TEXT}{part}" for part in ("", "_data", "_idx", "_docsize", "_config")),
    SQLITE_TABLE,
    f"{SQLITE_TABLE}_data",
    f"{SQLITE_TABLE}_idx",
    f"{SQLITE_TABLE}_docsize",
    f"{SQLITE_TABLE}_config",
    f"{SQLITE_TABLE}_content",
    "ix_ideas_search",
    "search_vector",
}
POSTGRES_DOCUMENT = (
    "(to_tsvector('german'::regconfig, coalesce(title, '') || ' ' || coalesce(body, ''))"
    " || to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(body, '')))"
)
MAX_WORDS = 16
_WORD = re.compile(r"[^\W_]+")


def like_escaped(text: str) -> str:
    """`text` as a literal inside a LIKE pattern with `escape="\\"` (people's names and
    handles are matched by prefix or substring, not by the full-text index)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def words(query: str) -> list[str]:
    """The words of a search, lower-cased; punctuation and wildcards are not words."""
    return _WORD.findall(query.lower())[:MAX_WORDS]


def _fts(query: str) -> str:
    """An FTS5 query: every word quoted (no operators get through), the last one a prefix
    when the query ends in it."""
    found = words(query)
    prefix = query[-1:].isalnum()
    return " ".join([f'"{word}"' for word in found[:-1]] + [f'"{found[-1]}"' + "*" * prefix])


def parameters(dialect: str, query: str) -> dict[str, str] | None:
    """The values `condition` takes for `query`; None when it has no words (nothing matches)."""
    found = words(query)
    if not found:
        return None
    if dialect == "postgresql":
        prefix = query[-1:].isalnum()
        return {"terms": " & ".join(found[:-1] + [found[-1] + (":*" if prefix else "")])}
    return {"fts_query": _fts(query)}


def condition(dialect: str, id_column) -> ColumnElement[bool]:
    """A condition: the idea contains every word of the query; the last one may be the start
    of a word when the query ends in it (searching while typing), "100%" is the word 100.
    The query comes as parameters (`parameters`), so the statement is built once."""
    if dialect == "postgresql":
        tsquery = (
            "(to_tsquery('german'::regconfig, :terms) || to_tsquery('english'::regconfig, :terms))"
        )
        return text(f"{POSTGRES_VECTOR} @@ {tsquery}")
    return id_column.in_(_sqlite_hits())


def probe(id_column, words: int) -> ColumnElement[bool]:
    """SQLite: the idea `id_column` holds each of `words` words, bound as `search_words_0`, …
    (the `words` of `spelled_out`: each a JSON list of the indexed words it may be), asked of
    SQLITE_WORDS, a seek per word and idea (the first word it lacks ends it), for walking the
    rank index through a broad search. A question to FTS5 about one idea cost 7 µs (two words
    at 100,000 ideas: 2.4 ms a page); a seek in SQLITE_WORDS about 1 µs (0.3 ms)."""
    found = table(SQLITE_WORDS, column("word"), column("idea_id"))
    return and_(
        *(
            exists().where(
                found.c.idea_id == id_column,
                found.c.word.in_(
                    select(literal_column("value")).select_from(
                        text(f"json_each(:search_words_{number})")
                    )
                ),
            )
            for number in range(words)
        )
    )


@dataclass(frozen=True)
class Spelled:
    """A search as `spelled_out` found it."""

    query: str  # the FTS5 query, "" when nothing can match
    words: list[str]  # for `probe`: each word as a JSON list of the indexed words it may be
    matches: int  # an estimate of how many ideas match
    board: int  # the board's size (its highest idea id)


def spelled_out(session: Session, query: str) -> Spelled | None:
    """SQLite: the FTS5 query with the last word spelled out as the indexed words it stands
    for (the word itself, or every indexed word it starts when it is a prefix: "podcast" →
    "podcast" OR "podcasts"; the same matches), so that SQLITE_WORDS can be asked about one
    idea by seeks (`probe`); an estimate of how many ideas match (counted among the newest
    SAMPLE ideas, scaled to the board: a fixed cost at any size); and the board's size. One
    statement. A query "" when no idea holds such a last word.

    None when this does not apply: a word outside ASCII (the index holds words folded, "café"
    as "cafe"), or a prefix of more than MAX_SPELLED_OUT indexed words."""
    found = words(query)
    if not found or not all(word.isascii() for word in found):
        return None
    word = found[-1]
    # The indexed words from `low` up to `high`: those starting with the word, or the word.
    high = word[:-1] + chr(ord(word[-1]) + 1) if query[-1:].isalnum() else word + "\x01"
    exact = [f'"{earlier}"' for earlier in found[:-1]]
    values = {
        "low": word,
        "high": high,
        "most": MAX_SPELLED_OUT,
        "before": "".join(f"{earlier} AND " for earlier in exact) + "(" * bool(exact),
        "after": ")" * bool(exact),
        "sample": SAMPLE,
    }
    spelled, last, count, board, sampled = session.connection().execute(_SPELL_OUT, values).one()
    if count > MAX_SPELLED_OUT:
        return None
    if not spelled:
        return Spelled("", [], 0, board)
    matches = round((sampled or 0) * board / max(1, min(SAMPLE, board)))
    return Spelled(
        spelled, [json.dumps([earlier]) for earlier in found[:-1]] + [last], matches, board
    )


# How many of the newest ideas the estimate of a search's matches counts in (about 0.1 ms).
SAMPLE = 2000
# The words found walk the vocabulary from word to word by seeks ("char(1)" follows every
# word and comes before its longer ones: no indexed word holds it); the CASE counts only
# for a query worth asking. The board's size is its highest idea id (one seek); FTS5 seeks
# to the sample's first id in each word's list.
_SPELL_OUT = text(
    f"""WITH RECURSIVE found(term, step) AS (
  SELECT (SELECT term FROM temp.{SQLITE_TERMS}
          WHERE term >= :low AND term < :high LIMIT 1), 1
  UNION ALL
  SELECT (SELECT term FROM temp.{SQLITE_TERMS}
          WHERE term >= found.term || char(1) AND term < :high LIMIT 1), step + 1
  FROM found WHERE found.term IS NOT NULL AND step <= :most
), spelled(last, terms, words) AS (
  SELECT group_concat('"' || term || '"', ' OR '), json_group_array(term), count(term)
  FROM found WHERE term IS NOT NULL
), board(size) AS (
  SELECT coalesce((SELECT max(id) FROM ideas), 0)
)
SELECT :before || last || :after, terms, words, size, CASE WHEN words BETWEEN 1 AND :most THEN (
  SELECT count(*) FROM {SQLITE_TABLE}
  WHERE {SQLITE_TABLE} MATCH :before || last || :after AND rowid > size - :sample
) END
FROM spelled, board"""
)


# FTS5 adds a small segment to the index with each write and merges them in steps, so a
# large board's index is a dozen segments, and a question about one idea (a broad search
# walking the rank index) seeks in each: 9 segments cost 30 µs a question, 1 segment 5 µs.
# Housekeeping merges them, this many pages (4 KiB each) of work per transaction, so that
# writers never wait long for it.
MERGE_PAGES = 500
MERGE_STATEMENT = (
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rank) VALUES ('merge', -{MERGE_PAGES})"
)


def merge_segments(session: Session, rounds: int = 50) -> int:
    """SQLite: merge the search index's segments into one, in short transactions of at most
    MERGE_PAGES pages each, up to `rounds` of them (a board of 100,000 ideas: 7 MiB of
    index, 4 rounds). Returns the rounds that did work; PostgreSQL's index needs none."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    for done in range(rounds):
        connection = session.connection()
        before = connection.exec_driver_sql("SELECT total_changes()").scalar()
        connection.exec_driver_sql(MERGE_STATEMENT)
        # The command itself counts as one change; the pages it wrote as the others.
        worked = connection.exec_driver_sql("SELECT total_changes()").scalar() - before > 1
        session.commit()
        if not worked:
            return done
    return rounds


def _sqlite_hits():
    return (
        select(literal_column("rowid"))
        .select_from(text(SQLITE_TABLE))
        .where(text(f"{SQLITE_TABLE} MATCH :fts_query"))
    )


def count_matches(session: Session, query: str, at_most: int) -> int:
    """How many ideas match on SQLite, counting no further than `at_most`."""
    found = words(query)
    if not found:
        return 0
    return session.scalar(_count_statement(at_most), {"fts_query": _fts(query)})


@functools.lru_cache(maxsize=8)
def _count_statement(at_most: int):
    return select(func.count()).select_from(_sqlite_hits().limit(at_most).subquery())


SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(title, body, content='ideas', "
    f"content_rowid='id', {_TOKENIZER})",
    f"CREATE TRIGGER {SQLITE_TABLE}_insert AFTER INSERT ON ideas BEGIN "
    f"INSERT INTO {SQLITE_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_delete AFTER DELETE ON ideas BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_update AFTER UPDATE OF title, body ON ideas BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    f"INSERT INTO {SQLITE_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_update",
    f"DROP TABLE IF EXISTS {SQLITE_TABLE}",
]


def _tokenized(row: str) -> str:
    """Trigger steps: SQLITE_WORDS_TEXT holds the words of `row`'s text, and only those (one
    writer at a time, under SQLite's write lock: nobody else's meanwhile)."""
    return (
        f"INSERT INTO {SQLITE_WORDS_TEXT}({SQLITE_WORDS_TEXT}) VALUES ('delete-all'); "
        f"INSERT INTO {SQLITE_WORDS_TEXT}(rowid, title, body) VALUES (1, {row}.title, {row}.body); "
    )


_ADD_WORDS = (
    f"INSERT OR IGNORE INTO {SQLITE_WORDS}(idea_id, word) "
    f"SELECT new.id, term FROM {SQLITE_WORDS_FOUND}; "
)
_REMOVE_WORDS = f"DELETE FROM {SQLITE_WORDS} WHERE idea_id = old.id; "
# Since 0018_filter_words (SQLite): SQLITE_WORDS and the triggers that keep it.
SQLITE_WORDS_CREATE = [
    # An idea's words side by side, so a new idea's are written to a page or two (keyed by
    # the word first, each went to a page of its own: 0.37 instead of 0.09 ms per new idea).
    f"CREATE TABLE {SQLITE_WORDS} (idea_id INTEGER NOT NULL, word TEXT NOT NULL, "
    "PRIMARY KEY (idea_id, word)) WITHOUT ROWID",
    f"CREATE VIRTUAL TABLE {SQLITE_WORDS_TEXT} USING fts5(title, body, content='', "
    f"detail=none, columnsize=0, {_TOKENIZER})",
    f"CREATE VIRTUAL TABLE {SQLITE_WORDS_FOUND} USING fts5vocab({SQLITE_WORDS_TEXT}, 'row')",
    f"CREATE TRIGGER {SQLITE_WORDS}_insert AFTER INSERT ON ideas BEGIN "
    + _tokenized("new")
    + _ADD_WORDS
    + "END",
    f"CREATE TRIGGER {SQLITE_WORDS}_delete AFTER DELETE ON ideas BEGIN " + _REMOVE_WORDS + "END",
    f"CREATE TRIGGER {SQLITE_WORDS}_update AFTER UPDATE OF title, body ON ideas BEGIN "
    + _REMOVE_WORDS
    + _tokenized("new")
    + _ADD_WORDS
    + "END",
    # The words of the ideas already there, from the search index (which holds the same).
    f"CREATE VIRTUAL TABLE temp.{SQLITE_WORDS}_fill USING fts5vocab(main, {SQLITE_TABLE}, 'instance')",
    f"INSERT OR IGNORE INTO {SQLITE_WORDS}(idea_id, word) SELECT doc, term FROM temp.{SQLITE_WORDS}_fill",
    f"DROP TABLE temp.{SQLITE_WORDS}_fill",
]
SQLITE_WORDS_DROP = [
    f"DROP TRIGGER IF EXISTS {SQLITE_WORDS}_insert",
    f"DROP TRIGGER IF EXISTS {SQLITE_WORDS}_delete",
    f"DROP TRIGGER IF EXISTS {SQLITE_WORDS}_update",
    f"DROP TABLE IF EXISTS {SQLITE_WORDS_FOUND}",
    f"DROP TABLE IF EXISTS {SQLITE_WORDS_TEXT}",
    f"DROP TABLE IF EXISTS {SQLITE_WORDS}",
]
POSTGRES_CREATE = [f"CREATE INDEX ix_ideas_search ON ideas USING gin ({POSTGRES_DOCUMENT})"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_ideas_search"]
# Since 0016_filter_ranks PostgreSQL stores each idea's document, computed by the database
# when the text is written (a generated column), and indexes that: a page that walks the
# rank index through a broad search tests each idea's stored vector (about 1 µs) instead
# of computing it from the text again (about 50 µs: two languages' stemmers).
POSTGRES_VECTOR = "search_vector"
POSTGRES_STORED_CREATE = [
    f"ALTER TABLE ideas ADD COLUMN {POSTGRES_VECTOR} tsvector"
    f" GENERATED ALWAYS AS ({POSTGRES_DOCUMENT}) STORED",
    f"CREATE INDEX ix_ideas_search ON ideas USING gin ({POSTGRES_VECTOR})",
]
POSTGRES_STORED_DROP = [
    "DROP INDEX IF EXISTS ix_ideas_search",
    f"ALTER TABLE ideas DROP COLUMN IF EXISTS {POSTGRES_VECTOR}",
]
