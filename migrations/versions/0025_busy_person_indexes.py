"""What a busy person and a quiet department cost, bounded (docs/performance.md, helper
`busyidx`):

- notifications (user_id, id) WHERE read_at IS NULL, in place of (user_id, read_at): a
  person's unread alone, newest first. Every page's badge, the unread list, marking all
  read and the mails ask for them; with (user_id, read_at) PostgreSQL expected many unread
  and walked the primary key backwards for a person with 50,000 notifications and one
  unread (124 ms). Every question (user_id, read_at) answered was about the unread.
- events (department_id, seq, at, type, private): a department's page of the feed reads its
  newest events in order, testing the period, type and privacy in the index; SQLite (without
  statistics) sorted all of the department's events of the period, or (with them) walked
  the primary key back through every event for a quiet department's page.
- webhook_deliveries (webhook_id, id) WHERE last_error IS NOT NULL AND status <> 'delivered':
  the webhooks page shows each webhook's last problem, the error of its newest delivery
  not delivered; it walked back through every delivered row to find it. (Its counts by
  status stop at board.webhooks.COUNTED_UP_TO, on the (webhook_id, status) index.)
- event_people: the people each envelope names (seq, user id), written by a trigger on
  `events` from the envelope itself (board/personal_data.py) and filled here for the log
  already written: an erasure rewrites the envelopes that name the person instead of
  reading the whole log.

Revision ID: 0025_busy_person_indexes
Revises: 0024_feed_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from board import personal_data

revision: str = "0025_busy_person_indexes"
down_revision: str | None = "0024_feed_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREAD = sa.text("read_at IS NULL")
PROBLEM = sa.text("last_error IS NOT NULL AND status <> 'delivered'")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index(
        "ix_notifications_user_id_unread",
        "notifications",
        ["user_id", "id"],
        sqlite_where=UNREAD,
        postgresql_where=UNREAD,
    )
    op.drop_index("ix_notifications_user_id_read_at", table_name="notifications")
    op.create_index(
        "ix_events_department_id_seq", "events", ["department_id", "seq", "at", "type", "private"]
    )
    op.create_index(
        "ix_webhook_deliveries_problems",
        "webhook_deliveries",
        ["webhook_id", "id"],
        sqlite_where=PROBLEM,
        postgresql_where=PROBLEM,
    )
    op.create_table(
        "event_people",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["events.seq"],
            name=op.f("fk_event_people_seq_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", "user_id", name=op.f("pk_event_people")),
    )
    op.create_index(op.f("ix_event_people_user_id"), "event_people", ["user_id"])
    postgres = _postgres()
    for statement in (
        personal_data.NAMED_POSTGRES_CREATE if postgres else personal_data.NAMED_SQLITE_CREATE
    ):
        op.execute(statement)
    op.execute(personal_data.NAMED_POSTGRES_FILL if postgres else personal_data.NAMED_SQLITE_FILL)


def downgrade() -> None:
    for statement in (
        personal_data.NAMED_POSTGRES_DROP if _postgres() else personal_data.NAMED_SQLITE_DROP
    ):
        op.execute(statement)
    op.drop_index(op.f("ix_event_people_user_id"), table_name="event_people")
    op.drop_table("event_people")
    op.drop_index("ix_webhook_deliveries_problems", table_name="webhook_deliveries")
    op.drop_index("ix_events_department_id_seq", table_name="events")
    op.create_index("ix_notifications_user_id_read_at", "notifications", ["user_id", "read_at"])
    op.drop_index("ix_notifications_user_id_unread", table_name="notifications")
