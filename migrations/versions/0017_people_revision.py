"""The one-process board's check before each fan-out pass reads one number instead of
every person: `people_revision`, one row that triggers raise whenever a person's
session_version or `active` changes or a person is deleted, whoever writes
(board/people.py). Before, it summed session_version over all users: 2.3 ms a pass at
30,000 people.

Revision ID: 0017_people_revision
Revises: 0016_filter_ranks
"""

from collections.abc import Sequence

from alembic import op

from board import people

revision: str = "0017_people_revision"
down_revision: str | None = "0016_filter_ranks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for statement in (
        people.REVISION_POSTGRES_CREATE if _postgres() else people.REVISION_SQLITE_CREATE
    ):
        op.execute(statement)


def downgrade() -> None:
    for statement in people.REVISION_POSTGRES_DROP if _postgres() else people.REVISION_SQLITE_DROP:
        op.execute(statement)
