"""The help report reads the votes of its weeks, not every vote (docs/performance.md,
helper `periodhelp`):

- votes (created_at, user_id, idea_id): the report counts each person's votes per week
  since its first week's start (`created_at >= ?`), leaving out the votes of challenges
  whose tallies are hidden (`idea_id`), from this index alone. Without it both databases
  read every vote the board ever had (PostgreSQL ~50 ms at 180,000, growing with the
  board's history).
- in place of votes (idea_id): the unique (idea_id, user_id) answers everything that index
  did (its first column, and the voter beside it), so a vote writes as many index
  entries as before.

Revision ID: 0027_vote_time_index
Revises: 0026_carried_objects
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027_vote_time_index"
down_revision: str | None = "0026_carried_objects"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_votes_created_at_user_id", "votes", ["created_at", "user_id", "idea_id"])
    op.drop_index("ix_votes_idea_id", table_name="votes")


def downgrade() -> None:
    op.create_index("ix_votes_idea_id", "votes", ["idea_id"])
    op.drop_index("ix_votes_created_at_user_id", table_name="votes")
