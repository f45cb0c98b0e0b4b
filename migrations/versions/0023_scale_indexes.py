"""Indexes a busy board needs (docs/performance.md, helper `scaleidx`):

- notifications (user_id, id): a person's notifications are read newest first by id; with
  only (user_id, read_at) PostgreSQL walked the primary key backwards through everyone's
  notifications for a person who has few (45-65 ms at 205,000). (user_id, read_at) stays:
  the unread badge on every page, marking all read and the mails ask for the unread.
- events (actor_id): a person's export reads their own events.
- webhook_deliveries (seq) and notifications (nudge_id): deleting an event or a nudge (the
  retention, an erasure) has the database check that no row still refers to it; without
  an index each deleted row read the whole referring table (200 private events: 19 s).
- webhook_deliveries (webhook_id, status): removing a webhook deletes its deliveries (and
  the key's cascade looks for them again); the webhooks page counts them by status.

Revision ID: 0023_scale_indexes
Revises: 0022_search_facets_postgres
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_scale_indexes"
down_revision: str | None = "0022_search_facets_postgres"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_notifications_user_id_id", "notifications", ["user_id", "id"]),
    ("ix_notifications_nudge_id", "notifications", ["nudge_id"]),
    ("ix_events_actor_id", "events", ["actor_id"]),
    ("ix_webhook_deliveries_seq", "webhook_deliveries", ["seq"]),
    ("ix_webhook_deliveries_webhook_id_status", "webhook_deliveries", ["webhook_id", "status"]),
)


def upgrade() -> None:
    # New indexes only: neither database rebuilds a table for them.
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
