"""Indexes on one column that a wider index leading with the same column answers for
(docs/performance.md, helper `twins`):

- tasks (status): ix_tasks_status_newest (status, created_at, id) and
  ix_tasks_status_completed_at (status, completed_at, claimed_by_id) start with it;
- ideas (created_at): ix_ideas_rank_new (created_at, id) is the same key with the id beside
  it (on SQLite the entries were the same already: the rowid is the id);
- user_identities (user_id): the unique (user_id, issuer) starts with it.

Every query that filtered or ordered by one of them reads the wider index instead, none
the whole table (checked with EXPLAIN on both databases: bench/prefixidx.py). Posting an
idea, creating a task, claiming, releasing or finishing one and linking a company login
write one index entry less.

Revision ID: 0030_drop_redundant_indexes
Revises: 0029_feed_period_index
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030_drop_redundant_indexes"
down_revision: str | None = "0029_feed_period_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, column)
INDEXES = (
    ("ix_tasks_status", "tasks", "status"),
    ("ix_ideas_created_at", "ideas", "created_at"),
    ("ix_user_identities_user_id", "user_identities", "user_id"),
)


def upgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, column in reversed(INDEXES):
        op.create_index(name, table, [column])
