"""Each person keeps the language their browser asked the pages for at their latest login
on a page (users.page_language, board/people.py adopt_browser_settings): mail, which has
no browser to ask, speaks it while they choose none. Before, someone who never chose a
language got English mail however German every page they saw was.

Revision ID: 0034_page_language
Revises: 0033_prompt_idea_count
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034_page_language"
down_revision: str | None = "0033_prompt_idea_count"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("page_language", sa.String(length=5), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35 and later): a batch would copy the
    # table, and renaming the copy breaks SQLite's triggers that name `users` meanwhile.
    op.drop_column("users", "page_language")
