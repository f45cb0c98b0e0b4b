"""The help report reads its weeks and each person's latest work, not the board's history
(docs/performance.md, helper `helpscale`):

- comments (created_at, author_id), tasks (status, completed_at, claimed_by_id),
  publications (published_at, by_id): the report counts each person's comments, finished
  tasks and publications per week since its first week's start from these alone. Without
  them it read every comment, every finished task and every publication the board ever had.
- ideas (author_id, created_at), comments (author_id, created_at), tasks (created_by_id,
  created_at), (claimed_by_id, claimed_at) and (claimed_by_id, completed_at): when each
  person last posted, commented or worked on a task is the last entry of their part of
  each, one seek a person, where grouping every idea, comment and task by person read them
  all. The first two and the fourth take the place of the indexes on the person alone
  (author_id, claimed_by_id), which they answer for as well: posting an idea or a comment
  and claiming a task write as many index entries as before.

Revision ID: 0028_help_report_indexes
Revises: 0027_vote_time_index
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028_help_report_indexes"
down_revision: str | None = "0027_vote_time_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, columns); and the index on the person alone each one replaces, if any.
INDEXES = [
    ("ix_ideas_author_id_created_at", "ideas", ["author_id", "created_at"], "ix_ideas_author_id"),
    (
        "ix_comments_author_id_created_at",
        "comments",
        ["author_id", "created_at"],
        "ix_comments_author_id",
    ),
    ("ix_comments_created_at_author_id", "comments", ["created_at", "author_id"], None),
    (
        "ix_tasks_claimed_by_id_claimed_at",
        "tasks",
        ["claimed_by_id", "claimed_at"],
        "ix_tasks_claimed_by_id",
    ),
    ("ix_tasks_claimed_by_id_completed_at", "tasks", ["claimed_by_id", "completed_at"], None),
    ("ix_tasks_created_by_id_created_at", "tasks", ["created_by_id", "created_at"], None),
    (
        "ix_tasks_status_completed_at",
        "tasks",
        ["status", "completed_at", "claimed_by_id"],
        None,
    ),
    (
        "ix_publications_published_at_by_id",
        "publications",
        ["published_at", "by_id"],
        None,
    ),
]


def upgrade() -> None:
    for name, table, columns, replaced in INDEXES:
        op.create_index(name, table, columns)
        if replaced:
            op.drop_index(replaced, table_name=table)


def downgrade() -> None:
    for name, table, columns, replaced in reversed(INDEXES):
        if replaced:
            op.create_index(replaced, table, columns[:1])
        op.drop_index(name, table_name=table)
