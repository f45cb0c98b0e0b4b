"""Where help is needed, and is the task force really flat? The facilitator's numbers.

Everything here is counted, never attributed to a vote: the report says how many votes a
person or a department gave in a week, never which idea a vote went to. Votes never feed
a person's "last active": every vote leaves a public `idea.votes_changed` with its exact
time, and a last-active time equal to it would name the idea that person voted for. So
quietness counts posts, comments and task work only, and is reported in whole days. Ideas of a running
challenge whose tallies are hidden are left out of "no vote or comment yet", since listing
them would give away that they have no votes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, lazyload

from board import clock, policy
from board.db import period_of
from board.i18n import _
from board.person_json import department_dict, person_dict
from board.prompts import tallies_hidden
from models import Comment, Department, Idea, Prompt, Publication, Task, User, Vote

# "published": posts that went live, counted for whoever recorded them (as the feed's
# summary does): the evenness figure for what actually went out.
METRICS = ("ideas", "votes", "comments", "tasks_done", "published")
TOP_SHARE = 0.10  # "the most active 10 % of people"
WEEK = timedelta(days=7)


def gini(values: list[int | float]) -> float | None:
    """The Gini coefficient: 0 when everyone gave the same, near 1 when one person gave all."""
    total = sum(values)
    if not values or total <= 0:
        return None
    ordered = sorted(values)
    n = len(ordered)
    weighted = sum(rank * value for rank, value in enumerate(ordered, start=1))
    return 2 * weighted / (n * total) - (n + 1) / n


def evenness(values: list[int | float]) -> float | None:
    """1 − Gini: 1 when everyone contributes equally, 0 when one person does everything."""
    g = gini(values)
    return None if g is None else round(1 - g, 3)


def top_share(values: list[int], fraction: float = TOP_SHARE) -> tuple[int, float | None]:
    """How many people the most active `fraction` is, and their share of the total."""
    size = max(1, math.ceil(fraction * len(values))) if values else 0
    total = sum(values)
    if total <= 0:
        return size, None
    return size, round(sum(sorted(values, reverse=True)[:size]) / total, 3)


# ---- raw activity --------------------------------------------------------------------


def _hidden_prompt_ids(session: Session, now: datetime) -> list[int]:
    """Challenges whose tallies are still hidden: their votes are not counted anywhere yet."""
    running = session.scalars(
        select(Prompt).where(Prompt.kind == "challenge", Prompt.hide_tallies.is_(True))
    )
    return [p.id for p in running if tallies_hidden(p, now)]


def _activity(
    session: Session, periods: list[tuple[datetime, datetime]], hidden: list[int]
) -> list[tuple[str, int, int, int]]:
    """(metric, person id, period index, how many) of the contributions since the first
    period's start, counted by the database per person and period; index len(periods) for
    those after the last period's end (its person takes part, in no period). `hidden`: the
    challenges whose votes are not counted yet. Fetching each contribution to count here
    read 234,000 rows at a busy board (docs/performance.md)."""
    first, last = periods[0][0], periods[-1][1]
    # The last period holds its end: what comes after starts a microsecond later.
    starts = [start for start, _end in periods] + [last + timedelta(microseconds=1)]
    votes = [Vote.created_at >= first]
    if hidden:
        votes.append(Vote.idea_id.not_in(select(Idea.id).where(Idea.prompt_id.in_(hidden))))
    sources = {
        "ideas": (Idea.author_id, Idea.created_at, [Idea.created_at >= first]),
        "votes": (Vote.user_id, Vote.created_at, votes),
        "comments": (Comment.author_id, Comment.created_at, [Comment.created_at >= first]),
        "tasks_done": (
            Task.claimed_by_id,
            Task.completed_at,
            [Task.status == "done", Task.completed_at >= first],
        ),
        "published": (
            Publication.by_id,
            Publication.published_at,
            [Publication.published_at >= first],
        ),
    }
    counted = []
    for metric, (person, moment, conditions) in sources.items():
        period = period_of(moment, starts, low=0)  # one expression, selected and grouped by
        # Grouped by period first: by person first, SQLite read the votes in the order of
        # their index on user_id, a row lookup each (twice the time of reading them all).
        query = select(person, period, func.count()).where(*conditions).group_by(period, person)
        counted += [(metric, *row) for row in session.execute(query)]
    return counted


def _last_active(session: Session) -> dict[int, datetime]:
    """When each person last posted, commented or worked on a task. Never their votes:
    see the module's docstring. For sorting and whole days only, never shown as a time.
    Each person's newest of each is the last entry of their part of an index on (person,
    time), one seek a person: grouping every idea, comment and task by person read the
    board's whole history (docs/performance.md, helpscale)."""
    sources = [
        (Idea.author_id, Idea.created_at),
        (Comment.author_id, Comment.created_at),
        (Task.created_by_id, Task.created_at),
        (Task.claimed_by_id, Task.claimed_at),
        (Task.claimed_by_id, Task.completed_at),
    ]
    latest = [
        select(func.max(when)).where(who == User.id).scalar_subquery() for who, when in sources
    ]
    last: dict[int, datetime] = {}
    for person_id, *times in session.execute(select(User.id, *latest)):
        known = [at for at in times if at is not None]
        if known:
            last[person_id] = max(known)
    return last


def _periods(now: datetime, weeks: int) -> list[tuple[datetime, datetime]]:
    """`weeks` seven-day periods ending now, oldest first."""
    return [(now - (weeks - k) * WEEK, now - (weeks - k - 1) * WEEK) for k in range(weeks)]


def _days(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(0, (now - then).days)


def _person(user: User) -> dict:
    return person_dict(user, "person")


def _nudge(viewer: User, recipient: User | None, target: dict, message: str) -> dict | None:
    """A suggested nudge, or None when it would reach nobody (yourself, an observer)."""
    if recipient is not None and (
        recipient.id == viewer.id or not policy.can(recipient, "nudge.receive")
    ):
        return None
    return {"target": target, "message": message}


# ---- where help is needed ------------------------------------------------------------


def _stale_claims(session: Session, viewer: User, now: datetime, cutoff: datetime) -> list[dict]:
    rows = session.scalars(
        select(Task)
        .where(Task.status == "claimed", Task.updated_at <= cutoff)
        .order_by(Task.claimed_at, Task.id)
    )
    result = []
    for task in rows:
        holder = task.claimed_by
        message = _(
            'Hi %(name)s, how is "%(task)s" going? If something is in the way, just say '
            "so. And if there is no time for it right now, releasing it is fine too: "
            "someone else can pick it up.",
            name=holder.display_name,
            task=task.title,
        )
        result.append(
            {
                "task": {"id": task.id, "title": task.title},
                "holder": _person(holder),
                "claimed_at": clock.iso(task.claimed_at),
                "idle_days": _days(now, task.updated_at),
                "nudge": _nudge(viewer, holder, {"task_id": task.id}, message),
            }
        )
    return result


def _waiting_tasks(session: Session, viewer: User, now: datetime, cutoff: datetime) -> list[dict]:
    # The nudge goes to the department of the idea's author (of the task's creator for a
    # task of its own), read with the tasks: not each idea looked up on its own.
    author = aliased(User)
    rows = session.execute(
        select(Task, author.department_id)
        .outerjoin(Idea, Idea.id == Task.idea_id)
        .outerjoin(author, author.id == Idea.author_id)
        .where(Task.status == "open", Task.updated_at <= cutoff)
        .order_by(Task.updated_at, Task.id)
    )
    result = []
    for task, idea_department_id in rows:
        department_id = idea_department_id if task.idea_id else task.created_by.department_id
        waited = _days(now, task.updated_at)
        message = _(
            '"%(task)s" has been waiting for someone to pick it up for %(days)s days. '
            "Could it be something for you? Claim it on the board if you like.",
            task=task.title,
            days=waited,
        )
        result.append(
            {
                "task": {"id": task.id, "title": task.title},
                "created_by": _person(task.created_by),
                "waiting_days": waited,
                "nudge": {"target": {"department_id": department_id}, "message": message},
            }
        )
    return result


def _quiet_ideas(
    session: Session, viewer: User, now: datetime, cutoff: datetime, hidden: list[int]
) -> list[dict]:
    """Ideas nobody took up, but those of a challenge whose tallies are `hidden`. Read
    from the ideas whose stored tally says no vote (`vote_count`, recounted by every vote
    and unvote; ix_ideas_rank_top leads with it), the votes asked still: asking every idea
    older than the cutoff for its votes, comments and tasks read the board's history
    (docs/performance.md, helpscale)."""
    rows = session.scalars(
        select(Idea)
        .options(lazyload(Idea.tag_rows))  # not shown here
        .where(
            Idea.vote_count == 0,
            Idea.created_at <= cutoff,
            ~exists().where(Vote.idea_id == Idea.id),
            ~exists().where(Comment.idea_id == Idea.id),
            ~exists().where(Task.idea_id == Idea.id),
        )
        .order_by(Idea.created_at, Idea.id)
    )
    result = []
    for idea in rows:
        if idea.prompt_id in hidden:
            continue
        message = _(
            'Your idea "%(idea)s" has not had votes or comments yet. Want to add a detail '
            "or a picture, or show it to a colleague to get it going?",
            idea=idea.title,
        )
        result.append(
            {
                "idea": {"id": idea.id, "title": idea.title},
                "author": _person(idea.author),
                "age_days": _days(now, idea.created_at),
                "nudge": _nudge(viewer, idea.author, {"to_user_id": idea.author.id}, message),
            }
        )
    return result


def _quiet_people(
    viewer: User, people: list[User], last: dict[int, datetime], now: datetime, cutoff: datetime
) -> list[dict]:
    quiet = [
        p for p in people if p.id != viewer.id and (last.get(p.id) is None or last[p.id] < cutoff)
    ]
    quiet.sort(key=lambda p: (last.get(p.id) is not None, last.get(p.id) or now, p.id))
    result = []
    for person in quiet:
        seen = last.get(person.id)
        if seen is None:
            message = _(
                "Hi %(name)s, welcome to the task-force board! Have a look at the current "
                "ideas: a vote or a comment is a great first step.",
                name=person.display_name,
            )
        else:
            message = _(
                "Hi %(name)s, we have not seen you on the board for a while. No pressure, "
                "but a few fresh ideas could use your view. Drop by when you have a "
                "minute!",
                name=person.display_name,
            )
        result.append(
            {
                "person": _person(person),
                "quiet_days": _days(now, seen),
                "joined": clock.iso(person.created_at),
                "nudge": _nudge(viewer, person, {"to_user_id": person.id}, message),
            }
        )
    return result


def _quiet_departments(
    viewer: User, people: list[User], last: dict[int, datetime], cutoff: datetime, now: datetime
) -> list[dict]:
    by_department: dict[int, list[User]] = defaultdict(list)
    for person in people:
        if person.id != viewer.id:  # a department nudge never reaches its sender
            by_department[person.department_id].append(person)
    result = []
    for members in by_department.values():
        seen = [last[p.id] for p in members if p.id in last]
        latest = max(seen) if seen else None
        if latest is not None and latest >= cutoff:
            continue
        department = members[0].department
        message = _(
            "Hello %(department)s, it has been quiet from your side lately. What is on "
            "your mind? Even a quick vote or comment helps the task force.",
            department=department.name,
        )
        result.append(
            {
                "department": department_dict(department),
                "people": len(members),
                "quiet_days": _days(now, latest),
                "nudge": {"target": {"department_id": department.id}, "message": message},
            }
        )
    # Never active first, then the longest quiet.
    result.sort(key=lambda row: (row["quiet_days"] is not None, -(row["quiet_days"] or 0)))
    return result


# ---- participation and flatness ------------------------------------------------------


def _participation(
    dated, periods, people_by_id: dict[int, User], departments: list[Department]
) -> list[dict]:
    counts: dict[int, list[Counter]] = {d.id: [Counter() for _p in periods] for d in departments}
    department_of = {person_id: p.department_id for person_id, p in people_by_id.items()}
    for metric, person_id, index, count in dated:
        weeks = counts.get(department_of.get(person_id))  # only the departments shown
        if weeks is not None:
            weeks[index][metric] += count
    return [
        {
            "department": department_dict(d),
            "weeks": [{m: c[m] for m in METRICS} for c in counts[d.id]],
        }
        for d in departments
    ]


def _flatness(dated, periods, population: list[User]) -> dict:
    ids = [p.id for p in population]
    department_of = {p.id: p.department for p in population}
    per_metric: dict[str, Counter] = {m: Counter() for m in METRICS}
    per_period: list[Counter] = [Counter() for _p in periods]
    for metric, person_id, index, count in dated:
        if person_id not in department_of:
            continue
        per_metric[metric][person_id] += count
        per_period[index][person_id] += count
    metrics = {}
    for metric, counter in per_metric.items():
        values = [counter[i] for i in ids]
        size, share = top_share(values)
        by_department: Counter = Counter()
        for person_id, n in counter.items():
            by_department[department_of[person_id].id] += n
        total = sum(values)
        top_department = None
        if total:
            dept_id, n = max(by_department.items(), key=lambda item: (item[1], -item[0]))
            name = next(d.name for d in department_of.values() if d.id == dept_id)
            top_department = {"id": dept_id, "name": name, "share": round(n / total, 3)}
        metrics[metric] = {
            "total": total,
            "top_people": size,
            "top_people_share": share,
            "top_department": top_department,
            "contributors": sum(1 for v in values if v),
        }
    trend = [
        {
            "start": clock.iso(start),
            "end": clock.iso(end),
            "evenness": evenness([c[i] for i in ids]),
        }
        for (start, end), c in zip(periods, per_period, strict=True)
    ]
    known = [p["evenness"] for p in trend if p["evenness"] is not None]
    overall = Counter()
    for counter in per_period:
        overall.update(counter)
    return {
        "people": len(ids),
        "metrics": metrics,
        "evenness": evenness([overall[i] for i in ids]),
        "trend": trend,
        "trend_change": round(known[-1] - known[0], 3) if len(known) >= 2 else None,
    }


def help_report(
    session: Session, viewer: User, days: int, weeks: int = 6, now: datetime | None = None
) -> dict:
    """Everything the facilitator's help page shows, as JSON-ready data."""
    policy.require(viewer, "help.view")
    now = now or clock.now()
    cutoff = now - timedelta(days=days)
    periods = _periods(now, weeks)
    everyone = list(session.scalars(select(User).order_by(User.display_name, User.id)))
    people = [p for p in everyone if policy.can(p, "nudge.receive")]
    people_by_id = {p.id: p for p in everyone if p.role != policy.OBSERVER}
    hidden = _hidden_prompt_ids(session, now)
    activity = _activity(session, periods, hidden)
    contributors = {person_id for _m, person_id, _index, _count in activity}
    dated = [row for row in activity if row[2] < len(periods)]
    population = [p for p in people_by_id.values() if p.active or p.id in contributors]
    departments = sorted(
        {p.department.id: p.department for p in population}.values(), key=lambda d: d.name
    )
    last = _last_active(session)
    return {
        "days": days,
        "weeks": weeks,
        "generated_at": clock.iso(now),
        "stale_claims": _stale_claims(session, viewer, now, cutoff),
        "waiting_tasks": _waiting_tasks(session, viewer, now, cutoff),
        "quiet_ideas": _quiet_ideas(session, viewer, now, cutoff, hidden),
        "quiet_people": _quiet_people(viewer, people, last, now, cutoff),
        "quiet_departments": _quiet_departments(viewer, people, last, cutoff, now),
        "participation": {
            "periods": [{"start": clock.iso(s), "end": clock.iso(e)} for s, e in periods],
            "departments": _participation(dated, periods, people_by_id, departments),
        },
        "flatness": _flatness(dated, periods, population),
    }
