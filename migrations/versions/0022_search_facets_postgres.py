"""PostgreSQL: each idea's filters (a lexeme per tag and one for its author's department,
`ideas.search_facets`, kept by triggers) in its stored search vector beside the text's
words, so that a tag or a department with a word is one question the GIN index answers by
intersecting both, instead of a walk of the tag's (or the board's) rank index testing each
idea's vector, which grew with the board (docs/performance.md).

Revision ID: 0022_search_facets_postgres
Revises: 0021_search_facets
"""

from collections.abc import Sequence

from alembic import op

from board import search

revision: str = "0022_search_facets_postgres"
down_revision: str | None = "0021_search_facets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        for statement in search.POSTGRES_FACETS_CREATE:
            op.execute(statement)


def downgrade() -> None:
    if _postgres():
        for statement in search.POSTGRES_FACETS_DROP:
            op.execute(statement)
