"""A tag's page walks that tag's own rank index: idea_tags keeps its idea's rank keys
(vote_count, departments_supporting, hot_score, created_at), indexed after the tag in the
three orders (the index on the tag alone goes: each starts with it), copied by triggers when a tag is written and whenever the idea's tallies
change (in the changing statement, so under the vote's lock). A tag and a department, or
a tag and a word, then cost the same at any size (docs/performance.md). PostgreSQL stores
each idea's search document (a generated tsvector column, indexed in place of the
expression), so that a walk through a broad search tests it instead of computing it.

Revision ID: 0016_filter_ranks
Revises: 0015_display_name_key
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from board import search, tallies
from models.base import UTCDateTime

revision: str = "0016_filter_ranks"
down_revision: str | None = "0015_display_name_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_idea_tags_rank_top": ["tag", "vote_count", "departments_supporting", "created_at", "idea_id"],
    "ix_idea_tags_rank_hot": ["tag", "hot_score", "idea_id"],
    "ix_idea_tags_rank_new": ["tag", "created_at", "idea_id"],
}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column("idea_tags", sa.Column("vote_count", sa.Integer(), nullable=True))
    op.add_column("idea_tags", sa.Column("departments_supporting", sa.Integer(), nullable=True))
    op.add_column("idea_tags", sa.Column("hot_score", sa.Float(), nullable=True))
    op.add_column("idea_tags", sa.Column("created_at", UTCDateTime(), nullable=True))
    op.execute(tallies.TAG_RANKS_FILL)
    for name, columns in INDEXES.items():
        op.create_index(name, "idea_tags", columns)
    op.drop_index("ix_idea_tags_tag", table_name="idea_tags")  # each rank index starts with it
    for statement in (
        tallies.TAG_RANKS_POSTGRES_CREATE if _postgres() else tallies.TAG_RANKS_SQLITE_CREATE
    ):
        op.execute(statement)
    if _postgres():
        for statement in search.POSTGRES_DROP + search.POSTGRES_STORED_CREATE:
            op.execute(statement)
        # A tag's page reads 50 to a few hundred entries of its rank index: PostgreSQL
        # planned that walk in parallel for a tag and a word, and starting the worker cost
        # 6 of the page's 13 ms at 100,000 ideas.
        op.execute("ALTER TABLE idea_tags SET (parallel_workers = 0)")


def downgrade() -> None:
    if _postgres():
        op.execute("ALTER TABLE idea_tags RESET (parallel_workers)")
        for statement in search.POSTGRES_STORED_DROP + search.POSTGRES_CREATE:
            op.execute(statement)
    for statement in (
        tallies.TAG_RANKS_POSTGRES_DROP if _postgres() else tallies.TAG_RANKS_SQLITE_DROP
    ):
        op.execute(statement)
    op.create_index("ix_idea_tags_tag", "idea_tags", ["tag"])
    for name in INDEXES:
        op.drop_index(name, table_name="idea_tags")
    with op.batch_alter_table("idea_tags", schema=None) as batch_op:
        for column in ("created_at", "hot_score", "departments_supporting", "vote_count"):
            batch_op.drop_column(column)
