"""Whether two active people share a display name is decided by a key Python stores with
each name (NFKC, case-folded), not by SQL lower(): SQLite's folds ASCII only (two
"Özlem Demir" were never told apart) and PostgreSQL's folds "İ" otherwise than Python.
Adds users.display_name_key, fills it for everyone, indexes it for active people and drops
the lower(display_name) index.

Revision ID: 0015_display_name_key
Revises: 0014_display_name_index
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_display_name_key"
down_revision: str | None = "0014_display_name_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def display_name_key(name: str) -> str:
    """A copy of models.people.display_name_key as it was when this migration was written."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _fill_keys() -> None:
    """Every existing person's key, in batches of BATCH by id."""
    connection = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("display_name", sa.String),
        sa.column("display_name_key", sa.String),
    )
    fill = (
        sa.update(users)
        .where(users.c.id == sa.bindparam("user_id"))
        .values(display_name_key=sa.bindparam("key"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(users.c.id, users.c.display_name)
            .where(users.c.id > last)
            .order_by(users.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            fill, [{"user_id": id_, "key": display_name_key(name)} for id_, name in rows]
        )
        last = rows[-1].id


def upgrade() -> None:
    # Dropped first: SQLite's rebuild of the table below would lose it anyway (its
    # reflection does not see expression indexes).
    op.drop_index("ix_users_display_name_folded", table_name="users")
    op.add_column("users", sa.Column("display_name_key", sa.String(), nullable=True))
    _fill_keys()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("display_name_key", existing_type=sa.String(), nullable=False)
    active = sa.column("active", sa.Boolean).is_(True)
    op.create_index(
        "ix_users_display_name_key_active",
        "users",
        ["display_name_key"],
        sqlite_where=active,
        postgresql_where=active,
    )


def downgrade() -> None:
    op.drop_index("ix_users_display_name_key_active", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("display_name_key")
    op.create_index("ix_users_display_name_folded", "users", [sa.text("lower(display_name)")])
