"""Each prompt stores how many ideas answer it (prompts.idea_count, withdrawn ideas not
counted), kept by triggers on `ideas` whoever writes (board/prompts.py): the board's strip
and the prompt list counted every idea a prompt ever had, on every request, which grows
with a board kept for years.

Revision ID: 0033_prompt_idea_count
Revises: 0032_email_spelling
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from board import prompts

revision: str = "0033_prompt_idea_count"
down_revision: str | None = "0032_email_spelling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("idea_count", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(prompts.IDEA_COUNT_RECOUNT)
    for statement in (
        prompts.IDEA_COUNT_POSTGRES_CREATE if _postgres() else prompts.IDEA_COUNT_SQLITE_CREATE
    ):
        op.execute(statement)


def downgrade() -> None:
    for statement in (
        prompts.IDEA_COUNT_POSTGRES_DROP if _postgres() else prompts.IDEA_COUNT_SQLITE_DROP
    ):
        op.execute(statement)
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.drop_column("idea_count")
