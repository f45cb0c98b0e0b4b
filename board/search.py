"""Full-text search over ideas: SQLite FTS5, PostgreSQL tsvector (German and English).

The index is kept in sync by the database itself (SQLite: triggers on `ideas`;
PostgreSQL: an expression GIN index), so every write path is covered. The DDL lives in
the migration; the names and the document expression are here so that query and index
agree. No Flask here: the migration imports it.
"""

from __future__ import annotations

import functools
import re

from sqlalchemy import (
    ColumnElement,
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
# The words the SQLite index holds, each where it occurs (an fts5vocab table over the index,
# read a word at a time by seeks): a temporary table of each connection (board/db.py),
# nothing stored, not part of the schema.
SQLITE_TERMS = "ideas_fts_terms"
SQLITE_TERMS_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{SQLITE_TERMS}"
    f" USING fts5vocab(main, {SQLITE_TABLE}, 'instance')"
)
# A one-word search whose word is the start of at most this many indexed words is asked as
# those words (see `one_word`).
MAX_SPELLED_OUT = 8
# Names the models do not know about (tests/test_migrations.py leaves them out of the diff).
DATABASE_OBJECTS = {
    SQLITE_TABLE,
    f"{SQLITE_TABLE}_data",
    f"{SQLITE_TABLE}_idx",
    f"{SQLITE_TABLE}_docsize",
    f"{SQLITE_TABLE}_config",
    f"{SQLITE_TABLE}_content",
    "ix_ideas_search",
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
        return text(f"{POSTGRES_DOCUMENT} @@ {tsquery}")
    return id_column.in_(_sqlite_hits())


def probe(id_column) -> ColumnElement[bool]:
    """SQLite: the idea `id_column` matches `fts_query`, asked of the index for this one idea
    (a seek per word), for walking the rank index through a broad search. Only for words
    spelled out: FTS5 reads every word of a prefix in full for each such question."""
    index = table(SQLITE_TABLE, column("rowid"))
    return exists().where(text(f"{SQLITE_TABLE} MATCH :fts_query"), index.c.rowid == id_column)


def one_word(session: Session, query: str, at_least: int) -> tuple[str, int, int] | None:
    """SQLite, a search of one word (as most are while typing): the FTS5 query with the word
    spelled out as the indexed words it stands for (the word itself, or every indexed word
    it starts when it is a prefix: "podcast" → "podcast" OR "podcasts"; the same matches);
    how many ideas match, counted up to one more than the third value; and that third
    value, the matches above which a page should ask about each idea it walks (`probe`):
    a quarter of the board, at least `at_least`. With fewer matches the walk would ask too
    often (50 × board / matches questions of 5-30 µs each), and the list of all matches is
    cheaper. One statement: a seek in the index's vocabulary per word found, then the
    count. ("", 0, …) when no idea holds such a word.

    None when this does not apply: more words, a word outside ASCII (the index holds words
    folded, "café" as "cafe"), or a prefix of more than MAX_SPELLED_OUT indexed words."""
    found = words(query)
    if len(found) != 1 or not found[0].isascii():
        return None
    word = found[0]
    # The indexed words from `low` up to `high`: those starting with the word, or the word.
    high = word[:-1] + chr(ord(word[-1]) + 1) if query[-1:].isalnum() else word + "\x01"
    values = {"low": word, "high": high, "most": MAX_SPELLED_OUT, "at_least": at_least}
    spelled, count, probe_above, matches = session.connection().execute(_SPELL_OUT, values).one()
    if count > MAX_SPELLED_OUT:
        return None
    return spelled or "", matches or 0, probe_above


PROBE_SHARE = 4  # a one-word search is asked about each idea walked above 1 / 4 of the board
# The words found walk the vocabulary from word to word by seeks ("char(1)" follows every
# word and comes before its longer ones: no indexed word holds it); the CASE counts only
# for a query worth asking. The board's size is its highest idea id (one seek).
_SPELL_OUT = text(
    f"""WITH RECURSIVE found(term, step) AS (
  SELECT (SELECT term FROM temp.{SQLITE_TERMS}
          WHERE term >= :low AND term < :high LIMIT 1), 1
  UNION ALL
  SELECT (SELECT term FROM temp.{SQLITE_TERMS}
          WHERE term >= found.term || char(1) AND term < :high LIMIT 1), step + 1
  FROM found WHERE found.term IS NOT NULL AND step <= :most
), spelled(query, words) AS (
  SELECT group_concat('"' || term || '"', ' OR '), count(term) FROM found
), board(probe_above) AS (
  SELECT max(:at_least, coalesce((SELECT max(id) FROM ideas), 0) / {PROBE_SHARE})
)
SELECT query, words, probe_above, CASE WHEN words BETWEEN 1 AND :most THEN (
  SELECT count(*) FROM (
    SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH spelled.query
    LIMIT (SELECT probe_above + 1 FROM board)
  )
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
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
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
POSTGRES_CREATE = [f"CREATE INDEX ix_ideas_search ON ideas USING gin ({POSTGRES_DOCUMENT})"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_ideas_search"]
