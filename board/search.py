"""Full-text search over ideas: SQLite FTS5, PostgreSQL tsvector (German and English).

The index is kept in sync by the database itself (SQLite: triggers on `ideas`;
PostgreSQL: an expression GIN index), so every write path is covered. The DDL lives in
the migration; the names and the document expression are here so that query and index
agree. No Flask here: the migration imports it.
"""

from __future__ import annotations

import functools
import re

from sqlalchemy import ColumnElement, func, literal_column, select, text
from sqlalchemy.orm import Session

SQLITE_TABLE = "ideas_fts"
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
