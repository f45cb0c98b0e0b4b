"""Ideas, votes and comments: the services (check → do → record event) and their serializers."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from board import clock, events, policy
from board.errors import Conflict, FieldMessage, Invalid, NotFound
from board.i18n import N_
from board.limits import MAX_ID
from board.prompts import get_prompt_for_idea, phase_of, tallies_hidden
from board.text import render_markdown
from models import Comment, Idea, IdeaTag, Prompt, Task, User, Vote

SORTS = ("top", "new", "hot")
MAX_TAGS = 10
_TAG = re.compile(r"^[\w][\w\- ]{0,39}$")
HOT_RECENT = timedelta(days=7)


def author_dict(user: User) -> dict:
    return {
        "id": user.id,
        "display_name": user.display_name,
        "department": {"id": user.department.id, "name": user.department.name},
    }


def normalize_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in tags:
        tag = raw.strip().lstrip("#").strip().lower()
        if not _TAG.match(tag):
            raise Invalid(
                "Some fields are missing or invalid.",
                code="invalid_fields",
                fields={"tags": N_("Tags are 1 to 40 letters, digits, spaces or dashes.")},
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


# ---- reading -------------------------------------------------------------------------


@dataclass
class IdeaStats:
    votes: int = 0
    departments: int = 0
    recent_votes: int = 0


def _stats_query(idea_filter):
    recent_since = clock.now() - HOT_RECENT
    return (
        select(
            Idea.id,
            Idea.created_at,
            Idea.prompt_id,
            func.count(Vote.id),
            func.count(func.distinct(User.department_id)),
            func.coalesce(func.sum(case((Vote.created_at >= recent_since, 1), else_=0)), 0),
        )
        .select_from(Idea)
        .outerjoin(Vote, Vote.idea_id == Idea.id)
        .outerjoin(User, User.id == Vote.user_id)
        .where(idea_filter)
        .group_by(Idea.id, Idea.created_at, Idea.prompt_id)
    )


def hot_score(stats: IdeaStats, created_at: datetime, now: datetime) -> float:
    """Support from many departments counts most, then recent votes; older ideas cool down.

    Five votes from five departments beat five votes from one department.
    """
    age_hours = max((now - created_at).total_seconds() / 3600, 0)
    weight = 4 * stats.departments + stats.votes + 2 * stats.recent_votes
    return weight / (age_hours + 2) ** 0.8


def _prompts_by_id(session: Session, prompt_ids: set[int]) -> dict[int, Prompt]:
    if not prompt_ids:
        return {}
    return {p.id: p for p in session.scalars(select(Prompt).where(Prompt.id.in_(prompt_ids)))}


def _idea_status(task_statuses: list[str]) -> str:
    """open: no work started (no tasks, or none claimed yet); done: every task done;
    in_progress: anything between."""
    if not task_statuses or all(status == "open" for status in task_statuses):
        return "open"
    if all(status == "done" for status in task_statuses):
        return "done"
    return "in_progress"


def _stats_by_id(rows) -> dict[int, IdeaStats]:
    return {row[0]: IdeaStats(row[3], row[4], row[5]) for row in rows}


def serialize_ideas(
    session: Session,
    ideas: list[Idea],
    viewer: User | None,
    prompts: dict[int, Prompt] | None = None,
    stats: dict[int, IdeaStats] | None = None,
) -> list[dict]:
    """Ideas as the API shows them, in a fixed number of queries whatever their count."""
    if not ideas:
        return []
    ids = [idea.id for idea in ideas]
    if stats is None:
        stats = _stats_by_id(session.execute(_stats_query(Idea.id.in_(ids))))
    voted: set[int] = set()
    if viewer is not None:
        voted = set(
            session.scalars(
                select(Vote.idea_id).where(Vote.user_id == viewer.id, Vote.idea_id.in_(ids))
            )
        )
    statuses: dict[int, list[str]] = {}
    for idea_id, status in session.execute(
        select(Task.idea_id, Task.status).where(Task.idea_id.in_(ids))
    ):
        statuses.setdefault(idea_id, []).append(status)
    if prompts is None:
        prompts = _prompts_by_id(session, {i.prompt_id for i in ideas if i.prompt_id})
    now = clock.now()
    result = []
    for idea in ideas:
        hidden = tallies_hidden(prompts.get(idea.prompt_id), now)
        s = stats.get(idea.id, IdeaStats())
        result.append(
            {
                "id": idea.id,
                "title": idea.title,
                "body": idea.body,
                "body_html": render_markdown(idea.body),
                "tags": sorted(idea.tags),
                "author": author_dict(idea.author),
                "votes": None if hidden else s.votes,
                "voted": idea.id in voted,
                "departments_supporting": None if hidden else s.departments,
                "status": _idea_status(statuses.get(idea.id, [])),
                "prompt_id": idea.prompt_id,
                "created_at": clock.iso(idea.created_at),
                "updated_at": clock.iso(idea.updated_at),
            }
        )
    return result


def public_idea(data: dict) -> dict:
    """The idea as events carry it: without the caller-specific `voted`."""
    return {k: v for k, v in data.items() if k != "voted"}


def _get_idea(session: Session, idea_id: int) -> Idea:
    idea = session.get(Idea, idea_id) if 0 < idea_id <= MAX_ID else None
    if idea is None:
        raise NotFound("No such idea.", code="idea_not_found")
    return idea


def get_idea(session: Session, viewer: User, idea_id: int) -> dict:
    policy.require(viewer, "board.read")
    return serialize_ideas(session, [_get_idea(session, idea_id)], viewer)[0]


def list_ideas(
    session: Session,
    viewer: User,
    sort: str = "top",
    department_id: int | None = None,
    tag: str | None = None,
    q: str | None = None,
    prompt_id: int | None = None,
    limit: int = 200,
) -> list[dict]:
    policy.require(viewer, "board.read")
    conditions = []
    if department_id is not None:
        conditions.append(
            Idea.author_id.in_(select(User.id).where(User.department_id == department_id))
        )
    if tag:
        conditions.append(
            Idea.id.in_(
                select(IdeaTag.idea_id).where(IdeaTag.tag == tag.strip().lstrip("#").lower())
            )
        )
    if q:
        pattern = (
            "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        conditions.append(
            or_(Idea.title.ilike(pattern, escape="\\"), Idea.body.ilike(pattern, escape="\\"))
        )
    if prompt_id is not None:
        conditions.append(Idea.prompt_id == prompt_id)
    rows = session.execute(_stats_query(and_(true(), *conditions))).all()
    prompts = _prompts_by_id(session, {row[2] for row in rows if row[2]})
    now = clock.now()
    ranked = _rank(rows, prompts, sort, now, viewer, prompt_id)[:limit]
    ideas = {i.id: i for i in session.scalars(select(Idea).where(Idea.id.in_(ranked)))}
    return serialize_ideas(
        session, [ideas[i] for i in ranked if i in ideas], viewer, prompts, stats=_stats_by_id(rows)
    )


def _rank(
    rows, prompts: dict[int, Prompt], sort: str, now: datetime, viewer: User, prompt_id: int | None
) -> list[int]:
    """Idea ids in display order. Hidden tallies never leak through the order."""
    focus = prompts.get(prompt_id) if prompt_id is not None else None
    if tallies_hidden(focus, now):
        # Against bandwagon voting: a per-person random order while the tallies are hidden.
        ids = sorted(row[0] for row in rows)
        random.Random(f"{viewer.id}:{prompt_id}").shuffle(ids)
        return ids

    def key(row):
        idea_id, created_at, row_prompt_id, votes, departments, recent = row
        if tallies_hidden(prompts.get(row_prompt_id), now):
            votes = departments = recent = 0
        if sort == "new":
            return (created_at, idea_id)
        if sort == "hot":
            return (hot_score(IdeaStats(votes, departments, recent), created_at, now), idea_id)
        return (votes, departments, created_at, idea_id)

    return [row[0] for row in sorted(rows, key=key, reverse=True)]


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
    data = serialize_ideas(session, [idea], actor)[0]
    events.record(session, "idea.created", actor, {"idea": public_idea(data)})
    session.commit()
    return data


def update_idea(session: Session, actor: User, idea_id: int, changes: dict) -> dict:
    """The author changes any of title, body and tags; everything is checked before anything
    changes."""
    idea = _get_idea(session, idea_id)
    policy.require(actor, "idea.edit", idea)
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


def _vote_answer(session: Session, idea: Idea, prompt: Prompt | None, voted: bool) -> dict:
    stats = session.execute(_stats_query(Idea.id == idea.id)).one()
    hidden = tallies_hidden(prompt)
    return {
        "idea_id": idea.id,
        "votes": None if hidden else stats[3],
        "voted": voted,
        "departments_supporting": None if hidden else stats[4],
    }


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


def _lock_tally(session: Session, idea: Idea) -> None:
    """Serialise the votes on one idea so that each answer and `idea.votes_changed` carries
    the count as of its own commit, in seq order.

    SQLite's BEGIN IMMEDIATE already serialises writers. PostgreSQL takes the idea's row
    lock FOR NO KEY UPDATE, which does not block inserts that merely reference the idea.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Idea.id).where(Idea.id == idea.id).with_for_update(key_share=True))


def vote(session: Session, actor: User, idea_id: int) -> dict:
    """Give the caller's one vote; idempotent, and the database refuses a second row."""
    idea = _get_idea(session, idea_id)
    policy.require(actor, "idea.vote", idea)
    _lock_tally(session, idea)
    prompt = session.get(Prompt, idea.prompt_id) if idea.prompt_id else None
    _check_voting_open(prompt)
    budgeted = prompt is not None and prompt.kind == "challenge" and prompt.votes_per_person
    for _attempt in range(8):
        if (
            session.scalar(select(Vote.id).where(Vote.idea_id == idea.id, Vote.user_id == actor.id))
            is not None
        ):
            return _vote_answer(session, idea, prompt, voted=True)
        slot = _free_slot(session, prompt, actor) if budgeted else None
        try:
            with session.begin_nested():
                session.add(
                    Vote(
                        idea_id=idea.id,
                        user_id=actor.id,
                        slot=slot,
                        prompt_id=prompt.id if budgeted else None,
                        created_at=clock.now(),
                    )
                )
        except IntegrityError:
            continue  # a concurrent vote won this row or slot: look again
        answer = _vote_answer(session, idea, prompt, voted=True)
        _record_votes_changed(session, answer, prompt)
        session.commit()
        return answer
    raise Conflict("Too many votes at once; please try again.", code="vote_conflict")


def unvote(session: Session, actor: User, idea_id: int) -> dict:
    idea = _get_idea(session, idea_id)
    policy.require(actor, "idea.vote", idea)
    _lock_tally(session, idea)
    prompt = session.get(Prompt, idea.prompt_id) if idea.prompt_id else None
    _check_voting_open(prompt)
    removed = session.execute(
        delete(Vote).where(Vote.idea_id == idea.id, Vote.user_id == actor.id)
    ).rowcount
    answer = _vote_answer(session, idea, prompt, voted=False)
    if removed:
        _record_votes_changed(session, answer, prompt)
    session.commit()
    return answer


# ---- comments ------------------------------------------------------------------------


def comment_counts(session: Session, viewer: User, idea_ids: list[int]) -> dict[int, int]:
    """Idea id → number of comments, for the given ideas (cards show the count)."""
    policy.require(viewer, "board.read")
    if not idea_ids:
        return {}
    rows = session.execute(
        select(Comment.idea_id, func.count(Comment.id))
        .where(Comment.idea_id.in_(idea_ids))
        .group_by(Comment.idea_id)
    )
    return dict(rows.all())


def idea_titles(session: Session, viewer: User, idea_ids: set[int]) -> dict[int, str]:
    """Idea id → title, for tasks that name the idea they carry out."""
    policy.require(viewer, "board.read")
    if not idea_ids:
        return {}
    return dict(session.execute(select(Idea.id, Idea.title).where(Idea.id.in_(idea_ids))).all())


def tags_in_use(session: Session, viewer: User) -> list[str]:
    """Every tag some idea carries, A to Z (the board's tag filter)."""
    policy.require(viewer, "board.read")
    return list(session.scalars(select(IdeaTag.tag).distinct().order_by(IdeaTag.tag)))


def comment_dict(comment: Comment) -> dict:
    return {
        "id": comment.id,
        "idea_id": comment.idea_id,
        "body": comment.body,
        "body_html": render_markdown(comment.body),
        "author": author_dict(comment.author),
        "is_mentor_note": comment.is_mentor_note,
        "created_at": clock.iso(comment.created_at),
    }


def list_comments(session: Session, viewer: User, idea_id: int) -> list[dict]:
    policy.require(viewer, "board.read")
    _get_idea(session, idea_id)
    comments = session.scalars(
        select(Comment).where(Comment.idea_id == idea_id).order_by(Comment.created_at, Comment.id)
    )
    return [comment_dict(c) for c in comments]


def add_comment(
    session: Session, actor: User, idea_id: int, body: str, mentor_note: bool = False
) -> dict:
    idea = _get_idea(session, idea_id)
    policy.require(actor, "comment.create", idea)
    if mentor_note:
        policy.require(actor, "comment.mentor_note", idea)
    if not body.strip():
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
    data = comment_dict(comment)
    events.record(session, "comment.created", actor, {"comment": data})
    session.commit()
    return data
