"""Each public event's webhook deliveries are written by a trigger on `events`, in the
statement that writes the event row, instead of a lookup of the webhooks by the board on
every write (one of a vote's eight statements; on PostgreSQL, with webhooks, a second round
trip while the event lock is held). The same rows as before: one per active webhook that
takes the event's type (or every type), pending, due from the event's moment; none for a
private event (board/webhooks.py).

Revision ID: 0020_vote_webhook_deliveries
Revises: 0019_tag_authors
"""

from collections.abc import Sequence

from alembic import op

from board import webhooks

revision: str = "0020_vote_webhook_deliveries"
down_revision: str | None = "0019_tag_authors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    postgres = _postgres()
    for statement in (
        webhooks.DELIVERIES_POSTGRES_CREATE if postgres else webhooks.DELIVERIES_SQLITE_CREATE
    ):
        op.execute(statement)


def downgrade() -> None:
    postgres = _postgres()
    for statement in (
        webhooks.DELIVERIES_POSTGRES_DROP if postgres else webhooks.DELIVERIES_SQLITE_DROP
    ):
        op.execute(statement)
