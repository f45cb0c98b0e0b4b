"""SQLite: each idea's filters in the search index beside its words (a token per tag and
one for its author's department, in a third column of `ideas_fts` fed by
`ideas.search_facets`, kept by triggers), so that a tag or a department with a word they
seldom meet is one merge of two doclists inside FTS5 instead of a test of each of the
word's matches, a cost that grew with the board (docs/performance.md).

Revision ID: 0021_search_facets
Revises: 0020_vote_webhook_deliveries
"""

from collections.abc import Sequence

from alembic import op

from board import search

revision: str = "0021_search_facets"
down_revision: str | None = "0020_vote_webhook_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        for statement in search.SQLITE_DROP + search.SQLITE_FACETS_CREATE:
            op.execute(statement)


def downgrade() -> None:
    if _sqlite():
        for statement in search.SQLITE_FACETS_DROP + search.SQLITE_CREATE:
            op.execute(statement)
