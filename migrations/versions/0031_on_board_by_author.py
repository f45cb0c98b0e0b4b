"""The people page reads each person's latest ideas and counts them from one index
(docs/performance.md, "the people page's work at any size"):

- ideas (author_id, created_at, id, withdrawn_at, hidden_at) WHERE withdrawn_at IS NULL
  AND hidden_at IS NULL: each listed person's newest five ideas on the board are walked
  from it and stop at five, and their ideas are counted in it alone. The page and
  `GET /api/v1/directory` read every idea of the people they list instead (250 ms for
  600 people at 100,000 ideas). The two predicate columns are in the index so that SQLite
  counts from the index without reading the rows. Posting an idea writes one index entry
  more; withdrawing or hiding it takes it out. A vote's update of the idea's tallies does
  not touch it on SQLite (none of its columns change); on PostgreSQL, where that update
  writes a new row version into every index of `ideas`, it writes one entry more.

Revision ID: 0031_on_board_by_author
Revises: 0030_drop_redundant_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031_on_board_by_author"
down_revision: str | None = "0030_drop_redundant_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# models.ideas.ON_BOARD as it is written here (a migration keeps its own copy).
ON_BOARD = "withdrawn_at IS NULL AND hidden_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_ideas_on_board_by_author",
        "ideas",
        ["author_id", "created_at", "id", "withdrawn_at", "hidden_at"],
        sqlite_where=sa.text(ON_BOARD),
        postgresql_where=sa.text(ON_BOARD),
    )


def downgrade() -> None:
    op.drop_index("ix_ideas_on_board_by_author", table_name="ideas")
