"""SQLite: each idea's words as the search index holds them, a row per word and idea
(`idea_words`, kept by triggers on `ideas` that tokenize the text as `ideas_fts` does), so
that a search's page walking the rank index asks about one idea by a seek in a plain index
(about 1 µs) instead of a question to FTS5 (about 7 µs). Two words' first page at 100,000
ideas: 2.4 → 0.3 ms (docs/performance.md). PostgreSQL tests its stored search vector and
needs nothing.

Revision ID: 0018_filter_words
Revises: 0017_people_revision
"""

from collections.abc import Sequence

from alembic import op

from board import search

revision: str = "0018_filter_words"
down_revision: str | None = "0017_people_revision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        for statement in search.SQLITE_WORDS_CREATE:
            op.execute(statement)


def downgrade() -> None:
    if _sqlite():
        for statement in search.SQLITE_WORDS_DROP:
            op.execute(statement)
