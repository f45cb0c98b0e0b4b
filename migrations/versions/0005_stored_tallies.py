"""stored tallies, rendered Markdown, rank indexes and full-text search

Ideas keep their vote count, supporting departments, hot heat and hot key beside them
(kept by the vote's own transaction) and their sanitized HTML; comments their HTML.
Existing rows are backfilled here from the votes and the texts. Search: SQLite FTS5 with
triggers, PostgreSQL an expression GIN index over German and English tsvectors.

Revision ID: 0005_stored_tallies
Revises: 0004_ended_sessions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from board import search
from board.tallies import backfill

revision: str = "0005_stored_tallies"
down_revision: str | None = "0004_ended_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("vote_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("departments_supporting", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("vote_heat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("hot_score", sa.Float(), server_default="0", nullable=False))
        batch_op.create_index(
            "ix_ideas_rank_top",
            ["vote_count", "departments_supporting", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_ideas_rank_hot", ["hot_score", "id"], unique=False)
        batch_op.create_index("ix_ideas_rank_new", ["created_at", "id"], unique=False)
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_newest", ["created_at", "id"], unique=False)

    connection = op.get_bind()
    backfill(connection)
    statements = (
        search.POSTGRES_CREATE if connection.dialect.name == "postgresql" else search.SQLITE_CREATE
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    connection = op.get_bind()
    statements = (
        search.POSTGRES_DROP if connection.dialect.name == "postgresql" else search.SQLITE_DROP
    )
    for statement in statements:
        op.execute(statement)
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_newest")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("body_html")
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_index("ix_ideas_rank_new")
        batch_op.drop_index("ix_ideas_rank_hot")
        batch_op.drop_index("ix_ideas_rank_top")
        batch_op.drop_column("hot_score")
        batch_op.drop_column("vote_heat")
        batch_op.drop_column("departments_supporting")
        batch_op.drop_column("vote_count")
        batch_op.drop_column("body_html")
