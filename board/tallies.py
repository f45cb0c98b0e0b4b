"""Recount every idea's stored tallies from its votes and re-render every stored HTML body.

Used by the migration that introduced them (backfill), by `flask --app app recount-tallies`
and `flask --app app render-markdown` (after the renderer or the hot formula changes),
and by the tests that check the stored tallies against a recount. Core only, on plain
table descriptions, so that a migration can run it without the app or today's models.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from board import ranking
from board.text import render_markdown
from models.base import UTCDateTime

_ideas = sa.table(
    "ideas",
    sa.column("id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("body_html", sa.Text),
    sa.column("created_at", UTCDateTime()),
    sa.column("vote_count", sa.Integer),
    sa.column("departments_supporting", sa.Integer),
    sa.column("vote_heat", sa.Float),
    sa.column("hot_score", sa.Float),
)
_comments = sa.table(
    "comments",
    sa.column("id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("body_html", sa.Text),
)
_votes = sa.table(
    "votes",
    sa.column("idea_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("created_at", UTCDateTime()),
)
_users = sa.table("users", sa.column("id", sa.Integer), sa.column("department_id", sa.Integer))


@dataclass(frozen=True)
class Tally:
    vote_count: int
    departments_supporting: int
    vote_heat: float | None
    hot_score: float


def recounted(connection: Connection) -> dict[int, Tally]:
    """Every idea's tallies as its votes say they should be."""
    times: dict[int, list[datetime]] = defaultdict(list)
    departments: dict[int, set[int]] = defaultdict(set)
    rows = connection.execute(
        sa.select(_votes.c.idea_id, _votes.c.created_at, _users.c.department_id).join(
            _users, _users.c.id == _votes.c.user_id
        )
    )
    for idea_id, voted_at, department_id in rows:
        times[idea_id].append(voted_at)
        departments[idea_id].add(department_id)
    result = {}
    for idea_id, created_at in connection.execute(sa.select(_ideas.c.id, _ideas.c.created_at)):
        votes, supporting = len(times[idea_id]), len(departments[idea_id])
        heat = ranking.heat_of(times[idea_id])
        result[idea_id] = Tally(
            votes, supporting, heat, ranking.hot_score(votes, supporting, heat, created_at)
        )
    return result


def stored(connection: Connection) -> dict[int, Tally]:
    columns = [_ideas.c.vote_count, _ideas.c.departments_supporting]
    columns += [_ideas.c.vote_heat, _ideas.c.hot_score]
    return {row[0]: Tally(*row[1:]) for row in connection.execute(sa.select(_ideas.c.id, *columns))}


def recount_all(connection: Connection) -> int:
    """Store the recounted tallies of every idea; returns how many ideas."""
    if connection.dialect.name == "postgresql":
        # No vote may commit between the count and the write (SQLite's writer lock does this).
        connection.execute(sa.text("LOCK TABLE votes IN SHARE MODE"))
    tallies = recounted(connection)
    if tallies:
        connection.execute(
            _ideas.update()
            .where(_ideas.c.id == sa.bindparam("idea_id"))
            .values(
                vote_count=sa.bindparam("votes"),
                departments_supporting=sa.bindparam("departments"),
                vote_heat=sa.bindparam("heat"),
                hot_score=sa.bindparam("hot"),
            ),
            [
                {
                    "idea_id": idea_id,
                    "votes": t.vote_count,
                    "departments": t.departments_supporting,
                    "heat": t.vote_heat,
                    "hot": t.hot_score,
                }
                for idea_id, t in tallies.items()
            ],
        )
    return len(tallies)


def render_all(connection: Connection, handles: set[str] | None = None) -> int:
    """Re-render the stored HTML of every idea and comment; returns how many rows.

    `handles`: the people's handles, so that their @mentions stay links (the CLI passes
    them; the migration that introduced stored HTML ran before there were handles)."""
    count = 0
    for table in (_ideas, _comments):
        rows = connection.execute(sa.select(table.c.id, table.c.body)).all()
        if rows:
            connection.execute(
                table.update()
                .where(table.c.id == sa.bindparam("row_id"))
                .values(body_html=sa.bindparam("html")),
                [
                    {"row_id": row_id, "html": render_markdown(body, handles)}
                    for row_id, body in rows
                ],
            )
        count += len(rows)
    return count


def all_handles(connection: Connection) -> set[str]:
    """Every person's handle (the users table as it is today)."""
    users = sa.table("users", sa.column("handle", sa.String))
    return set(connection.execute(sa.select(users.c.handle)).scalars()) - {None}


def backfill(connection: Connection) -> None:
    recount_all(connection)
    render_all(connection)


# A tag's rank keys (models.ideas.IdeaTag) are copies of its idea's, kept by the database:
# copied when a tag is written, rewritten by the statement that changes the idea's tallies
# (the vote's own, under its lock), whatever writes them (a vote, a recount, a migration, a
# benchmark's plain SQL). Since 0019_tag_authors the idea's author is copied with them
# (`TAG_COPIES_*`; `TAG_RANKS_*` are the triggers as 0016_filter_ranks made them). Caution,
# as for the search index: re-creating `ideas` or `idea_tags` in SQLite batch mode drops
# these triggers; run TAG_COPIES_* again afterwards.
_RANK_KEYS = ("vote_count", "departments_supporting", "hot_score", "created_at")
_COPIED = (*_RANK_KEYS, "author_id")
_KEYS = ", ".join(_RANK_KEYS)
_SET_FROM_NEW = ", ".join(f"{key} = new.{key}" for key in _RANK_KEYS)
# Null-safe "differs": SQLite's IS NOT (IS DISTINCT FROM only from SQLite 3.39), PostgreSQL's.
_CHANGED = " OR ".join(f"old.{key} IS NOT new.{key}" for key in _RANK_KEYS)
_CHANGED_POSTGRES = " OR ".join(f"old.{key} IS DISTINCT FROM new.{key}" for key in _RANK_KEYS)


def _sqlite_tag_written(copied: tuple[str, ...]) -> str:
    columns = ", ".join(copied)
    return (
        "CREATE TRIGGER idea_tags_rank_keys AFTER INSERT ON idea_tags BEGIN "
        f"UPDATE idea_tags SET ({columns}) = (SELECT {columns} FROM ideas WHERE id = new.idea_id) "
        "WHERE idea_id = new.idea_id AND tag = new.tag; END"
    )


# PostgreSQL: a new tag reads its idea FOR SHARE, so that it waits for a vote holding the
# idea's lock to commit and reads its tallies (a vote that comes later waits for the tag's
# transaction and then rewrites the tag with the others).
def _postgres_tag_written(copied: tuple[str, ...]) -> str:
    return (
        "CREATE FUNCTION idea_tags_rank_keys() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"SELECT {', '.join(copied)} INTO "
        + ", ".join(f"new.{key}" for key in copied)
        + " FROM ideas WHERE id = new.idea_id FOR SHARE; RETURN new; END $$"
    )


_SQLITE_TALLIES_TO_TAGS = (
    f"CREATE TRIGGER ideas_rank_keys_to_tags AFTER UPDATE OF {_KEYS} ON ideas "
    f"WHEN {_CHANGED} BEGIN "
    f"UPDATE idea_tags SET {_SET_FROM_NEW} WHERE idea_id = new.id; END"
)
_POSTGRES_TAG_WRITTEN_TRIGGER = (
    "CREATE TRIGGER idea_tags_rank_keys BEFORE INSERT OR UPDATE OF idea_id ON idea_tags "
    "FOR EACH ROW EXECUTE FUNCTION idea_tags_rank_keys()"
)
_POSTGRES_TALLIES_TO_TAGS = [
    "CREATE FUNCTION ideas_rank_keys_to_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"UPDATE idea_tags SET {_SET_FROM_NEW} WHERE idea_id = new.id; RETURN NULL; END $$",
    f"CREATE TRIGGER ideas_rank_keys_to_tags AFTER UPDATE OF {_KEYS} ON ideas "
    f"FOR EACH ROW WHEN ({_CHANGED_POSTGRES}) EXECUTE FUNCTION ideas_rank_keys_to_tags()",
]
TAG_RANKS_SQLITE_CREATE = [_sqlite_tag_written(_RANK_KEYS), _SQLITE_TALLIES_TO_TAGS]
TAG_RANKS_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS idea_tags_rank_keys",
    "DROP TRIGGER IF EXISTS ideas_rank_keys_to_tags",
]
TAG_RANKS_POSTGRES_CREATE = [
    _postgres_tag_written(_RANK_KEYS),
    _POSTGRES_TAG_WRITTEN_TRIGGER,
    *_POSTGRES_TALLIES_TO_TAGS,
]
TAG_RANKS_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS ideas_rank_keys_to_tags ON ideas",
    "DROP TRIGGER IF EXISTS idea_tags_rank_keys ON idea_tags",
    "DROP FUNCTION IF EXISTS ideas_rank_keys_to_tags()",
    "DROP FUNCTION IF EXISTS idea_tags_rank_keys()",
]
# Existing tags take their ideas' keys (the migration that added them).
TAG_RANKS_FILL = (
    f"UPDATE idea_tags SET ({_KEYS}) = (SELECT {_KEYS} FROM ideas WHERE id = idea_tags.idea_id)"
)

# The author too (0019_tag_authors): a new tag copies it with the keys; an idea's author is
# never changed by the board, but whoever changes it (plain SQL) changes its tags' copies.
TAG_COPIES_SQLITE_CREATE = [
    _sqlite_tag_written(_COPIED),
    _SQLITE_TALLIES_TO_TAGS,
    "CREATE TRIGGER ideas_author_to_tags AFTER UPDATE OF author_id ON ideas "
    "WHEN old.author_id IS NOT new.author_id BEGIN "
    "UPDATE idea_tags SET author_id = new.author_id WHERE idea_id = new.id; END",
]
TAG_COPIES_SQLITE_DROP = [*TAG_RANKS_SQLITE_DROP, "DROP TRIGGER IF EXISTS ideas_author_to_tags"]
TAG_COPIES_POSTGRES_CREATE = [
    _postgres_tag_written(_COPIED),
    _POSTGRES_TAG_WRITTEN_TRIGGER,
    *_POSTGRES_TALLIES_TO_TAGS,
    "CREATE FUNCTION ideas_author_to_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE idea_tags SET author_id = new.author_id WHERE idea_id = new.id; RETURN NULL; END $$",
    "CREATE TRIGGER ideas_author_to_tags AFTER UPDATE OF author_id ON ideas FOR EACH ROW "
    "WHEN (old.author_id IS DISTINCT FROM new.author_id) EXECUTE FUNCTION ideas_author_to_tags()",
]
TAG_COPIES_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS ideas_author_to_tags ON ideas",
    "DROP FUNCTION IF EXISTS ideas_author_to_tags()",
    *TAG_RANKS_POSTGRES_DROP,
]
TAG_AUTHORS_FILL = (
    "UPDATE idea_tags SET author_id = (SELECT author_id FROM ideas WHERE id = idea_tags.idea_id)"
)
