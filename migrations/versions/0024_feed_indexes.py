"""Indexes the feed and a busy idea's page read in their order (docs/performance.md,
helper `feedscale`):

- events (type, at, department_id, private), in place of (type): the feed's summary counts
  ideas posted, tasks done and posts published per week from this index alone; it fetched
  every such event (1.1 s over all time at 1,100,000 events).
- events (department_id, at), in place of (department_id): the summary asks each
  department once whether it did something in the period, where counting the distinct
  departments read every event of the period (0.25-0.6 s).
- comments (idea_id, created_at, id), in place of (idea_id): an idea's page reads its
  newest 50 comments in order instead of sorting all of them.

Revision ID: 0024_feed_indexes
Revises: 0023_scale_indexes
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024_feed_indexes"
down_revision: str | None = "0023_scale_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (new index, table, columns, the index it replaces, its column)
INDEXES = (
    (
        "ix_events_type_at",
        "events",
        ["type", "at", "department_id", "private"],
        "ix_events_type",
        "type",
    ),
    (
        "ix_events_department_id_at",
        "events",
        ["department_id", "at"],
        "ix_events_department_id",
        "department_id",
    ),
    (
        "ix_comments_idea_id_created_at",
        "comments",
        ["idea_id", "created_at", "id"],
        "ix_comments_idea_id",
        "idea_id",
    ),
)


def upgrade() -> None:
    for name, table, columns, old, _column in INDEXES:
        op.create_index(name, table, columns)
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for name, table, _columns, old, column in reversed(INDEXES):
        op.create_index(old, table, [column])
        op.drop_index(name, table_name=table)
