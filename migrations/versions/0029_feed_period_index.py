"""A past period's page of the feed reads its edges from one index (docs/performance.md,
helper `feedrange`):

- events (at, seq), in place of events (at): the feed's page for a period that ended
  before today finds the period's first event by time and the first at or after its end
  (`ORDER BY at, seq LIMIT 1`), and the events recorded before the end but numbered after
  that one, from this index alone. PostgreSQL fetched each of the period's rows to read
  its seq, or walked its primary key back from the newest event (35-65 ms for a period
  ending 180 days ago at 300,000 events). On SQLite the index on `at` carried the seq
  already (its rowid): the same entries under a new name. An event writes as many index
  entries as before.

Revision ID: 0029_feed_period_index
Revises: 0028_help_report_indexes
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029_feed_period_index"
down_revision: str | None = "0028_help_report_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_at_seq", "events", ["at", "seq"])
    op.drop_index("ix_events_at", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_at", "events", ["at"])
    op.drop_index("ix_events_at_seq", table_name="events")
