"""What a board kept for years costs a hide, a deleted comment and a challenge's page,
bounded (docs/performance.md, helper `objlog`):

- event_objects: the ideas and comments each envelope carries (kind, object id, seq),
  written by a trigger on `events` from the envelope itself (board/events.py, CARRIED_*)
  and filled here for the log already written: hiding an idea or comment and deleting a
  comment rewrite the envelopes carrying it instead of reading the whole log by a JSON path.
- comments (idea_id, created_at, id) WHERE is_mentor_note: a challenge's page reads each
  idea's newest three mentor notes and counts its notes from the notes alone, not from
  every comment of its ideas.

Revision ID: 0026_carried_objects
Revises: 0025_busy_person_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from board import events
from models.ideas import MENTOR_NOTE_POSTGRES, MENTOR_NOTE_SQLITE

revision: str = "0026_carried_objects"
down_revision: str | None = "0025_busy_person_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "event_objects",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["events.seq"],
            name=op.f("fk_event_objects_seq_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kind", "object_id", "seq", name=op.f("pk_event_objects")),
    )
    op.create_index(op.f("ix_event_objects_seq"), "event_objects", ["seq"])
    postgres = _postgres()
    for statement in events.CARRIED_POSTGRES_CREATE if postgres else events.CARRIED_SQLITE_CREATE:
        op.execute(statement)
    op.execute(events.CARRIED_POSTGRES_FILL if postgres else events.CARRIED_SQLITE_FILL)
    op.create_index(
        "ix_comments_mentor_notes",
        "comments",
        ["idea_id", "created_at", "id", "is_mentor_note"],
        sqlite_where=sa.text(MENTOR_NOTE_SQLITE),
        postgresql_where=sa.text(MENTOR_NOTE_POSTGRES),
    )


def downgrade() -> None:
    op.drop_index("ix_comments_mentor_notes", table_name="comments")
    for statement in events.CARRIED_POSTGRES_DROP if _postgres() else events.CARRIED_SQLITE_DROP:
        op.execute(statement)
    op.drop_index(op.f("ix_event_objects_seq"), table_name="event_objects")
    op.drop_table("event_objects")
