"""The board's task columns read the newest tasks of one status (status = ? ORDER BY
created_at DESC, id DESC LIMIT 20): an index on (status, created_at, id) lets each column
read its 20 rows from the index instead of every task of its status, sorted.

Revision ID: 0013_task_status_index
Revises: 0012_timezone
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_task_status_index"
down_revision: str | None = "0012_timezone"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new index only: neither database rebuilds the table for it.
    op.create_index("ix_tasks_status_newest", "tasks", ["status", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_status_newest", table_name="tasks")
