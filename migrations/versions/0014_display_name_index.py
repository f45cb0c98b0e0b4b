"""Whether two active people share a display name is asked for the names a page shows
(lower(display_name) IN (...)), not by grouping every person's name: an index on
lower(display_name) finds each name's holders, whatever the number of people.

Revision ID: 0014_display_name_index
Revises: 0013_task_status_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_display_name_index"
down_revision: str | None = "0013_task_status_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new index only: neither database rebuilds the table for it.
    op.create_index("ix_users_display_name_folded", "users", [sa.text("lower(display_name)")])


def downgrade() -> None:
    op.drop_index("ix_users_display_name_folded", table_name="users")
