"""Prompts and idea challenges: the facilitator's open questions and time-boxed contests.

A prompt is an open question that collects ideas for as long as it stands. A challenge is
a prompt with a time box: it collects ideas until `submissions_close_at`, takes votes until
`voting_close_at`, then closes and shows its results. The phase is always computed from the
clock; `prompts.phase` only records what has been announced (see board/scheduler.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board import clock, events, policy
from board.errors import Conflict, FieldMessage, Invalid, NotFound
from board.i18n import N_
from board.limits import MAX_ID
from board.person_json import person_dict
from models import Idea, Prompt, User, Vote

KINDS = ("prompt", "challenge")
MAX_VOTES_PER_PERSON = 50
# A challenge longer than this is almost certainly a typo in the year.
MAX_CHALLENGE_LENGTH = timedelta(days=366)


def phase_of(prompt: Prompt, now: datetime | None = None) -> str:
    """The phase the clock says a prompt is in (the stored phase may lag until announced)."""
    now = now or clock.now()
    if prompt.submissions_close_at is not None and now < prompt.submissions_close_at:
        return "collecting"
    if prompt.submissions_close_at is None and prompt.voting_close_at is None:
        return "collecting"
    if prompt.voting_close_at is not None and now < prompt.voting_close_at:
        return "voting"
    if prompt.voting_close_at is None:
        return "voting"
    return "closed"


def tallies_hidden(prompt: Prompt | None, now: datetime | None = None) -> bool:
    return (
        prompt is not None
        and prompt.kind == "challenge"
        and prompt.hide_tallies
        and phase_of(prompt, now) != "closed"
    )


def prompt_dict(prompt: Prompt, now: datetime | None = None) -> dict:
    return {
        "id": prompt.id,
        "kind": prompt.kind,
        "title": prompt.title,
        "body": prompt.body,
        "phase": phase_of(prompt, now),
        "submissions_close_at": clock.iso(prompt.submissions_close_at),
        "voting_close_at": clock.iso(prompt.voting_close_at),
        "hide_tallies": prompt.hide_tallies,
        "votes_per_person": prompt.votes_per_person,
        "created_at": clock.iso(prompt.created_at),
        "author": person_dict(prompt.author, "name"),
    }


def get_prompt_for_idea(session: Session, prompt_id: int | None) -> Prompt | None:
    """The prompt an idea is posted under; a missing one is bad input."""
    if prompt_id is None:
        return None
    prompt = session.get(Prompt, prompt_id) if 0 < prompt_id <= MAX_ID else None
    if prompt is None:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"prompt_id": "No such prompt."},
        )
    return prompt


def list_prompts(session: Session, viewer) -> list[dict]:
    """All prompts and challenges, newest first (everyone logged in may read them)."""
    return list_prompts_counted(session, viewer)[0]


def list_prompts_counted(session: Session, viewer) -> tuple[list[dict], dict[int, int]]:
    """`list_prompts`, and prompt id → how many ideas answer it (withdrawn ones not, as no
    list shows them) as stored with each prompt (IDEA_COUNT_* below), from the same rows."""
    policy.require(viewer, "board.read")
    rows = list(
        session.scalars(select(Prompt).order_by(Prompt.created_at.desc(), Prompt.id.desc()))
    )
    return [prompt_dict(p) for p in rows], {p.id: p.idea_count for p in rows}


# prompts.idea_count, kept by the database in the statement that writes an idea, whoever
# writes it (a post, a withdrawal, a correction, the CLI, plain SQL): a page that counted
# each prompt's ideas read every idea a prompt ever had, on every request. Used by
# migration 0033_prompt_idea_count.
_IDEA_COUNT_ADD = "UPDATE prompts SET idea_count = idea_count + 1 WHERE id = new.prompt_id"
_IDEA_COUNT_TAKE = "UPDATE prompts SET idea_count = idea_count - 1 WHERE id = old.prompt_id"
_IDEA_COUNTED_NEW = "new.prompt_id IS NOT NULL AND new.withdrawn_at IS NULL"
_IDEA_COUNTED_OLD = "old.prompt_id IS NOT NULL AND old.withdrawn_at IS NULL"
# an update that moves an idea to another prompt, withdraws it or takes it back
_IDEA_COUNT_MOVED = (
    "old.prompt_id IS DISTINCT FROM new.prompt_id"
    " OR (old.withdrawn_at IS NULL) <> (new.withdrawn_at IS NULL)"
)
IDEA_COUNT_SQLITE_CREATE = [
    f"CREATE TRIGGER ideas_prompt_count_insert AFTER INSERT ON ideas WHEN {_IDEA_COUNTED_NEW}"
    f" BEGIN {_IDEA_COUNT_ADD}; END",
    f"CREATE TRIGGER ideas_prompt_count_delete AFTER DELETE ON ideas WHEN {_IDEA_COUNTED_OLD}"
    f" BEGIN {_IDEA_COUNT_TAKE}; END",
    "CREATE TRIGGER ideas_prompt_count_update AFTER UPDATE OF prompt_id, withdrawn_at ON ideas"
    f" WHEN {_IDEA_COUNT_MOVED.replace('IS DISTINCT FROM', 'IS NOT')}"
    f" BEGIN {_IDEA_COUNT_TAKE} AND old.withdrawn_at IS NULL;"
    f" {_IDEA_COUNT_ADD} AND new.withdrawn_at IS NULL; END",
]
IDEA_COUNT_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ideas_prompt_count_insert",
    "DROP TRIGGER IF EXISTS ideas_prompt_count_delete",
    "DROP TRIGGER IF EXISTS ideas_prompt_count_update",
]
IDEA_COUNT_POSTGRES_CREATE = [
    "CREATE FUNCTION prompts_idea_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" IF TG_OP <> 'INSERT' AND {_IDEA_COUNTED_OLD} THEN {_IDEA_COUNT_TAKE}; END IF;"
    f" IF TG_OP <> 'DELETE' AND {_IDEA_COUNTED_NEW} THEN {_IDEA_COUNT_ADD}; END IF;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER ideas_prompt_count_insert AFTER INSERT ON ideas FOR EACH ROW"
    f" WHEN ({_IDEA_COUNTED_NEW}) EXECUTE FUNCTION prompts_idea_count()",
    "CREATE TRIGGER ideas_prompt_count_delete AFTER DELETE ON ideas FOR EACH ROW"
    f" WHEN ({_IDEA_COUNTED_OLD}) EXECUTE FUNCTION prompts_idea_count()",
    "CREATE TRIGGER ideas_prompt_count_update AFTER UPDATE OF prompt_id, withdrawn_at ON ideas"
    f" FOR EACH ROW WHEN ({_IDEA_COUNT_MOVED}) EXECUTE FUNCTION prompts_idea_count()",
]
IDEA_COUNT_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS ideas_prompt_count_insert ON ideas",
    "DROP TRIGGER IF EXISTS ideas_prompt_count_delete ON ideas",
    "DROP TRIGGER IF EXISTS ideas_prompt_count_update ON ideas",
    "DROP FUNCTION IF EXISTS prompts_idea_count()",
]
# Every prompt's count from its ideas: the migration's first fill, and `flask recount-tallies`.
IDEA_COUNT_RECOUNT = (
    "UPDATE prompts SET idea_count = (SELECT count(*) FROM ideas"
    " WHERE ideas.prompt_id = prompts.id AND ideas.withdrawn_at IS NULL)"
)


# What the board page prints of each prompt (its strip, the idea form's choice, the
# challenges' groups, the cards' prompt names): no body, no author, no ORM object.
BOARD_FIELDS = (
    "id",
    "kind",
    "title",
    "phase",
    "submissions_close_at",
    "voting_close_at",
    "hide_tallies",
    "votes_per_person",
)
_BOARD_PROMPTS = select(
    Prompt.id,
    Prompt.kind,
    Prompt.title,
    Prompt.submissions_close_at,
    Prompt.voting_close_at,
    Prompt.hide_tallies,
    Prompt.votes_per_person,
    Prompt.idea_count,
).order_by(Prompt.created_at.desc(), Prompt.id.desc())


def board_prompts(session: Session, viewer) -> list[dict]:
    """All prompts and challenges, newest first, as `list_prompts` gives them but only
    their BOARD_FIELDS, and each one's stored `idea_count`: plain rows
    through the connection, their authors left unread."""
    policy.require(viewer, "board.read")
    now = clock.now()
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "title": row.title,
            "phase": phase_of(row, now),
            "submissions_close_at": clock.iso(row.submissions_close_at),
            "voting_close_at": clock.iso(row.voting_close_at),
            "hide_tallies": row.hide_tallies,
            "votes_per_person": row.votes_per_person,
            "idea_count": row.idea_count,
        }
        for row in session.connection().execute(_BOARD_PROMPTS)
    ]


def load_prompt(session: Session, prompt_id: int) -> Prompt:
    prompt = session.get(Prompt, prompt_id) if 0 < prompt_id <= MAX_ID else None
    if prompt is None:
        raise NotFound("No such prompt.", code="prompt_not_found")
    return prompt


def get_prompt(session: Session, viewer, prompt_id: int) -> dict:
    policy.require(viewer, "board.read")
    return prompt_dict(load_prompt(session, prompt_id))


# ---- posting -------------------------------------------------------------------------


def close_time_bounds(now: datetime | None = None) -> dict[str, tuple[datetime, datetime]]:
    """The earliest and the latest whole minute (what a form's datetime-local field sends)
    each close time of a new challenge may take now, by the rules of `_check_time_box`:
    submissions close in the future, voting after them, at most a year from now."""
    now = now or clock.now()
    first = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    last = (now + MAX_CHALLENGE_LENGTH).replace(second=0, microsecond=0)
    minute = timedelta(minutes=1)
    return {
        "submissions_close_at": (first, last - minute),
        "voting_close_at": (first + minute, last),
    }


def _check_time_box(
    kind: str,
    submissions_close_at: datetime | None,
    voting_close_at: datetime | None,
    hide_tallies: bool | None,
    votes_per_person: int | None,
    now: datetime,
) -> dict[str, str]:
    """Field problems of a prompt's time box, as {field: sentence}."""
    fields: dict[str, str] = {}
    if kind == "prompt":
        for name, value in (
            ("submissions_close_at", submissions_close_at),
            ("voting_close_at", voting_close_at),
            ("votes_per_person", votes_per_person),
        ):
            if value is not None:
                fields[name] = N_("Only a challenge has a time box and a vote budget.")
        if hide_tallies:
            fields["hide_tallies"] = N_("Only a challenge can hide its tallies.")
        return fields
    if submissions_close_at is None:
        fields["submissions_close_at"] = N_("A challenge needs the time its submissions close.")
    elif submissions_close_at <= now:
        fields["submissions_close_at"] = N_("The submissions must close in the future.")
    if voting_close_at is None:
        fields["voting_close_at"] = N_("A challenge needs the time its voting closes.")
    elif submissions_close_at is not None and voting_close_at <= submissions_close_at:
        fields["voting_close_at"] = N_("Voting must close after the submissions close.")
    elif voting_close_at - now > MAX_CHALLENGE_LENGTH:
        fields["voting_close_at"] = N_("A challenge may run for at most a year.")
    if votes_per_person is not None and not 1 <= votes_per_person <= MAX_VOTES_PER_PERSON:
        fields["votes_per_person"] = FieldMessage(
            "Between 1 and %(limit)s votes.", limit=MAX_VOTES_PER_PERSON
        )
    return fields


def create_prompt(
    session: Session,
    actor: User,
    kind: str,
    title: str,
    body: str = "",
    *,
    submissions_close_at: datetime | None = None,
    voting_close_at: datetime | None = None,
    hide_tallies: bool | None = None,
    votes_per_person: int | None = None,
) -> dict:
    """Post an open question or an idea challenge (the facilitator only)."""
    policy.require(actor, "prompt.create")
    now = clock.now()
    fields: dict[str, str] = {}
    if kind not in KINDS:
        fields["kind"] = N_("One of: prompt, challenge.")
    if not title.strip():
        fields["title"] = N_("This must not be empty.")
    if kind in KINDS:
        fields.update(
            _check_time_box(
                kind, submissions_close_at, voting_close_at, hide_tallies, votes_per_person, now
            )
        )
    if fields:
        raise Invalid("Some fields are missing or invalid.", code="invalid_fields", fields=fields)
    if hide_tallies is None:
        hide_tallies = kind == "challenge"  # against bandwagon voting, on unless switched off
    prompt = Prompt(
        kind=kind,
        title=title.strip(),
        body=body,
        author_id=actor.id,
        author=actor,
        submissions_close_at=submissions_close_at,
        voting_close_at=voting_close_at,
        hide_tallies=hide_tallies,
        votes_per_person=votes_per_person,
        created_at=now,
    )
    prompt.phase = phase_of(prompt, now)
    session.add(prompt)
    session.flush()
    data = prompt_dict(prompt, now)
    events.record(session, "prompt.created", actor, {"prompt": data})
    session.commit()
    return data


# ---- results -------------------------------------------------------------------------


def _standings(session: Session, prompt_id: int) -> list[tuple[int, int, int]]:
    """(idea_id, votes, departments supporting) for every idea of a prompt."""
    voter = select(Vote.idea_id, User.department_id).join(User, User.id == Vote.user_id)
    voter = voter.subquery()
    rows = session.execute(
        select(
            Idea.id, func.count(voter.c.idea_id), func.count(func.distinct(voter.c.department_id))
        )
        .select_from(Idea)
        .outerjoin(voter, voter.c.idea_id == Idea.id)
        .where(Idea.prompt_id == prompt_id)
        .group_by(Idea.id)
    )
    return [(row[0], row[1], row[2]) for row in rows]


def closed_standings(session: Session, prompt: Prompt) -> list[dict]:
    """The final tallies of a closed challenge, as `idea.votes_changed` data."""
    return [
        {"idea_id": idea_id, "votes": votes, "departments_supporting": departments}
        for idea_id, votes, departments in sorted(_standings(session, prompt.id))
    ]


def challenge_results(session: Session, viewer, prompt_id: int) -> dict:
    """A closed challenge's ideas ranked by votes (ties share a rank), and who took part.

    Counts only: nobody learns who voted for what.
    """
    policy.require(viewer, "board.read")
    prompt = load_prompt(session, prompt_id)
    if prompt.kind != "challenge" or phase_of(prompt) != "closed":
        raise Conflict(
            "The results appear once the challenge has closed.", code="results_not_ready"
        )
    standings = {
        idea_id: (votes, depts) for idea_id, votes, depts in _standings(session, prompt.id)
    }
    ideas = list(session.scalars(select(Idea).where(Idea.prompt_id == prompt.id)))
    ideas.sort(key=lambda i: (-standings[i.id][0], -standings[i.id][1], i.created_at, i.id))
    ranking, rank, previous = [], 0, None
    for position, idea in enumerate(ideas, start=1):
        score = standings[idea.id]
        if score != previous:
            rank, previous = position, score
        ranking.append(
            {
                "rank": rank,
                "idea_id": idea.id,
                "title": idea.title,
                "author": person_dict(idea.author, "person"),
                "votes": score[0],
                "departments_supporting": score[1],
            }
        )
    authors = {idea.author_id for idea in ideas}
    voters = set(
        session.scalars(
            select(Vote.user_id)
            .join(Idea, Idea.id == Vote.idea_id)
            .where(Idea.prompt_id == prompt.id)
        )
    )
    people = authors | voters
    departments = (
        set(session.scalars(select(User.department_id).where(User.id.in_(people))))
        if people
        else set()
    )
    return {
        "prompt": prompt_dict(prompt),
        "ranking": ranking,
        "participation": {
            "people": len(people),
            "departments": len(departments),
            "authors": len(authors),
            "voters": len(voters),
            "ideas": len(ideas),
            "votes": sum(v for v, _d in standings.values()),
        },
    }
