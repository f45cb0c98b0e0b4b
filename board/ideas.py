"""Ideas, votes and comments: the services (check → do → record event) and their serializers."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    and_,
    bindparam,
    case,
    delete,
    event,
    exists,
    false,
    func,
    inspect,
    literal_column,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, lazyload

from board import clock, events, images, paging, policy, ranking, search
from board.db import among_ids, id_list, join_newest
from board.errors import Conflict, FieldMessage, Invalid, NotFound
from board.handles import mentioned_handles
from board.i18n import N_, current_language
from board.inputs import shows_nothing, tag_key
from board.limits import MAX_ID
from board.person_json import (
    FORMER_MEMBER,
    authors_of_rows,
    person_dict,
    remember_shared,
    shared_key_of,
    shared_keys_among,
)
from board.prompts import get_prompt_for_idea, phase_of, tallies_hidden
from board.realtime import NAMESPACE, socketio
from board.text import render_markdown
from models import (
    Comment,
    Department,
    Follow,
    Idea,
    IdeaTag,
    Image,
    Prompt,
    Publication,
    Task,
    User,
    Vote,
)

log = logging.getLogger(__name__)

SORTS = ("top", "new", "hot")
MAX_TAGS = 10
# A tag starts with a letter or digit; then letters, digits, spaces and the marks people
# use in topic names ("c++", "my.tag", "q&a", "b2b/b2c", "c#", "o'neill").
_TAG = re.compile(r"^\w[\w\- +.&#/'’]{0,39}$")


def author_dict(user: User) -> dict:
    return person_dict(user, "person")


def normalize_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in tags:
        tag = tag_key(raw)  # "ｉｎｓｔａｇｒａｍ" is "instagram", from the API and the forms alike
        if not _TAG.match(tag):
            raise Invalid(
                "Some fields are missing or invalid.",
                code="invalid_fields",
                fields={
                    "tags": FieldMessage(
                        "“%(tag)s” cannot be a tag: a tag is 1 to 40 letters, digits and "
                        "spaces, and may hold - + . & # / '.",
                        tag=raw.strip()[:50],
                    )
                },
            )
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"tags": FieldMessage("At most %(limit)s tags.", limit=MAX_TAGS)},
        )
    return cleaned


def _require_text(fields: dict[str, str], name: str, value: str | None) -> None:
    if value is not None and not value.strip():
        fields[name] = N_("This must not be empty.")


# ---- stored renderings -----------------------------------------------------------------


@event.listens_for(Idea, "before_insert")
@event.listens_for(Comment, "before_insert")
def _render_new_text(_mapper, connection, target: Idea | Comment) -> None:
    """Markdown is rendered once, when the text is written (`flask render-markdown` redoes
    it for every row when the renderer changes); @mentions of known people become links."""
    target.body_html = render_markdown(target.body, known_handles(connection, [target.body]))
    if isinstance(target, Idea):
        if target.created_at is None:
            target.created_at = clock.now()
        if not target.vote_count:
            target.hot_score = ranking.hot_score(0, 0, None, target.created_at)


@event.listens_for(Idea, "before_update")
@event.listens_for(Comment, "before_update")
def _render_changed_text(_mapper, connection, target: Idea | Comment) -> None:
    if inspect(target).attrs.body.history.has_changes():
        target.body_html = render_markdown(target.body, known_handles(connection, [target.body]))


# ---- reading -------------------------------------------------------------------------

# The orders, each as the idea columns it sorts by (descending) and their kinds for cursors.
_ORDER_COLUMNS = {
    "top": (Idea.vote_count, Idea.departments_supporting, Idea.created_at, Idea.id),
    "hot": (Idea.hot_score, Idea.id),
    "new": (Idea.created_at, Idea.id),
}
_ORDER_KINDS = {
    "top": (paging.INT, paging.INT, paging.TIME, paging.INT),
    "hot": (paging.FLOAT, paging.INT),
    "new": (paging.TIME, paging.INT),
    "shuffle": (paging.INT, paging.INT),
}


def _key(order: str, idea: Idea, hidden: bool, viewer: User) -> tuple:
    """An idea's place in an order. Hidden tallies never leak through the order: while they
    are hidden the idea ranks as if nobody had voted."""
    if order == "new":
        return (idea.created_at, idea.id)
    if order == "top":
        if hidden:
            return (0, 0, idea.created_at, idea.id)
        return (idea.vote_count, idea.departments_supporting, idea.created_at, idea.id)
    if order == "hot":
        return (ranking.hidden_hot_score(idea.created_at) if hidden else idea.hot_score, idea.id)
    # Against bandwagon voting: a stable per-person order while a challenge hides tallies.
    return (shuffle_rank(viewer.id, idea.prompt_id, idea.id), idea.id)


def _mix32(value: int) -> int:
    """MurmurHash3's 32-bit finalizer: every input bit moves every output bit, and it is not
    linear (its multiplications carry), so orders from different seeds are unrelated."""
    value &= 0xFFFFFFFF
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & 0xFFFFFFFF
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & 0xFFFFFFFF
    return value ^ (value >> 16)


def shuffle_rank(viewer_id: int, prompt_id: int, idea_id: int) -> int:
    """Where an idea of a hidden-tally challenge stands in one person's order (32 bits). The
    browser ranks an idea that arrives live the same way (static/js/shuffle.js), so that it
    goes where a reload puts it. It must not be linear: CRC32, used before, gave every
    person one person's ranks XOR a constant (300 people saw 8 ideas in 16 orders in all)."""
    return _mix32(_mix32(_mix32(viewer_id) ^ prompt_id) ^ idea_id)


_RUNNING_HIDDEN = "board_running_hidden_challenges"
# What decides whether a challenge hides its tallies now (`tallies_hidden`), and which
# challenges may: those asking for hidden tallies whose voting has not closed.
RUNNING_HIDDEN_COLUMNS = (
    Prompt.id.label("challenge_id"),
    Prompt.kind.label("challenge_kind"),
    Prompt.hide_tallies.label("challenge_hide_tallies"),
    Prompt.submissions_close_at.label("challenge_submissions_close_at"),
    Prompt.voting_close_at.label("challenge_voting_close_at"),
)
RUNNING_HIDDEN_CONDITION = and_(
    Prompt.kind == "challenge",
    Prompt.hide_tallies.is_(True),
    or_(Prompt.voting_close_at.is_(None), Prompt.voting_close_at > bindparam("now")),
)
_RUNNING_HIDDEN_STATEMENT = select(*RUNNING_HIDDEN_COLUMNS).where(RUNNING_HIDDEN_CONDITION)


class _RunningChallenge(NamedTuple):
    """A challenge as `tallies_hidden` reads it."""

    id: int
    kind: str
    hide_tallies: bool
    submissions_close_at: datetime | None
    voting_close_at: datetime | None


def remember_running_hidden(session: Session, now: datetime, rows: Iterable[tuple]) -> None:
    """The running challenges with hidden tallies as of `now`, asked by someone else in a
    statement of theirs (the login check of a read request, board/security.py): each row's
    values in RUNNING_HIDDEN_COLUMNS order, a row of NULLs when there is none. Kept for the
    transaction as `_hidden_prompt_ids` keeps its own answer."""
    running = [_RunningChallenge(*values) for values in rows if values[0] is not None]
    session.info[_RUNNING_HIDDEN] = (now, running)


def _hidden_prompt_ids(session: Session, now: datetime) -> set[int]:
    """Challenges whose tallies are hidden right now (running ones only: a handful).

    Asked once per transaction (a board page asks for every list it shows; a read request
    learns them with its login check); the answer of an earlier moment still holds later,
    as `tallies_hidden` decides with `now` again."""
    asked_at, candidates = session.info.get(_RUNNING_HIDDEN, (None, None))
    if asked_at is None or now < asked_at:
        rows = session.connection().execute(_RUNNING_HIDDEN_STATEMENT, {"now": now}).all()
        candidates = [_RunningChallenge(*row) for row in rows]
        session.info[_RUNNING_HIDDEN] = (now, candidates)
    return {prompt.id for prompt in candidates if tallies_hidden(prompt, now)}


@event.listens_for(Session, "after_flush")
def _challenges_may_have_changed(session: Session, _context) -> None:
    if any(isinstance(obj, Prompt) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_RUNNING_HIDDEN, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_running_challenges(session: Session) -> None:
    session.info.pop(_RUNNING_HIDDEN, None)


def _idea_status(task_statuses: Sequence[str]) -> str:
    """Derived from its tasks alone, never set by hand (the contract, API.md): open while no
    work started (no tasks, or none taken up yet); done once it has tasks and every one is
    done; in_progress between. A publication or the author's own "done" (`marked_done`) is
    shown beside it and does not change it."""
    if not task_statuses or all(status == "open" for status in task_statuses):
        return "open"
    if all(status == "done" for status in task_statuses):
        return "done"
    return "in_progress"


def hidden_dict(row: Idea | Comment) -> dict | None:
    """Why and how a hidden idea or comment was hidden; None while it is shown."""
    if row.hidden_at is None:
        return None
    return _hidden(row.hidden_at, row.hidden_by_id, row.hidden_reason)


def _hidden(hidden_at: datetime, hidden_by_id: int | None, hidden_reason: str | None) -> dict:
    return {
        "reason": hidden_reason or "",
        "by": "facilitator" if hidden_by_id is not None else "flags",
        "at": clock.iso(hidden_at),
    }


def redact_idea(data: dict) -> dict:
    """A hidden idea as everyone but its author and the facilitator sees it: its place on
    the board, its tallies and why it is hidden; none of its words or pictures."""
    return {**data, "title": "", "body": "", "body_html": "", "tags": [], "images": []}


def redact_comment(data: dict) -> dict:
    return {**data, "body": "", "body_html": "", "images": []}


# A page of ideas is read as rows, not ORM objects: building, tracking and serializing 50
# objects with their authors, departments and tags was most of a list request's time.
_IDEAS = Idea.__table__
_USERS = User.__table__
_DEPARTMENTS = Department.__table__
_IDEA_FIELDS = (
    "id",
    "title",
    "body",
    "body_html",
    "vote_count",
    "departments_supporting",
    "hot_score",
    "author_id",
    "prompt_id",
    "created_at",
    "updated_at",
    "marked_done_at",
    "withdrawn_at",
    "hidden_at",
    "hidden_by_id",
    "hidden_reason",
)
# An ORM idea's values in that order for `_shown_ideas`, its id in the hot score's place (never
# shown: a tally update may have expired it, and reading it would load it).
_SHOWN_FIELDS = tuple(name.replace("hot_score", "id") for name in _IDEA_FIELDS)
# An idea with its author's name and department, one row each. Outer joins: SQLite keeps
# ideas as the outer loop, so the rank index still decides the order and the limit.
# What a page's rows are read from: the ideas with their authors and the authors' departments.
_IDEA_FROM = _IDEAS.outerjoin(_USERS, _USERS.c.id == _IDEAS.c.author_id).outerjoin(
    _DEPARTMENTS, _DEPARTMENTS.c.id == _USERS.c.department_id
)
# The people of the department a page is filtered by (bound as :department_id).
_DEPARTMENT_PEOPLE = select(User.id).where(User.department_id == bindparam("department_id"))
# Not an idea of a running challenge whose tallies are hidden (their ids bound as :hidden):
# those are ranked beside the page as if unvoted (`_challenge_statement`).
_NOT_HIDDEN = or_(
    Idea.prompt_id.is_(None), Idea.prompt_id.not_in(bindparam("hidden", expanding=True))
)
_IDEA_ROWS = select(
    *(_IDEAS.c[name] for name in _IDEA_FIELDS),
    _USERS.c.display_name.label("author_name"),
    _USERS.c.handle.label("author_handle"),
    _USERS.c.department_id.label("author_department_id"),
    _DEPARTMENTS.c.name.label("author_department"),
).select_from(_IDEA_FROM)

_AUTHOR_COLUMNS = slice(len(_IDEA_FIELDS), len(_IDEA_FIELDS) + 4)
_FACT_COLUMNS = len(_IDEA_FIELDS) + 4
# Whether it went live and whether it has pictures, among the facts (`_facts_of_rows`).
_PUBLISHED_COLUMN, _PICTURED_COLUMN = _FACT_COLUMNS + 2, _FACT_COLUMNS + 3
# SQLite gathers an idea's tags (and its tasks' states) into one text; no tag or state can
# hold this character (a tag is letters, digits, spaces and a few signs).
_GATHERED = "\x1f"


@functools.lru_cache(maxsize=4)
def _listed_rows(dialect: str):
    """`_IDEA_ROWS` with what each idea's dict needs besides (its `_PageFacts`) as columns:
    its tags, its tasks' states, whether it went live, has pictures, has the viewer's vote
    (`viewer_id`) and follow, and its author's key if someone else has the same name. A
    seek per listed idea each, in the page's own statement: a statement of their own (with
    the page's ids as a list) cost a list a quarter of its time. The rank index still
    decides the order and the limit, so only the page's rows (a sorted search: its matches)
    are asked about."""
    tags, tasks = IdeaTag.__table__.alias("listed_tags"), Task.__table__.alias("listed_tasks")
    idea_id = _IDEAS.c.id

    def gathered(column, where):
        values = (
            func.array_agg(column)
            if dialect == "postgresql"
            else func.group_concat(column, literal_column("char(31)"))
        )
        return select(values).where(where).correlate(_IDEAS).scalar_subquery()

    def found(table, *where):
        return exists().where(table.c.idea_id == idea_id, *where).correlate(_IDEAS)

    viewer = bindparam("viewer_id")
    votes, follows = Vote.__table__.alias("listed_votes"), Follow.__table__.alias("listed_follows")
    return _IDEA_ROWS.add_columns(
        gathered(tags.c.tag, tags.c.idea_id == idea_id).label("fact_tags"),
        gathered(tasks.c.status, tasks.c.idea_id == idea_id).label("fact_task_states"),
        found(Publication.__table__.alias("listed_publications")).label("fact_published"),
        found(Image.__table__.alias("listed_images")).label("fact_pictured"),
        found(votes, votes.c.user_id == viewer).label("fact_voted"),
        found(follows, follows.c.user_id == viewer).label("fact_following"),
        shared_key_of(_USERS.c.display_name_key).label("fact_shared_name"),
    )


def _facts_of_rows(rows: list) -> _PageFacts:
    """The `_PageFacts` of rows of `_listed_rows`."""
    facts = _PageFacts()
    tags, statuses, shared = facts.tags, facts.statuses, facts.shared_names
    for row in rows:
        idea_id = row[0]
        listed, states, published, pictured, voted, following, name = row[_FACT_COLUMNS:]
        if listed:  # PostgreSQL gathers them into an array, SQLite into a text
            tags[idea_id] = listed.split(_GATHERED) if isinstance(listed, str) else listed
        if states:
            statuses[idea_id] = states.split(_GATHERED) if isinstance(states, str) else states
        if published:
            facts.published.add(idea_id)
        if pictured:
            facts.pictured.add(idea_id)
        if voted:
            facts.voted.add(idea_id)
        if following:
            facts.following.add(idea_id)
        if name is not None:
            shared.add(name)
    return facts


def _rows(session: Session, statement, values: dict | None = None) -> list:
    """Plain rows through the session's connection (no ORM result processing)."""
    return session.connection().execute(statement, values).all()


def serialize_ideas(
    session: Session,
    ideas: list[Idea],
    viewer: User | None,
    hidden_prompts: set[int] | None = None,
) -> list[dict]:
    """Ideas as the API shows them, in a fixed number of queries whatever their count.

    Tallies and HTML come stored with the idea: nothing is counted or rendered here."""
    if not ideas:
        return []
    session.flush()  # tags and tasks are read from the database: what was just written too
    authors = [author_dict(idea.author) for idea in ideas]
    return _serialize(session, ideas, authors, viewer, hidden_prompts)


def _serialize_rows(
    session: Session, rows: list, viewer: User | None, hidden_prompts: set[int]
) -> list[dict]:
    """Rows of `_IDEA_ROWS` or `_listed_rows` as the API shows them (the lists): the same
    dicts as `_serialize` makes of ORM objects."""
    return _read_page(session, rows, viewer, hidden_prompts, None).items()


class IdeaPage:
    """A page of ideas as read, before it is shaped into the API's dicts: `key()` holds
    everything its dicts and cursor are made of but the works-council mask (the same key,
    the same answer), `items()` shapes them. It unpacks as (items, next_cursor)."""

    def __init__(self, session, rows, viewer, hidden, after, facts, published, pictures):
        self._session, self._rows, self._viewer, self._hidden = session, rows, viewer, hidden
        self._after = after  # the next page's (order, key), encoded when asked
        self._facts, self._published, self._pictures = facts, published, pictures

    @property
    def next_cursor(self) -> str | None:
        return paging.encode(*self._after) if self._after is not None else None

    def key(self) -> tuple:
        """The rows with their facts (columns of the rows, or their own statement's answer),
        the publications and pictures shown, the hidden challenges and what the policy
        reads of the reader, the next page's order and key, and the reader's language when
        a name is shown in it ("Former member"). Plain tuples: a Row compares in Python."""
        rows, facts, viewer = self._rows, self._facts, self._viewer
        shown = (self._published, self._pictures) if self._published or self._pictures else None
        names = _AUTHOR_COLUMNS.start
        translated = shown or any(row[names] == FORMER_MEMBER for row in rows)
        return (
            tuple([tuple(row) for row in rows]),
            None if facts is None else facts.frozen(),
            repr(shown) if shown else None,
            tuple(sorted(self._hidden)),
            getattr(viewer, "id", None),
            getattr(viewer, "role", None),
            getattr(viewer, "is_authenticated", False),
            self._after,
            current_language() if translated else None,
        )

    def __iter__(self):
        return iter((self.items(), self.next_cursor))

    def items(self) -> list[dict]:
        rows = self._rows
        if not rows:
            return []
        facts = self._facts if self._facts is not None else _facts_of_rows(rows)
        people = [(row[7], *row[_AUTHOR_COLUMNS]) for row in rows]
        shared = remember_shared(
            self._session, [person[1] for person in people], facts.shared_names
        )
        authors = authors_of_rows(self._session, people, shared)
        return _shown_ideas(
            rows, authors, self._viewer, self._hidden, facts, self._published, self._pictures
        )


def _read_page(
    session: Session,
    rows: list,
    viewer: User | None,
    hidden_prompts: set[int],
    after: tuple | None,
) -> IdeaPage:
    """A page of rows of `_IDEA_ROWS` or `_listed_rows` with what its dicts need besides;
    `after`: the next page's (order, key). Facts that are columns of the rows are taken
    from them when the page is shaped (a kept answer's rows are its key already)."""
    if not rows:
        return IdeaPage(session, rows, viewer, hidden_prompts, after, None, {}, {})
    facts = None
    if len(rows[0]) > _FACT_COLUMNS:  # a page's rows all have them or none (page_ideas)
        published_ids = [row[0] for row in rows if row[_PUBLISHED_COLUMN]]
        pictured_ids = [row[0] for row in rows if row[_PICTURED_COLUMN]]
    else:
        facts = _page_facts(session, viewer, [row[0] for row in rows])
        published_ids, pictured_ids = facts.published, facts.pictured
    published = _publications_of(session, sorted(published_ids)) if published_ids else {}
    pictures = images.images_of_ideas(session, sorted(pictured_ids)) if pictured_ids else {}
    return IdeaPage(session, rows, viewer, hidden_prompts, after, facts, published, pictures)


def _serialize(
    session: Session,
    ideas: list[Idea],
    authors: list[dict],
    viewer: User | None,
    hidden_prompts: set[int] | None,
    known: tuple[_PageFacts, dict, dict] | None = None,
) -> list[dict]:
    """ORM ideas with their authors as shown. `known`: their facts, publications and
    pictures, when the caller knows them (an idea written just now)."""
    if not ideas:
        return []
    ids = [idea.id for idea in ideas]
    if known is not None:
        facts, published, pictures = known
    else:
        facts = _page_facts(session, viewer, ids)
        # Most pages have no publications and no pictures: the facts say which ideas have any.
        published = _publications_of(session, sorted(facts.published)) if facts.published else {}
        pictures = images.images_of_ideas(session, sorted(facts.pictured)) if facts.pictured else {}
    if hidden_prompts is None:
        hidden_prompts = (
            _hidden_prompt_ids(session, clock.now())
            if any(idea.prompt_id for idea in ideas)
            else set()
        )
    values = [tuple(getattr(idea, name) for name in _SHOWN_FIELDS) for idea in ideas]
    return _shown_ideas(values, authors, viewer, hidden_prompts, facts, published, pictures)


def _shown_ideas(
    ideas: list,
    authors: list[dict],
    viewer: User | None,
    hidden_prompts: set[int],
    facts: _PageFacts,
    published: dict,
    pictures: dict,
) -> list[dict]:
    """Ideas as the API shows them, each from its values in `_IDEA_FIELDS` order (a list
    row, which has its author's columns after them, or an ORM idea's values), unpacked
    once: reading a row's columns by name, or passing them on by keyword, cost about as
    much as building the dict. A tally of a challenge in `hidden_prompts` is hidden; a
    moderated idea's words only its author and the facilitator see."""
    shown = []
    voted, following, all_tags, all_statuses = (
        facts.voted,
        facts.following,
        facts.tags,
        facts.statuses,
    )
    iso = clock.iso
    for values, author in zip(ideas, authors, strict=True):
        (
            idea_id,
            title,
            body,
            body_html,
            votes,
            departments,
            _hot_score,
            author_id,
            prompt_id,
            created_at,
            updated_at,
            marked_done_at,
            withdrawn_at,
            hidden_at,
            hidden_by_id,
            hidden_reason,
            *_author_columns,
        ) = values
        hidden = prompt_id in hidden_prompts
        statuses = all_statuses.get(idea_id)
        publications = published.get(idea_id, [])
        tags = all_tags.get(idea_id)
        created = iso(created_at)
        data = {
            "id": idea_id,
            "title": title,
            "body": body,
            "body_html": body_html,
            "tags": sorted(tags) if tags else [],
            "author": author,
            "votes": None if hidden else votes,
            "voted": idea_id in voted,
            "departments_supporting": None if hidden else departments,
            "status": _idea_status(statuses or ()),
            "tasks_total": len(statuses) if statuses else 0,
            "tasks_done": statuses.count("done") if statuses else 0,
            "publications": publications,
            "marked_done": marked_done_at is not None,
            "prompt_id": prompt_id,
            "created_at": created,
            # most ideas were never edited: the same moment, written once
            "updated_at": created if updated_at == created_at else iso(updated_at),
            "withdrawn": withdrawn_at is not None,
            "withdrawn_at": iso(withdrawn_at) if withdrawn_at is not None else None,
            "hidden": None,
            "images": pictures.get(idea_id, []),
            "following": idea_id in following,
        }
        if hidden_at is not None:
            data["hidden"] = _hidden(hidden_at, hidden_by_id, hidden_reason)
            if not policy.sees_hidden_content(viewer, author_id):
                data = redact_idea(data)
        shown.append(data)
    return shown


@dataclass
class _PageFacts:
    """What a page of ideas needs besides their rows, read in one statement."""

    tags: dict[int, list[str]] = field(default_factory=dict)
    statuses: dict[int, list[str]] = field(default_factory=dict)  # of their tasks
    voted: set[int] = field(default_factory=set)  # by the viewer
    following: set[int] = field(default_factory=set)  # by the viewer
    published: set[int] = field(default_factory=set)  # went live somewhere
    pictured: set[int] = field(default_factory=set)  # have pictures
    shared_names: set[str] = field(default_factory=set)  # authors' names, see shared_names

    def frozen(self) -> tuple:
        """All of it, hashable (a kept answer's key, `IdeaPage.key`)."""
        return (
            tuple((idea_id, tuple(tags)) for idea_id, tags in self.tags.items()),
            tuple((idea_id, tuple(states)) for idea_id, states in self.statuses.items()),
            *map(frozenset, (self.voted, self.following, self.published, self.pictured)),
            frozenset(self.shared_names),
        )


@functools.lru_cache(maxsize=8)
def _facts_statement(dialect: str, for_viewer: bool):
    """Tags and task states of a page's ideas, which of them went live or have pictures,
    which of their authors' names someone else has too (person_json.shared_names: one
    statement less per page), and (for a viewer) their votes and follows."""
    author = aliased(User)
    authors_keys = (
        select(author.display_name_key)
        .join(Idea, Idea.author_id == author.id)
        .where(among_ids(Idea.id, dialect))
    )
    parts = [
        shared_keys_among(authors_keys, null(), literal_column("'n'")),
        select(IdeaTag.idea_id, literal_column("'t'"), IdeaTag.tag).where(
            among_ids(IdeaTag.idea_id, dialect)
        ),
        select(Task.idea_id, literal_column("'s'"), Task.status).where(
            among_ids(Task.idea_id, dialect)
        ),
        select(Publication.idea_id, literal_column("'p'"), null())
        .where(among_ids(Publication.idea_id, dialect))
        .distinct(),
        select(Image.idea_id, literal_column("'i'"), null())
        .where(among_ids(Image.idea_id, dialect))
        .distinct(),
    ]
    if for_viewer:
        parts += [
            select(Vote.idea_id, literal_column("'v'"), null()).where(
                Vote.user_id == bindparam("viewer_id"), among_ids(Vote.idea_id, dialect)
            ),
            select(Follow.idea_id, literal_column("'f'"), null()).where(
                Follow.user_id == bindparam("viewer_id"), among_ids(Follow.idea_id, dialect)
            ),
        ]
    return union_all(*parts)


def _page_facts(session: Session, viewer: User | None, ids: list[int]) -> _PageFacts:
    """Tags, task states, publications and pictures, and the viewer's votes and follows of
    these ideas, in one query."""
    dialect = session.get_bind().dialect.name
    statement = _facts_statement(dialect, viewer is not None)
    values = {"ids": id_list(dialect, ids), "viewer_id": getattr(viewer, "id", None)}
    facts = _PageFacts()
    tags, statuses = facts.tags, facts.statuses
    for idea_id, which, value in session.connection().execute(statement, values).all():
        if which == "t":
            tags.setdefault(idea_id, []).append(value)
        elif which == "s":
            statuses.setdefault(idea_id, []).append(value)
        elif which == "v":
            facts.voted.add(idea_id)
        elif which == "f":
            facts.following.add(idea_id)
        elif which == "n":
            facts.shared_names.add(value)
        elif which == "p":
            facts.published.add(idea_id)
        else:
            facts.pictured.add(idea_id)
    return facts


@functools.lru_cache(maxsize=4)
def _publications_statement(dialect: str):
    return (
        select(
            Publication.id,
            Publication.idea_id,
            Publication.url,
            Publication.channel,
            Publication.published_at,
            Publication.by_id.label("author_id"),
            User.display_name.label("author_name"),
            User.handle.label("author_handle"),
            User.department_id.label("author_department_id"),
            Department.name.label("author_department"),
        )
        .join(User, User.id == Publication.by_id)
        .join(Department, Department.id == User.department_id)
        .where(among_ids(Publication.idea_id, dialect))
        .order_by(Publication.published_at, Publication.id)
    )


def _publications_of(session: Session, ids: list[int]) -> dict[int, list[dict]]:
    """Where these ideas went live, oldest first, each with who recorded it."""
    published: dict[int, list[dict]] = {}
    dialect = session.get_bind().dialect.name
    statement = _publications_statement(dialect)
    rows = session.connection().execute(statement, {"ids": id_list(dialect, ids)}).all()
    recorders = authors_of_rows(
        session,
        [
            (
                r.author_id,
                r.author_name,
                r.author_handle,
                r.author_department_id,
                r.author_department,
            )
            for r in rows
        ],
    )
    for row, by in zip(rows, recorders, strict=True):
        published.setdefault(row.idea_id, []).append(
            {
                "id": row.id,
                "url": row.url,
                "channel": row.channel,
                "published_at": clock.iso(row.published_at),
                "by": by,
            }
        )
    return published


def known_handles(connection, texts: list[str]) -> set[str]:
    """Which of the handles @named in these texts belong to someone (one query, or none).
    `connection` is a Session or a Connection (the rendering hooks run on the latter)."""
    named = {h for text in texts for h in mentioned_handles(text)}
    if not named:
        return set()
    return set(connection.execute(select(User.handle).where(User.handle.in_(named))).scalars())


def ideas_by_author(session: Session, viewer: User, author_id: int, limit: int = 20) -> list[dict]:
    """A person's latest ideas, newest first (their page)."""
    policy.require(viewer, "board.read")
    rows = _rows(
        session,
        _listed_rows(session.get_bind().dialect.name)
        .where(_IDEAS.c.author_id == author_id, _IDEAS.c.withdrawn_at.is_(None))
        .order_by(_IDEAS.c.id.desc())
        .limit(limit),
        {"viewer_id": viewer.id},
    )
    return _serialize_rows(session, rows, viewer, _hidden_prompt_ids(session, clock.now()))


def public_idea(data: dict) -> dict:
    """The idea as events carry it: without the caller-specific `voted` and `following`,
    and without its words while it is hidden (events reach everyone)."""
    shown = {k: v for k, v in data.items() if k not in ("voted", "following")}
    return redact_idea(shown) if shown.get("hidden") else shown


def _get_idea(session: Session, idea_id: int, with_tags: bool = True) -> Idea:
    """`with_tags=False`: the idea's own row only; its tags and author are loaded if asked
    for (a comment never does)."""
    options = () if with_tags else _ROW_ONLY
    idea = session.get(Idea, idea_id, options=options) if 0 < idea_id <= MAX_ID else None
    if idea is None:
        raise NotFound("No such idea.", code="idea_not_found")
    return idea


_ROW_ONLY = (lazyload(Idea.tag_rows), lazyload(Idea.author))


def check_open_for_changes(idea: Idea, hidden_too: bool = True) -> None:
    """A withdrawn idea takes no more votes, comments or edits; a hidden one no votes or
    comments until the facilitator shows it again (its author may still edit it)."""
    if idea.withdrawn_at is not None:
        raise Conflict("Its author has withdrawn this idea.", code="idea_withdrawn")
    if hidden_too and idea.hidden_at is not None:
        raise Conflict("This idea is hidden.", code="idea_hidden")


def get_idea(session: Session, viewer: User, idea_id: int) -> dict:
    policy.require(viewer, "board.read")
    return serialize_ideas(session, [_get_idea(session, idea_id)], viewer)[0]


# A search matching more ideas than this is answered by walking the rank index and testing
# each idea against the list of its matches; fewer are looked up and sorted.
FEW_MATCHES = 500
# Walking one idea of the rank index and asking search.SQLITE_WORDS about it (a seek per
# word) costs about as much as listing this many matches and sorting them: a page walks
# (limit + 1) × board / matches ideas, or lists them all (measured at 1,000 and 100,000
# ideas: 1-2.6 µs a walked idea, 1-2 µs a listed match). The limit weighed is the usual
# page's, whatever the request's, so that a page's shape, and with it the statements it
# takes, does not follow its size.
QUESTION_COST = 1


def _filters(
    session: Session,
    department_id: int | None,
    tag: str | None,
    q: str | None,
    prompt_id: int | None,
) -> tuple[tuple, dict]:
    """The filters as the shape of the page's statement (built once per shape, see
    `_page_statement`) and the values bound into it. A tag walks the tag's own rank index
    (idea_tags keeps its idea's keys). On SQLite "+ 0" keeps the planner on the rank index
    for broad filters (a department, a common word): the first 50 are near its start.
    PostgreSQL's planner weighs this by itself from its statistics."""
    dialect = session.get_bind().dialect.name
    shape: list = [dialect, department_id is not None, bool(tag), None, prompt_id is not None]
    values: dict = {"department_id": department_id, "prompt_id": prompt_id}
    if tag:
        values["tag"] = tag_key(tag)
    if q:
        tagged = values.get("tag")
        shape[3], terms = _search_shape(session, dialect, q, tagged, department_id)
        values.update(terms)
    return tuple(shape), values


def _search_shape(
    session: Session,
    dialect: str,
    q: str,
    tag: str | None = None,
    department_id: int | None = None,
) -> tuple[str, dict]:
    """How a page asks for the ideas matching `q`, and the values it binds. On SQLite a
    search walks the rank index (the tag's, with a tag) and asks each idea's words
    (search.SQLITE_WORDS; "probe", a seek per word and idea) when that costs less than
    listing every match; otherwise the matches are listed: tested against as the index is
    walked when many pass the filters ("broad"), else looked up and sorted ("narrow").

    A walk passes (limit + 1) ideas of the index for each one that matches and passes the
    filters, and at most all of them: with a tag or a department a word its ideas seldom
    hold walks all of the tag (or the board) for a handful, however common the word is on
    the board (a tenth of 100,000 ideas, 10 ms). So the filters' share of the matches is
    estimated too (`search.spelled_out`) and the walk weighed against the list with it."""
    terms = search.parameters(dialect, q)
    if terms is None:
        return "nothing", {}
    if dialect != "sqlite":
        if tag is None and department_id is None:
            return "narrow", terms
        # The filters' lexemes are in each idea's stored search vector: one condition the
        # GIN index answers for the words and the filters together. PostgreSQL's planner
        # cannot tell a pair that seldom meets from a common one (it multiplies their
        # shares), so a page walks a bounded stretch of the rank index first
        # (`_walk_statement`) and asks this list only when that falls short.
        return "faceted", terms | {"facets": search.postgres_facets(tag, department_id)}
    walk_cost = (paging.DEFAULT_LIMIT + 1) * QUESTION_COST
    spelled = search.spelled_out(session, q, tag, department_id, walk_cost)
    if spelled is not None:
        if not spelled.query:
            return "nothing", {}
        matches, together = spelled.matches, spelled.together
        # The ideas a walk passes: the tag's (or the board's), fewer when many match.
        walked = spelled.filtered * min(1, (paging.DEFAULT_LIMIT + 1) / max(1, together))
        if matches > walked * QUESTION_COST:
            numbered = enumerate(spelled.words)
            return f"probe {len(spelled.words)}", {f"search_words_{n}": w for n, w in numbered}
        if together > FEW_MATCHES:
            return "broad", {"fts_query": spelled.query}
        if tag is None and department_id is None:
            return "narrow", {"fts_query": spelled.query}
        # Few pass the filters: the search index lists those (its facets' column holds the
        # filters), one merge inside FTS5 instead of a test of each of the word's matches.
        return "faceted", {"fts_query": search.faceted(spelled.query, tag, department_id)}
    broad = search.count_matches(session, q, FEW_MATCHES + 1) > FEW_MATCHES
    return ("broad" if broad else "narrow"), terms


_TAGGED = select(IdeaTag.idea_id).where(IdeaTag.tag == bindparam("tag"))
# The orders on a tag's own copies of its idea's rank keys (board/tallies.py keeps them).
_TAG_ORDER_COLUMNS = {
    "top": (
        IdeaTag.vote_count,
        IdeaTag.departments_supporting,
        IdeaTag.created_at,
        IdeaTag.idea_id,
    ),
    "hot": (IdeaTag.hot_score, IdeaTag.idea_id),
    "new": (IdeaTag.created_at, IdeaTag.idea_id),
}


@functools.lru_cache(maxsize=64)
def _conditions(shape: tuple, tag_walked: bool = False) -> tuple:
    """The WHERE of a page of ideas for a shape from `_filters`, values left as parameters.
    `tag_walked`: the statement walks idea_tags by the tag (`_page_statement`)."""
    dialect, department, tag, q, prompt = shape
    walk = dialect == "sqlite"
    conditions = [Idea.withdrawn_at.is_(None)]  # withdrawn ideas live on in the feed only
    if q == "faceted":  # the search index's list passes the tag and the department
        department = tag = False
    if department:
        # A walked tag's entries carry their idea's author: the idea's row is read only for
        # those of the department (at 100,000 ideas ~50 instead of ~400, 0.9 → 0.5 ms on
        # PostgreSQL). No index starts with it, so it needs no "+ 0".
        author = Idea.author_id + 0 if walk else Idea.author_id
        if tag and tag_walked:
            author = IdeaTag.author_id
        conditions.append(author.in_(_DEPARTMENT_PEOPLE))
    if tag and tag_walked:
        # A word's few matches are looked up in the tag's entries, then in ideas: "+ 0" keeps
        # SQLite from carrying the list of matches over to ideas.id and reading each
        # match's row first (at 100,000 ideas 4,500 rows for 5 tagged: 6.4 against 2 ms).
        entry = IdeaTag.idea_id + 0 if walk and q == "narrow" else IdeaTag.idea_id
        conditions += [IdeaTag.tag == bindparam("tag"), entry == Idea.id]
    elif tag:
        conditions.append(Idea.id.in_(_TAGGED))
    if q == "nothing":
        conditions.append(false())
    elif q and q.startswith("probe"):
        # Asked before the idea's row is read when a tag's index is walked.
        walked = IdeaTag.idea_id if tag and tag_walked else Idea.id
        conditions.append(search.probe(walked, int(q.split()[1])))
    elif q == "faceted" and not walk:
        conditions.append(search.faceted_condition())
    elif q:
        # With a tag, the matches are tested against its entries before an idea's row is
        # read (a word the tag seldom holds: thousands of matches, a handful tagged).
        listed = IdeaTag.idea_id if tag and tag_walked else Idea.id
        conditions.append(search.condition(dialect, listed + 0 if q == "broad" else listed))
    if prompt:
        conditions.append(Idea.prompt_id == bindparam("prompt_id"))
    return tuple(conditions)


@functools.lru_cache(maxsize=256)
def _page_statement(shape: tuple, order: str, hidden: bool, after: bool, facts: bool):
    """The ranked page for a filter shape and order, LIMIT and cursor key as parameters:
    built and compiled once, not per request (building it cost more than running it). A
    tag's page walks that tag's rank index in idea_tags, the same keys as the idea's.
    `facts`: each idea's `_PageFacts` as columns (`_listed_rows`)."""
    tag = shape[2] and shape[3] != "faceted"
    columns = (_TAG_ORDER_COLUMNS if tag else _ORDER_COLUMNS)[order]
    # SQLite sorts a search's few matches by their keys alone, then reads the page's rows
    # with their facts: as columns of the sorted rows, they were asked of every match.
    matches_first = facts and shape[0] == "sqlite" and shape[3] in ("narrow", "faceted")
    rows = _IDEA_ROWS if not facts else select(Idea.id) if matches_first else _listed_rows(shape[0])
    statement = rows.where(*_conditions(shape, tag_walked=tag))
    statement = statement.order_by(*(c.desc() for c in columns))
    if hidden:
        statement = statement.where(_NOT_HIDDEN)
    if after:
        key = [bindparam(f"after_{index}") for index in range(len(columns))]
        statement = statement.where(paging.after(columns, key))
    statement = statement.limit(bindparam("limit"))
    if matches_first:  # the page in the order of the idea's own keys (a tag's are copies)
        # Not correlated with the outer `ideas`: with a tag's entries beside them the sorted
        # matches were asked again for each idea of the board (a walk of the whole board).
        statement = _listed_rows(shape[0]).where(Idea.id.in_(statement.correlate(None)))
        return statement.order_by(*(c.desc() for c in _ORDER_COLUMNS[order]))
    return statement


# PostgreSQL, a tag or a department with words: the rows of the rank index (the tag's, else
# the board's) a page first walks after its cursor, testing each one's stored search
# vector, before it asks the search index for the few that hold both (`_walk_statement`).
WALK_BUDGET = 1000


@functools.lru_cache(maxsize=64)
def _walk_statement(shape: tuple, order: str, hidden: bool, after: bool, budget: int):
    """PostgreSQL: the matches among the first `budget` rows of the rank index after the
    cursor (the tag's, else the board's), in rank order, at most LIMIT; and, when the walk
    reached its bound before LIMIT matches, a row of nulls to say so (the row after the
    budget's, passed but never read). LIMIT matches are the page: every row before the
    last of them was walked. So are fewer when no row of nulls came: the walk saw all the
    rows there are (a small tag, a last page). Only when it stopped at its bound short of
    the page is the search index asked for the filter and the word together ("faceted":
    the GIN index intersects them), which a filter and a word that seldom meet need, and
    which costs a common word's whole list of matches (21 ms for "podcast" at 100,000
    ideas).

    The budget is written into the statement rather than bound, the walked rows are a
    subquery of their own and each one's vector is tested as it is read
    (`search.tested_condition`), so that PostgreSQL's plan is the same whether it plans
    for the values or, after five runs of the prepared statement, for any values: a
    single statement choosing between the walk and the list took 60-118 ms under the
    generic plan (docs/performance.md)."""
    _dialect, department, tag, _q, prompt = shape
    source = aliased(IdeaTag) if tag else aliased(Idea)
    order_columns = (_TAG_ORDER_COLUMNS if tag else _ORDER_COLUMNS)[order]
    columns = [getattr(source, column.key) for column in order_columns]
    entry = source.idea_id if tag else source.id
    rows = select(
        entry.label("walked_id"),
        *(column.label(f"walked_{n}") for n, column in enumerate(columns)),
        func.row_number().over(order_by=[c.desc() for c in columns]).label("walked_n"),
    )
    rows = rows.add_columns(source.author_id.label("walked_author"))
    if tag:
        rows = rows.where(source.tag == bindparam("tag"))
    else:
        # The board's rank index leads to each idea's row, which holds its vector: tested
        # as the row is walked (as the walk without a bound did), not once more by its key.
        rows = rows.add_columns(
            type_coerce(search.tested_condition(), Boolean).label("walked_match")
        )
    if after:
        key = [bindparam(f"after_{index}") for index in range(len(columns))]
        rows = rows.where(paging.after(columns, key))
    walked = (
        rows.order_by(*(c.desc() for c in columns))
        .limit(literal_column(str(int(budget) + 1)))
        .subquery("walked")
    )
    # What the walked row answers by itself (the board's: its words; a tag's entry: its
    # author) decides whether its idea is read at all: a condition of the join's own,
    # PostgreSQL would read each walked idea's row first and test these after.
    # The row after the budget's is never read: a row of nulls, it says there are more.
    asked = [walked.c.walked_n <= literal_column(str(int(budget)))]
    if not tag:
        asked.append(walked.c.walked_match)
    if department:
        asked.append(walked.c.walked_author.in_(_DEPARTMENT_PEOPLE))
    walked_id = case((and_(*asked), walked.c.walked_id))
    conditions = [_IDEAS.c.id == walked_id, _IDEAS.c.withdrawn_at.is_(None)]
    if tag:
        conditions.append(search.tested_condition())
    if prompt:
        conditions.append(_IDEAS.c.prompt_id == bindparam("prompt_id"))
    if hidden:
        conditions.append(_NOT_HIDDEN)
    statement = (
        select(*_IDEA_ROWS.selected_columns)
        .select_from(walked.outerjoin(_IDEA_FROM, and_(*conditions)))
        .where(or_(_IDEAS.c.id.is_not(None), walked.c.walked_n > literal_column(str(int(budget)))))
    )
    keys = [walked.c[f"walked_{n}"] for n in range(len(columns))]
    return statement.order_by(*(c.desc() for c in keys)).limit(bindparam("limit"))


@functools.lru_cache(maxsize=64)
def _challenge_statement(shape: tuple):
    """The ideas of running challenges with hidden tallies that pass the filters."""
    hidden = Idea.prompt_id.in_(bindparam("hidden", expanding=True))
    return _IDEA_ROWS.where(*_conditions(shape), hidden)


def page_ideas(
    session: Session,
    viewer: User,
    sort: str = "top",
    department_id: int | None = None,
    tag: str | None = None,
    q: str | None = None,
    prompt_id: int | None = None,
    limit: int = paging.DEFAULT_LIMIT,
    cursor: str | None = None,
    apart_from_challenges: bool = False,
) -> IdeaPage:
    """One page of ideas in `sort` order after `cursor`, as read: it unpacks as its items
    and the next page's cursor, and its `key()` tells when it is the same page (`IdeaPage`).

    The database ranks by the stored tallies and limits through an index; ideas of running
    challenges with hidden tallies (a bounded few) are ranked beside them as if unvoted, or,
    `apart_from_challenges`, left out (the board shows them with their challenge)."""
    policy.require(viewer, "board.read")
    now = clock.now()
    hidden = _hidden_prompt_ids(session, now)
    order = "shuffle" if prompt_id is not None and prompt_id in hidden else sort
    after = paging.decode(cursor, order, _ORDER_KINDS[order]) if cursor else None
    shape, values = _filters(session, department_id, tag, q, prompt_id)
    if shape[3] == "nothing":  # a search for no word, or for words no idea has
        return _read_page(session, [], viewer, set(), None)
    values["hidden"] = sorted(hidden)
    values["viewer_id"] = viewer.id
    connection = session.connection()
    candidates: list = []
    ranked_beside = bool(hidden) and not (apart_from_challenges and prompt_id is None)
    if order != "shuffle":
        # The page's facts come as its columns when the database sends only the page: not
        # when some of its ideas come from the challenges' statement. A search's sorted
        # matches are sorted first and then asked about (`_page_statement`). On SQLite only:
        # on PostgreSQL, measured both ways in turn on a quiet machine, neither cost less
        # (docs/performance.md), so it keeps the facts' own statement.
        facts = shape[0] == "sqlite" and not ranked_beside
        values["limit"] = limit + 1
        for index, value in enumerate(after or ()):
            values[f"after_{index}"] = value
        found, complete = [], False
        if shape[0] == "postgresql" and shape[3] == "faceted" and WALK_BUDGET > 0:
            walk = _walk_statement(shape, order, bool(hidden), after is not None, WALK_BUDGET)
            walked = connection.execute(walk, values).all()
            found = [row for row in walked if row.id is not None]  # not the bound's row
            complete = len(found) > limit or len(found) == len(walked)
        if not complete:  # no walk, or it stopped at its bound short of the page
            statement = _page_statement(shape, order, bool(hidden), after is not None, facts)
            found = connection.execute(statement, values).all()
        candidates.extend(found)
    if ranked_beside:
        candidates.extend(connection.execute(_challenge_statement(shape), values).all())
    if not ranked_beside:  # the database ranked, cut at the cursor and limited them
        shown = candidates[:limit]
        after_shown = (
            (order, _key(order, shown[-1], False, viewer)) if len(candidates) > limit else None
        )
        return _read_page(session, shown, viewer, hidden, after_shown)
    keyed = sorted(
        (
            (key, idea)
            for idea in candidates
            if paging.is_after(key := _key(order, idea, idea.prompt_id in hidden, viewer), after)
        ),
        key=lambda pair: pair[0],
        reverse=True,
    )
    shown = keyed[:limit]
    after_shown = (order, shown[-1][0]) if len(keyed) > limit else None
    return _read_page(session, [idea for _key, idea in shown], viewer, hidden, after_shown)


def list_ideas(
    session: Session, viewer: User, limit: int = paging.MAX_LIMIT, **filters
) -> list[dict]:
    """The first `limit` ideas (pages and the facilitator's views)."""
    return page_ideas(session, viewer, limit=limit, **filters).items()


# ---- writing -------------------------------------------------------------------------


def create_idea(
    session: Session,
    actor: User,
    title: str,
    body: str,
    tags: list[str] | None = None,
    prompt_id: int | None = None,
) -> dict:
    policy.require(actor, "idea.create")
    fields: dict[str, str] = {}
    _require_text(fields, "title", title)
    if fields:
        raise Invalid("Some fields are missing or invalid.", code="invalid_fields", fields=fields)
    tags = normalize_tags(tags or [])
    prompt = get_prompt_for_idea(session, prompt_id)
    if prompt is not None and phase_of(prompt) != "collecting":
        raise Conflict("This challenge no longer takes ideas.", code="submissions_closed")
    now = clock.now()
    idea = Idea(
        title=title.strip(),
        body=body,
        author_id=actor.id,
        prompt_id=prompt_id,
        created_at=now,
        updated_at=now,
        author=actor,
    )
    idea.tag_rows = [IdeaTag(tag=tag) for tag in tags]
    session.add(idea)
    session.flush()
    shows_pictures = images.attach(session, actor, body, idea_id=idea.id, new=True)
    # What the serializer would read back is known: its tags, no tasks, votes, follows or
    # publications yet, and pictures only if its text shows some.
    pictures = images.images_of_ideas(session, [idea.id]) if shows_pictures else {}
    known = (_PageFacts(tags={idea.id: tags}, pictured=set(pictures)), {}, pictures)
    data = _serialize(session, [idea], [author_dict(actor)], actor, None, known)[0]
    events.record(session, "idea.created", actor, {"idea": public_idea(data)})
    data["following"] = True  # its author follows it (written just now, with the event)
    session.commit()
    return data


def update_idea(session: Session, actor: User, idea_id: int, changes: dict) -> dict:
    """The author changes any of title, body and tags; everything is checked before anything
    changes."""
    idea = _get_idea(session, idea_id)
    policy.require(actor, "idea.edit", idea)
    check_open_for_changes(idea, hidden_too=False)
    fields: dict[str, str] = {}
    _require_text(fields, "title", changes.get("title"))
    if fields:
        raise Invalid("Some fields are missing or invalid.", code="invalid_fields", fields=fields)
    wanted = normalize_tags(changes["tags"]) if "tags" in changes else None
    if not changes:
        return serialize_ideas(session, [idea], actor)[0]  # nothing to change, nothing to tell
    if "title" in changes:
        idea.title = changes["title"].strip()
    if "body" in changes:
        idea.body = changes["body"]
        images.attach(session, actor, idea.body, idea_id=idea.id)
    if wanted is not None:
        idea.tag_rows = [row for row in idea.tag_rows if row.tag in wanted] + [
            IdeaTag(tag=tag) for tag in wanted if tag not in idea.tags
        ]
    idea.updated_at = clock.now()
    session.flush()
    data = serialize_ideas(session, [idea], actor)[0]
    events.record(session, "idea.updated", actor, {"idea": public_idea(data)})
    session.commit()
    return data


def _vote_answer(idea_id: int, tally, prompt: Prompt | None, voted: bool) -> dict:
    hidden = tallies_hidden(prompt)
    return {
        "idea_id": idea_id,
        "votes": None if hidden else tally.vote_count,
        "voted": voted,
        "departments_supporting": None if hidden else tally.departments_supporting,
    }


@dataclass(frozen=True)
class _Tally:
    vote_count: int
    departments_supporting: int


def _recount(session: Session, idea, added_at: datetime | None = None) -> _Tally:
    """Store the idea's tallies as of this transaction, under the lock the vote holds.

    Votes and departments are counted from the votes themselves (one indexed aggregate),
    so they cannot drift; the hot heat grows by the new vote, or is summed afresh after an
    unvote. Plain statements: the vote's idea is a row (`_vote_target`), not an object."""
    connection = session.connection()
    values = {"idea_id": idea.id}
    votes, departments = connection.execute(_COUNT_VOTES, values).one()
    if added_at is not None:
        heat = ranking.log2_add(idea.vote_heat, ranking.units(added_at))
    else:
        heat = ranking.heat_of(connection.execute(_VOTE_TIMES, values).scalars())
    hot = ranking.hot_score(votes, departments, heat, idea.created_at)
    connection.execute(
        _STORE_TALLY,
        {**values, "votes": votes, "departments": departments, "heat": heat, "hot": hot},
    )
    return _Tally(votes, departments)


_COUNT_VOTES = (
    select(func.count(Vote.id), func.count(func.distinct(User.department_id)))
    .select_from(Vote)
    .join(User, User.id == Vote.user_id)
    .where(Vote.idea_id == bindparam("idea_id"))
)
_VOTE_TIMES = select(Vote.created_at).where(Vote.idea_id == bindparam("idea_id"))
_STORE_TALLY = (
    update(_IDEAS)
    .where(_IDEAS.c.id == bindparam("idea_id"))
    .values(
        vote_count=bindparam("votes"),
        departments_supporting=bindparam("departments"),
        vote_heat=bindparam("heat"),
        hot_score=bindparam("hot"),
    )
)


def _record_votes_changed(session: Session, answer: dict, prompt: Prompt | None) -> None:
    # Votes name no voter; hidden challenge tallies send nothing at all until they close.
    if tallies_hidden(prompt):
        return
    data = {k: answer[k] for k in ("idea_id", "votes", "departments_supporting")}
    events.record(session, "idea.votes_changed", None, data, anonymous=True)


def _check_voting_open(prompt: Prompt | None) -> None:
    if prompt is not None and phase_of(prompt) == "closed":
        raise Conflict("Voting on this challenge has closed.", code="voting_closed")


def _free_slot(session: Session, prompt: Prompt, voter: User) -> int:
    taken = set(
        session.scalars(
            select(Vote.slot).where(Vote.prompt_id == prompt.id, Vote.user_id == voter.id)
        )
    )
    free = [slot for slot in range(1, prompt.votes_per_person + 1) if slot not in taken]
    if not free:
        raise Conflict(
            "You have used all your votes in this challenge.",
            code="vote_budget_spent",
            budget=prompt.votes_per_person,
        )
    return free[0]


def _vote_target(session: Session, idea_id: int):
    """The idea as a vote needs it (a row: no author, tags or text), its tallies read under
    the lock that serialises the votes on one idea, so that each answer and
    `idea.votes_changed` carries the count as of its own commit, in seq order.

    SQLite's BEGIN IMMEDIATE (this is the write transaction's first statement) already
    serialises writers. PostgreSQL takes the idea's row lock FOR NO KEY UPDATE, which does
    not block inserts that merely reference the idea."""
    dialect = session.get_bind().dialect.name
    row = None
    if 0 < idea_id <= MAX_ID:
        row = session.connection().execute(_vote_target_statement(dialect), {"id": idea_id})
        row = row.first()
    if row is None:
        raise NotFound("No such idea.", code="idea_not_found")
    return row


@functools.lru_cache(maxsize=4)
def _vote_target_statement(dialect: str):
    statement = select(
        Idea.id,
        Idea.prompt_id,
        Idea.created_at,
        Idea.withdrawn_at,
        Idea.hidden_at,
        Idea.vote_count,
        Idea.departments_supporting,
        Idea.vote_heat,
    ).where(Idea.id == bindparam("id"))
    if dialect == "postgresql":
        statement = statement.with_for_update(key_share=True)
    return statement


@functools.lru_cache(maxsize=4)
def _add_vote_statement(dialect: str):
    """Written, or nothing when the person's vote is there already (the unique idea/person
    pair decides, also between concurrent votes: no look first, no savepoint)."""
    module = postgresql if dialect == "postgresql" else sqlite
    votes = Vote.__table__
    return module.insert(votes).on_conflict_do_nothing().returning(votes.c.id)


def vote(session: Session, actor: User, idea_id: int) -> dict:
    """Give the caller's one vote; idempotent, and the database refuses a second row.
    Asks of `actor` only their id and role: the view hands it the person as a row
    (`people.Reader`, security.person_as_reader)."""
    idea = _vote_target(session, idea_id)
    policy.require(actor, "idea.vote", idea)
    check_open_for_changes(idea)
    prompt = session.get(Prompt, idea.prompt_id) if idea.prompt_id else None
    _check_voting_open(prompt)
    if prompt is not None and prompt.kind == "challenge" and prompt.votes_per_person:
        voted_at = _add_budgeted_vote(session, actor, idea, prompt)
    else:
        voted_at = _add_vote(session, actor, idea)
    if voted_at is None:  # voted already: nothing changes, nothing to tell
        return _vote_answer(idea.id, idea, prompt, voted=True)
    answer = _vote_answer(idea.id, _recount(session, idea, added_at=voted_at), prompt, True)
    _record_votes_changed(session, answer, prompt)
    _tell_own_pages(session, actor, idea.id, prompt, voted=True)
    session.commit()
    return answer


def _add_vote(session: Session, actor: User, idea) -> datetime | None:
    """A vote outside a challenge's budget; None when the person voted for it already."""
    voted_at = clock.now()
    values = {"idea_id": idea.id, "user_id": actor.id, "created_at": voted_at}
    statement = _add_vote_statement(session.get_bind().dialect.name)
    return voted_at if session.connection().execute(statement, values).first() else None


def _add_budgeted_vote(session: Session, actor: User, idea, prompt: Prompt) -> datetime | None:
    """A vote from the person's budget in a challenge, in the first free slot; None when
    they voted for this idea already. The database refuses a second row or a taken slot."""
    for _attempt in range(8):
        if (
            session.scalar(select(Vote.id).where(Vote.idea_id == idea.id, Vote.user_id == actor.id))
            is not None
        ):
            return None
        slot = _free_slot(session, prompt, actor)
        voted_at = clock.now()
        try:
            with session.begin_nested():
                session.add(
                    Vote(
                        idea_id=idea.id,
                        user_id=actor.id,
                        slot=slot,
                        prompt_id=prompt.id,
                        created_at=voted_at,
                    )
                )
        except IntegrityError:
            continue  # a concurrent vote won this row or slot: look again
        return voted_at
    raise Conflict("Too many votes at once; please try again.", code="vote_conflict")


def unvote(session: Session, actor: User, idea_id: int) -> dict:
    idea = _vote_target(session, idea_id)
    policy.require(actor, "idea.vote", idea)
    prompt = session.get(Prompt, idea.prompt_id) if idea.prompt_id else None
    _check_voting_open(prompt)
    removed = (
        session.connection()
        .execute(_REMOVE_VOTE, {"idea_id": idea.id, "user_id": actor.id})
        .rowcount
    )
    tally = _recount(session, idea) if removed else idea
    answer = _vote_answer(idea.id, tally, prompt, voted=False)
    if removed:
        _record_votes_changed(session, answer, prompt)
        _tell_own_pages(session, actor, idea.id, prompt, voted=False)
    session.commit()
    return answer


# The private Socket.IO event that tells a person's open pages of a vote they gave or took
# back in a challenge with a vote budget (another tab, another device), so that their
# "You have used 2 of your 3 votes" and vote buttons follow. `idea.votes_changed` names no
# voter (and is not sent at all while the tallies are hidden), so it cannot say whose vote
# it was; this goes to the voter's own sockets only and is never logged. A page that was
# offline asks for its own votes after it reconnects (static/js/budget.js).
OWN_VOTE_EVENT = "votes.mine"


def _tell_own_pages(session: Session, actor: User, idea_id: int, prompt, voted: bool) -> None:
    if prompt is None or prompt.kind != "challenge" or not prompt.votes_per_person:
        return
    payload = {"prompt_id": prompt.id, "idea_id": idea_id, "voted": voted}
    events.call_after_commit(session, _emit_own_vote, actor.id, payload)


def _emit_own_vote(user_id: int, payload: dict) -> None:
    try:
        socketio.emit(OWN_VOTE_EVENT, payload, to=events.user_room(user_id), namespace=NAMESPACE)
    except Exception:  # noqa: BLE001 - committed already; a reload shows it
        log.exception("could not tell a person's pages of their vote")


_VOTES = Vote.__table__
_REMOVE_VOTE = delete(_VOTES).where(
    _VOTES.c.idea_id == bindparam("idea_id"), _VOTES.c.user_id == bindparam("user_id")
)


# ---- comments ------------------------------------------------------------------------


def comment_counts(session: Session, viewer: User, idea_ids: list[int]) -> dict[int, int]:
    """Idea id → number of comments, for the given ideas (cards show the count)."""
    policy.require(viewer, "board.read")
    if not idea_ids:
        return {}
    dialect = session.get_bind().dialect.name
    values = {"ids": id_list(dialect, idea_ids)}
    return dict(session.connection().execute(_comment_counts_statement(dialect), values).all())


@functools.lru_cache(maxsize=4)
def _comment_counts_statement(dialect: str):
    """Built once, the page's ids as one parameter (an expanding IN rendered 50 anew)."""
    return (
        select(Comment.idea_id, func.count(Comment.id))
        .where(among_ids(Comment.idea_id, dialect))
        .group_by(Comment.idea_id)
    )


def idea_titles(session: Session, viewer: User, idea_ids: set[int]) -> dict[int, str]:
    """Idea id → title, for tasks that name the idea they carry out. A hidden idea has
    none here (the cards name it by its number): its title is withheld from everyone but
    its author and the facilitator, and a list of tasks is the same for every reader."""
    policy.require(viewer, "board.read")
    if not idea_ids:
        return {}
    dialect = session.get_bind().dialect.name
    values = {"ids": id_list(dialect, sorted(idea_ids))}
    return dict(session.connection().execute(_idea_titles_statement(dialect), values).all())


@functools.lru_cache(maxsize=4)
def _idea_titles_statement(dialect: str):
    """Built once, as _comment_counts_statement (the board page asks for ~15 titles)."""
    return select(Idea.id, Idea.title).where(among_ids(Idea.id, dialect), Idea.hidden_at.is_(None))


def tags_in_use(session: Session, viewer: User) -> list[str]:
    """Every tag some idea carries, A to Z (the board's tag filter)."""
    policy.require(viewer, "board.read")
    return list(session.connection().execute(_tags_in_use_statement()).scalars())


@functools.cache
def _tags_in_use_statement():
    """The distinct tags by jumping from one to the next in the tag index (a "loose index
    scan"): one index seek per distinct tag, where `SELECT DISTINCT` reads a row for every
    tag of every idea and grew with the board."""
    later = IdeaTag.__table__.alias("later")
    walk = select(func.min(IdeaTag.tag).label("tag")).cte("walk", recursive=True)
    following = select(later.c.tag).where(later.c.tag > walk.c.tag).order_by(later.c.tag)
    walk = walk.union_all(
        select(following.limit(1).scalar_subquery()).where(walk.c.tag.is_not(None))
    )
    return select(walk.c.tag).where(walk.c.tag.is_not(None))


def comment_dict(
    comment: Comment, viewer: User | None = None, pictures: list[dict] | None = None
) -> dict:
    """A comment as `viewer` may see it (None: as events carry it to everyone). A deleted
    one keeps its place and loses its text; a hidden one shows its text only to its author
    and the facilitator."""
    data = {
        "id": comment.id,
        "idea_id": comment.idea_id,
        "body": comment.body,
        "body_html": comment.body_html,
        "author": author_dict(comment.author),
        "is_mentor_note": comment.is_mentor_note,
        "created_at": clock.iso(comment.created_at),
        "edited_at": clock.iso(comment.edited_at),
        "deleted": comment.deleted_at is not None,
        "deleted_at": clock.iso(comment.deleted_at),
        "hidden": hidden_dict(comment),
        "images": pictures or [],
    }
    if comment.hidden_at is not None and not policy.sees_hidden_content(viewer, comment.author_id):
        data = redact_comment(data)
    return data


def list_comments(session: Session, viewer: User, idea_id: int) -> list[dict]:
    policy.require(viewer, "board.read")
    _get_idea(session, idea_id)
    comments = list(
        session.scalars(
            select(Comment)
            .where(Comment.idea_id == idea_id)
            .order_by(Comment.created_at, Comment.id)
        )
    )
    return _comment_dicts(session, viewer, comments)


_OLDEST_COMMENTS = "comments_oldest"


def page_comments(
    session: Session, viewer: User, idea_id: int, limit: int, cursor: str | None = None
) -> tuple[list[dict], str | None]:
    """`limit` comments of an idea oldest first, as `list_comments` orders them, from the
    cursor on, and the cursor of the next page (None at the end): the API's paged comments,
    read in order from the idea's index on (idea_id, created_at, id), LIMIT limit + 1."""
    policy.require(viewer, "board.read")
    columns = (Comment.created_at, Comment.id)
    query = select(Comment).where(Comment.idea_id == idea_id)
    if cursor:
        key = paging.decode(cursor, _OLDEST_COMMENTS, (paging.TIME, paging.INT))
        query = query.where(paging.after(columns, key, ascending=True))
    _get_idea(session, idea_id, with_tags=False)
    rows = list(session.scalars(query.order_by(*columns).limit(limit + 1)))
    shown = rows[:limit]
    next_cursor = (
        paging.encode(_OLDEST_COMMENTS, (shown[-1].created_at, shown[-1].id))
        if len(rows) > limit
        else None
    )
    return _comment_dicts(session, viewer, shown), next_cursor


def _comment_dicts(session: Session, viewer: User, comments: list[Comment]) -> list[dict]:
    """The comments as HTTP shows them, their pictures read in one statement."""
    pictures = images.images_of_comments(session, [c.id for c in comments])
    return [comment_dict(c, viewer, pictures.get(c.id)) for c in comments]


NOTES_SHOWN = 3


@dataclass
class MentorNotes:
    shown: list[dict]  # the newest NOTES_SHOWN, oldest of them first
    total: int  # how many the idea has


def newest_mentor_notes(
    session: Session, viewer: User, idea_ids: list[int]
) -> dict[int, MentorNotes]:
    """Idea id → its newest NOTES_SHOWN mentor notes and how many it has, for all the ideas
    in one statement (a challenge's page read every comment of every idea to find them)."""
    policy.require(viewer, "board.read")
    if not idea_ids:
        return {}
    dialect = session.get_bind().dialect.name
    rows = session.execute(_newest_notes_statement(dialect), {"ids": id_list(dialect, idea_ids)})
    found: dict[int, MentorNotes] = {}
    comments = []
    for comment, total in rows.unique():
        comments.append(comment)
        found.setdefault(comment.idea_id, MentorNotes([], total))
    for data in _comment_dicts(session, viewer, comments):
        found[data["idea_id"]].shown.append(data)
    return found


@functools.lru_cache(maxsize=4)
def _newest_notes_statement(dialect: str):
    """For each idea, its newest NOTES_SHOWN notes walked from the notes' own index (LIMIT,
    per idea: LATERAL on PostgreSQL, `IN` a correlated subquery on SQLite, which has no
    LATERAL) and its notes counted in that index alone; the notes with their authors,
    oldest first. No other comment is read (the page read all of its ideas' comments)."""
    note = aliased(Comment)
    newest = (
        select(note.id)
        .where(note.idea_id == Idea.id, note.is_mentor_note == true())
        .order_by(note.created_at.desc(), note.id.desc())
        .limit(NOTES_SHOWN)
    )
    counted = aliased(Comment)
    total = (
        select(func.count())
        .select_from(counted)
        .where(counted.idea_id == Idea.id, counted.is_mentor_note == true())
        .scalar_subquery()
    )
    query = join_newest(
        select(Comment, total.label("total")).select_from(Idea), Comment, newest, dialect
    )
    return query.where(among_ids(Idea.id, dialect)).order_by(
        Comment.idea_id, Comment.created_at, Comment.id
    )


COMMENTS_PAGE = 50
_COMMENT_ORDER = "comments"


@dataclass
class CommentPage:
    items: list[dict]  # oldest first, as the page reads them
    earlier: str | None  # the cursor of the comments before these, None at the first


def page_of_comments(
    session: Session, viewer: User, idea_id: int, before: str | None = None
) -> CommentPage:
    """The newest COMMENTS_PAGE comments of an idea (or those before the cursor `before`):
    an idea's page reads one page from the idea's comments in their order, not all of
    them (5,000 comments took two seconds to render)."""
    policy.require(viewer, "board.read")
    columns = (Comment.created_at, Comment.id)
    query = select(Comment).where(Comment.idea_id == idea_id)
    if before:
        query = query.where(
            paging.after(columns, paging.decode(before, _COMMENT_ORDER, (paging.TIME, paging.INT)))
        )
    newest = list(
        session.scalars(
            query.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(COMMENTS_PAGE + 1)
        )
    )
    shown = newest[:COMMENTS_PAGE][::-1]
    earlier = (
        paging.encode(_COMMENT_ORDER, (shown[0].created_at, shown[0].id))
        if len(newest) > COMMENTS_PAGE
        else None
    )
    return CommentPage(_comment_dicts(session, viewer, shown), earlier)


def add_comment(
    session: Session, actor: User, idea_id: int, body: str, mentor_note: bool = False
) -> dict:
    idea = _get_idea(session, idea_id, with_tags=False)
    policy.require(actor, "comment.create", idea)
    check_open_for_changes(idea)
    if mentor_note:
        policy.require(actor, "comment.mentor_note", idea)
    if shows_nothing(body):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"body": N_("This must not be empty.")},
        )
    comment = Comment(
        idea_id=idea.id,
        author_id=actor.id,
        body=body,
        is_mentor_note=mentor_note,
        created_at=clock.now(),
        author=actor,
    )
    session.add(comment)
    session.flush()
    pictures = None
    if images.attach(session, actor, body, comment_id=comment.id, new=True):
        pictures = images.images_of_comments(session, [comment.id]).get(comment.id)
    data = comment_dict(comment, None, pictures)
    events.record(session, "comment.created", actor, {"comment": data})
    session.commit()
    return data
