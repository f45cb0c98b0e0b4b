"""Fixing mistakes, moderation in the open, images: comments edited or deleted by their
authors, ideas withdrawn, ideas and comments hidden with a reason, flags, the moderation
record, uploaded images.

Revision ID: 0011_content
Revises: 0010_privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0011_content"
down_revision: str | None = "0010_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = models.base.UTCDateTime(timezone=True)


def _hidden_columns(batch_op, table: str) -> None:
    # Plain columns (no foreign key): SQLite then adds them in place, without rebuilding
    # the table, which would drop the full-text triggers on ideas.
    batch_op.add_column(sa.Column("hidden_at", TIME, nullable=True))
    batch_op.add_column(sa.Column("hidden_by_id", sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column("hidden_reason", sa.String(length=300), nullable=True))


def upgrade() -> None:
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", TIME, nullable=True))
        _hidden_columns(batch_op, "ideas")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_at", TIME, nullable=True))
        batch_op.add_column(sa.Column("deleted_at", TIME, nullable=True))
        _hidden_columns(batch_op, "comments")

    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("cleared_at", TIME, nullable=True),
        sa.CheckConstraint("target_kind IN ('idea', 'comment')", name=op.f("ck_flags_target_kind")),
        sa.CheckConstraint(
            "reason IN ('off_topic', 'confidential', 'guidelines', 'other')",
            name=op.f("ck_flags_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_flags_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_flags_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flags")),
        sa.UniqueConstraint(
            "target_kind",
            "target_id",
            "user_id",
            name=op.f("uq_flags_target_kind_target_id_user_id"),
        ),
    )
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.create_index("ix_flags_target", ["target_kind", "target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_flags_user_id"), ["user_id"], unique=False)

    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.CheckConstraint(
            "action IN ('hide', 'unhide')", name=op.f("ck_moderation_actions_action")
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_moderation_actions_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderation_actions_target", ["target_kind", "target_id"], unique=False
        )

    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_images_comment_id_comments")
        ),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_images_idea_id_ideas")),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name=op.f("fk_images_uploader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_images_stored_name")),
    )
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_images_comment_id"), ["comment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_images_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_images_uploader_id"), ["uploader_id"], unique=False)


def downgrade() -> None:
    op.drop_table("images")
    op.drop_table("moderation_actions")
    op.drop_table("flags")
    for table in ("comments", "ideas"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("hidden_reason")
            batch_op.drop_column("hidden_by_id")
            batch_op.drop_column("hidden_at")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("edited_at")
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
