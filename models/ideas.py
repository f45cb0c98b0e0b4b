from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.people import User

# The predicate of ix_ideas_on_board_by_author: an idea everyone reads on the board.
ON_BOARD = "withdrawn_at IS NULL AND hidden_at IS NULL"


class Idea(Base):
    """An idea with its tallies stored beside it, kept by the vote's own transaction.

    `vote_count`, `departments_supporting` and `vote_heat` are recounted under the idea's
    lock by every vote and unvote, so lists rank by an index instead of counting votes.
    `hot_score` is the time-invariant hot key (board/ranking.py). `body_html` is the
    sanitized rendering of `body`, written with it.
    """

    __tablename__ = "ideas"
    __table_args__ = (
        Index("ix_ideas_rank_top", "vote_count", "departments_supporting", "created_at", "id"),
        Index("ix_ideas_rank_hot", "hot_score", "id"),
        Index("ix_ideas_rank_new", "created_at", "id"),
        # An author's ideas, the newest last: the help report's "last active" (0028).
        Index("ix_ideas_author_id_created_at", "author_id", "created_at"),
        # An author's ideas on the board (neither withdrawn nor hidden), the newest last:
        # the people page's latest few walked and all of them counted from it alone (0031).
        Index(
            "ix_ideas_on_board_by_author",
            "author_id",
            "created_at",
            "id",
            # In the index, so SQLite reads the index alone (as the mentor notes' below).
            "withdrawn_at",
            "hidden_at",
            sqlite_where=text(ON_BOARD),
            postgresql_where=text(ON_BOARD),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    vote_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    departments_supporting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    vote_heat: Mapped[float | None] = mapped_column(Float)
    hot_score: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id"), index=True)
    # No index of its own: ix_ideas_rank_new starts with it (migration 0030).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when its author says it is done without a recorded publication.
    marked_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its author took it back: gone from the board's lists, kept in the history.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Hidden in the open (board/moderation.py): when, by whom (null: by flags) and why.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(Integer)  # moderation_actions has the FK
    hidden_reason: Mapped[str | None] = mapped_column(String(300))

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    tag_rows: Mapped[list[IdeaTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="IdeaTag.tag"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class IdeaTag(Base):
    """A tag of an idea, with the idea's rank keys and author beside it, so that a tag's
    page walks that tag's own rank index (a tag and a department, a tag and a word: the
    first 50 are near its start at any size) and a department's page asks each entry's
    author without reading the idea. The keys and the author are copies the database keeps
    (triggers, board/tallies.py `TAG_RANKS_*`, `TAG_COPIES_*`): written when the tag is,
    rewritten by every change of the idea's tallies (or author) in that change's own
    statement, never by the app. The author, not their department: a person's department
    may change, an idea's author does not."""

    __tablename__ = "idea_tags"
    __table_args__ = (
        Index(
            "ix_idea_tags_rank_top",
            "tag",
            "vote_count",
            "departments_supporting",
            "created_at",
            "idea_id",
            "author_id",
        ),
        Index("ix_idea_tags_rank_hot", "tag", "hot_score", "idea_id", "author_id"),
        Index("ix_idea_tags_rank_new", "tag", "created_at", "idea_id", "author_id"),
    )

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), primary_key=True)
    # No index of its own: each rank index starts with it.
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    vote_count: Mapped[int | None] = mapped_column(Integer)
    departments_supporting: Mapped[int | None] = mapped_column(Integer)
    hot_score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int | None] = mapped_column(Integer)


class Vote(Base):
    """One person's vote on one idea; the database refuses a second one.

    Votes on a challenge with a per-person budget carry a `slot` (1..budget):
    the unique (prompt, voter, slot) lets the database refuse a vote past the budget
    even when two arrive at once.
    """

    __tablename__ = "votes"
    # The help report counts the votes of its weeks from the third alone (migration 0027);
    # an idea's votes are found by the first, which leads with idea_id.
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id"),
        UniqueConstraint("prompt_id", "user_id", "slot"),
        Index("ix_votes_created_at_user_id", "created_at", "user_id", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id"))
    slot: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The predicate of the mentor notes' index, as each database's planner matches it with the
# queries' `is_mentor_note == true()` (SQLite: `= 1`; PostgreSQL: the column itself). The
# index holds the column too: SQLite (3.40) reads a partial index's rows for a column of
# its predicate that the index lacks, a row lookup for each note counted.
MENTOR_NOTE_SQLITE = "is_mentor_note = 1"
MENTOR_NOTE_POSTGRES = "is_mentor_note"


class Comment(Base):
    __tablename__ = "comments"
    # An idea's page reads its newest comments in this order (migration 0024); a
    # challenge's page each idea's newest mentor notes and how many (the notes alone, 0026).
    __table_args__ = (
        Index("ix_comments_idea_id_created_at", "idea_id", "created_at", "id"),
        Index(
            "ix_comments_mentor_notes",
            "idea_id",
            "created_at",
            "id",
            "is_mentor_note",  # in the index, so SQLite reads the index alone (see below)
            sqlite_where=text(MENTOR_NOTE_SQLITE),
            postgresql_where=text(MENTOR_NOTE_POSTGRES),
        ),
        # The help report: each person's comments per week, and their newest (0028).
        Index("ix_comments_created_at_author_id", "created_at", "author_id"),
        Index("ix_comments_author_id_created_at", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    is_mentor_note: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Its author changed or deleted it (a deleted comment keeps its place, not its text).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(Integer)
    hidden_reason: Mapped[str | None] = mapped_column(String(300))

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")


class Publication(Base):
    """Where an idea went live: a link, a channel and when."""

    __tablename__ = "publications"
    # The help report counts each person's publications per week from this alone (0028).
    __table_args__ = (Index("ix_publications_published_at_by_id", "published_at", "by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    channel: Mapped[str] = mapped_column(String(40))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User] = relationship(lazy="joined")
