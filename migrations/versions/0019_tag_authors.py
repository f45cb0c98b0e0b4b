"""A department and a tag together: idea_tags keeps its idea's author beside the rank keys
(a copy, written by the triggers that copy the keys when a tag is written, and by one on
the idea's author), last in each of the tag's three rank indexes, so that the page walking
the tag's index asks each entry's author about the department without reading its idea:
at 100,000 ideas it passed ~400 ideas' rows for 50 of a department (docs/performance.md).
The author, not their department: a person's department may change.

Revision ID: 0019_tag_authors
Revises: 0018_filter_words
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from board import tallies

revision: str = "0019_tag_authors"
down_revision: str | None = "0018_filter_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANKS = {
    "ix_idea_tags_rank_top": [
        "tag",
        "vote_count",
        "departments_supporting",
        "created_at",
        "idea_id",
    ],
    "ix_idea_tags_rank_hot": ["tag", "hot_score", "idea_id"],
    "ix_idea_tags_rank_new": ["tag", "created_at", "idea_id"],
}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    postgres = _postgres()
    for statement in tallies.TAG_RANKS_POSTGRES_DROP if postgres else tallies.TAG_RANKS_SQLITE_DROP:
        op.execute(statement)
    op.add_column("idea_tags", sa.Column("author_id", sa.Integer(), nullable=True))
    op.execute(tallies.TAG_AUTHORS_FILL)  # no index holds it yet
    for name, columns in RANKS.items():
        op.drop_index(name, table_name="idea_tags")
        op.create_index(name, "idea_tags", [*columns, "author_id"])
    for statement in (
        tallies.TAG_COPIES_POSTGRES_CREATE if postgres else tallies.TAG_COPIES_SQLITE_CREATE
    ):
        op.execute(statement)


def downgrade() -> None:
    postgres = _postgres()
    for statement in (
        tallies.TAG_COPIES_POSTGRES_DROP if postgres else tallies.TAG_COPIES_SQLITE_DROP
    ):
        op.execute(statement)
    for name in RANKS:
        op.drop_index(name, table_name="idea_tags")
    with op.batch_alter_table("idea_tags", schema=None) as batch_op:
        batch_op.drop_column("author_id")
    for name, columns in RANKS.items():
        op.create_index(name, "idea_tags", columns)
    for statement in (
        tallies.TAG_RANKS_POSTGRES_CREATE if postgres else tallies.TAG_RANKS_SQLITE_CREATE
    ):
        op.execute(statement)
