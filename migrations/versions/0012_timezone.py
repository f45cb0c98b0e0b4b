"""A person's own time zone (an IANA name such as Europe/Berlin): their browser's, stored
once, or chosen on their profile; null means the board's BOARD_TIMEZONE.

Revision ID: 0012_timezone
Revises: 0011_content
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_timezone"
down_revision: str | None = "0011_content"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain nullable column: SQLite adds it in place, without rebuilding the table.
    op.add_column("users", sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("timezone")
