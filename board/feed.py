"""The activity feed: the event log's public history told as plain sentences.

Everyone logged in reads the same feed (members, the facilitator and the observers):
only public events, never a nudge, never a voter. Vote changes appear as anonymous
tallies, one sentence per idea and day ("The idea … now has 7 votes from 4 departments").
The same items feed the page, its live updates, the CSV export and the Atom feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape
from sqlalchemy import String, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from board import clock, policy
from board.db import period_of
from board.errors import FieldMessage, Invalid
from board.i18n import N_, catalog_for, gettext, lazy_pgettext
from board.inputs import whole_number
from board.moderation import REASON_LABELS
from board.person_json import shown_name
from board.privacy import current_mask
from board.private_urls import PrivateUrl
from board.tasks import channel_label
from models import Department, Event, Idea, Prompt, Task, User

# Kinds of activity a reader can filter by, and the event types each one shows.
# nudge.sent is in none of them: nudges are private and never reach any feed.
KINDS: dict[str, tuple[str, ...]] = {
    "ideas": (
        "idea.created",
        "idea.updated",
        "idea.published",
        "idea.withdrawn",
        "idea.hidden",
        "idea.unhidden",
    ),
    "votes": ("idea.votes_changed",),
    "comments": (
        "comment.created",
        "comment.updated",
        "comment.deleted",
        "comment.hidden",
        "comment.unhidden",
    ),
    "tasks": (
        "task.created",
        "task.claimed",
        "task.released",
        "task.completed",
        "task.updated",
        "task.reopened",
    ),
    "challenges": ("prompt.created", "prompt.phase_changed"),
}
KIND_OF = {type_: kind for kind, types in KINDS.items() for type_ in types}
FEED_TYPES = tuple(KIND_OF)
PERIODS = ("7", "30", "90", "all")
DEFAULT_PERIOD = "30"
PAGE_SIZE = 200
MAX_CHART_WEEKS = 52


# ---- filters -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedFilter:
    """What the reader asked for: one department, some kinds, a period (or from–to dates)."""

    department_id: int | None = None
    kinds: tuple[str, ...] = ()  # empty: every kind
    period: str = DEFAULT_PERIOD  # "7", "30", "90", "all" or "custom"
    date_from: date | None = None
    date_to: date | None = None

    @property
    def types(self) -> tuple[str, ...]:
        kinds = self.kinds or tuple(KINDS)
        return tuple(t for kind in kinds for t in KINDS[kind])

    def window(
        self, tz: ZoneInfo, now: datetime | None = None
    ) -> tuple[datetime | None, datetime | None]:
        """The period as UTC bounds [since, until); None where it is open."""
        now = now or clock.now()
        if self.period == "custom":
            since = _local_midnight(self.date_from, tz) if self.date_from else None
            until = _local_midnight(self.date_to + timedelta(days=1), tz) if self.date_to else None
            return since, until
        if self.period == "all":
            return None, None
        today = now.astimezone(tz).date()
        return _local_midnight(today - timedelta(days=int(self.period) - 1), tz), None

    def query_args(self) -> list[tuple[str, str]]:
        """The filter as query parameters, for links (CSV, Atom, paging)."""
        args: list[tuple[str, str]] = []
        if self.department_id is not None:
            args.append(("department", str(self.department_id)))
        args.extend(("kind", kind) for kind in self.kinds)
        if self.period == "custom":
            if self.date_from:
                args.append(("from", self.date_from.isoformat()))
            if self.date_to:
                args.append(("to", self.date_to.isoformat()))
        elif self.period != DEFAULT_PERIOD:
            args.append(("period", self.period))
        return args


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _bad_parameter(name: str, problem: str) -> Invalid:
    return Invalid(
        "A query parameter is invalid.", code="invalid_parameter", fields={name: problem}
    )


# The days a period may name: one before or after them reads the same feed (nothing
# happened on the board then), and days at the calendar's edge (years 1 and 9999) would
# put the period's bounds past the last date Python has.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)


# What a `from` or `to` the feed cannot read as a day is told (the page words it its own way).
NOT_A_DAY = N_("Expected a date like 2026-05-01.")


def _parse_date(args: Mapping, name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise _bad_parameter(name, NOT_A_DAY) from None
    return min(max(day, EARLIEST_DAY), LATEST_DAY)


def filter_from_args(session: Session, args) -> FeedFilter:
    """Read a FeedFilter from query parameters (a MultiDict); raises Invalid on bad input.

    department=ID, kind=ideas&kind=tasks (repeatable), period=7|30|90|all, from=, to=.
    """
    flt, problems = read_filter(session, args)
    if problems:
        raise Invalid("A query parameter is invalid.", code="invalid_parameter", fields=problems)
    return flt


def read_filter(session: Session, args) -> tuple[FeedFilter, dict[str, str]]:
    """The filter the parameters ask for, each one that is bad left at its default, and
    what is wrong with those (by parameter): the page applies the good ones and says beside
    each field what is wrong, so that the form and the items below it agree."""
    problems: dict[str, str] = {}

    def read(name: str, parse, default):
        try:
            return parse()
        except Invalid as problem:
            problems.update(problem.fields or {name: problem.message})
            return default

    department_id = read("department", lambda: _department_arg(session, args), None)
    kinds = read("kind", lambda: _kinds_arg(args), ())
    period, date_from, date_to = read(
        "period", lambda: _period_args(args), (DEFAULT_PERIOD, None, None)
    )
    return FeedFilter(department_id, kinds, period, date_from, date_to), problems


def _department_arg(session: Session, args) -> int | None:
    raw_department = (args.get("department") or "").strip()
    if not raw_department:
        return None
    department_id = whole_number(raw_department, 9)
    if department_id is None:
        raise _bad_parameter("department", N_("Expected a whole number."))
    if session.get(Department, department_id) is None:
        raise _bad_parameter("department", N_("That department does not exist."))
    return department_id


def _kinds_arg(args) -> tuple[str, ...]:
    kinds: list[str] = []
    for raw in args.getlist("kind"):
        for kind in raw.split(","):
            kind = kind.strip()
            if not kind:
                continue
            if kind not in KINDS:
                raise _bad_parameter(
                    "kind", FieldMessage("One of: %(choices)s.", choices=", ".join(KINDS))
                )
            if kind not in kinds:
                kinds.append(kind)
    if len(kinds) == len(KINDS):
        return ()  # every kind is the same as no kind filter
    return tuple(kind for kind in KINDS if kind in kinds)


def _period_args(args) -> tuple[str, date | None, date | None]:
    """(period, from, to): a named period wins over dates (the form always sends both);
    dates need period=custom or no period at all."""
    date_from, date_to = _parse_date(args, "from"), _parse_date(args, "to")
    period = (args.get("period") or "").strip()
    if period in PERIODS:
        return period, None, None
    if period not in ("", "custom"):
        raise _bad_parameter(
            "period", FieldMessage("One of: %(choices)s.", choices=", ".join((*PERIODS, "custom")))
        )
    if date_from or date_to:
        if date_from and date_to and date_from > date_to:
            raise _bad_parameter(
                "from",
                N_("The start date is after the end date: swap the two or choose other dates."),
            )
        return "custom", date_from, date_to
    return DEFAULT_PERIOD, None, None


# ---- sentence parts ------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str | None  # None: someone the log no longer names
    department: str | None
    handle: str | None = None  # shown only when someone else has the same name

    def text(self) -> str:
        name = self.shown_name()
        return f"{name} ({self.department})" if self.department else name

    def shown_name(self) -> str:
        name = self.name or gettext("Someone")
        return f"{name} @{self.handle}" if self.name and self.handle else name

    def html(self) -> Markup:
        name = self.shown_name()
        # <bdi>: a name written right to left never reorders the sentence around it
        if not self.department:
            return Markup("<strong><bdi>{}</bdi></strong>").format(name)
        return Markup("<strong><bdi>{}</bdi></strong> (<bdi>{}</bdi>)").format(
            name, self.department
        )


# A title quoted as the language quotes it.
_QUOTED = N_("“%(title)s”")


@dataclass(frozen=True)
class Link:
    title: str
    path: str

    def text(self, language: str, catalog=None) -> str:
        catalog = catalog or catalog_for(language)
        return catalog.ugettext(_QUOTED) % {"title": self.title}

    def html(self) -> Markup:
        return Markup('<a href="{}"><bdi>{}</bdi></a>').format(self.path, self.title)


@dataclass(frozen=True)
class Phrase:
    """A translated piece of a sentence, e.g. "7 votes from 4 departments"."""

    template: str
    params: tuple[tuple[str, int], ...] = ()

    def text(self, language: str, catalog=None) -> str:
        translated = (catalog or catalog_for(language)).ugettext(self.template)
        return translated % dict(self.params) if self.params else translated


Part = Person | Link | Phrase | str | int


@dataclass
class FeedItem:
    """One sentence of the feed, kept language-neutral until it is rendered."""

    seq: int
    type: str
    at: datetime
    actor: dict | None
    sentence: str  # the English msgid (marked with N_); translated when rendered
    parts: dict[str, Part] = field(default_factory=dict)
    collapse_key: str | None = None

    @property
    def kind(self) -> str:
        return KIND_OF[self.type]

    @property
    def badge(self) -> str:
        """The short label shown beside the sentence (a lazy string: the reader's language)."""
        if self.kind == "challenges" and "challenge" not in self.sentence:
            return BADGE_PROMPT
        return BADGE_LABELS[self.kind]

    @property
    def badge_text(self) -> str:
        return str(self.badge)

    @property
    def department(self) -> dict | None:
        if not self.actor:
            return None
        mask = current_mask()  # works-council mode: small departments pooled
        if mask is not None and self.actor.get("id") != mask.viewer_id:
            return mask.department((self.actor.get("department") or {}).get("id"))
        return self.actor["department"]

    @property
    def links(self) -> list[Link]:
        return [part for part in self.parts.values() if isinstance(part, Link)]

    @property
    def path(self) -> str | None:
        return self.links[0].path if self.links else None

    @property
    def title(self) -> str:
        """The title of what the sentence is about (first link), or ""."""
        return self.links[0].title if self.links else ""

    def text(self, language: str) -> str:
        """The sentence in `language` (a person's name as the reader's language names
        someone unnamed), its catalog looked up once per request (`catalog_for`)."""
        catalog = catalog_for(language)
        values = {}
        for name, part in self.parts.items():
            if isinstance(part, Person):
                values[name] = part.text()
            elif isinstance(part, Link | Phrase):
                values[name] = part.text(language, catalog)
            else:
                values[name] = str(part)
        return catalog.ugettext(self.sentence) % values

    def html(self, language: str) -> Markup:
        catalog = catalog_for(language)
        values = {}
        for name, part in self.parts.items():
            if isinstance(part, Person | Link):
                values[name] = part.html()
            elif isinstance(part, Phrase):
                values[name] = escape(part.text(language, catalog))
            else:
                values[name] = escape(str(part))
        # Markup % escapes every value that is not Markup already: titles stay inert.
        return escape(catalog.ugettext(self.sentence)) % values


# ---- turning envelopes into sentences ------------------------------------------------


@dataclass
class _Lookups:
    """Current titles and challenge tallies, fetched once for a batch of events."""

    idea_titles: dict[int, str]
    prompts: dict[int, Prompt]
    tallies: dict[int, tuple[int, int]]  # prompt id → (ideas, departments)

    def idea(self, idea_id: int | None, fallback: str = "") -> Link | None:
        if not isinstance(idea_id, int):
            return None
        return Link(self.idea_titles.get(idea_id, fallback) or f"#{idea_id}", f"/ideas/{idea_id}")

    def prompt(self, prompt_id: int | None, fallback: str = "") -> Link | None:
        if not isinstance(prompt_id, int):
            return None
        prompt = self.prompts.get(prompt_id)
        title = prompt.title if prompt is not None else fallback
        return Link(title or f"#{prompt_id}", f"/prompts/{prompt_id}")


def _idea_id_of(envelope: dict) -> int | None:
    data = envelope.get("data") or {}
    for key in ("idea", "comment", "task"):
        obj = data.get(key)
        if isinstance(obj, dict):
            return obj.get("id") if key == "idea" else obj.get("idea_id")
    return data.get("idea_id")


def _prompt_id_of(envelope: dict) -> int | None:
    data = envelope.get("data") or {}
    if isinstance(data.get("prompt"), dict):
        return data["prompt"].get("id")
    if isinstance(data.get("idea"), dict):
        return data["idea"].get("prompt_id")
    return data.get("prompt_id")


def _lookups(session: Session, rows: list) -> _Lookups:
    idea_ids = {i for i in (_idea_id_of(r.envelope) for r in rows) if isinstance(i, int)}
    prompt_ids = {p for p in (_prompt_id_of(r.envelope) for r in rows) if isinstance(p, int)}
    titles = {
        # A hidden idea's title may be what it was hidden for: the feed names it by number.
        idea_id: f"#{idea_id}" if hidden_at is not None else title
        for idea_id, title, hidden_at in (
            session.execute(
                select(Idea.id, Idea.title, Idea.hidden_at).where(Idea.id.in_(idea_ids))
            ).all()
            if idea_ids
            else []
        )
    }
    prompts = (
        {p.id: p for p in session.scalars(select(Prompt).where(Prompt.id.in_(prompt_ids)))}
        if prompt_ids
        else {}
    )
    tallies: dict[int, tuple[int, int]] = {}
    if prompt_ids:
        query = (
            select(
                Idea.prompt_id, func.count(Idea.id), func.count(func.distinct(User.department_id))
            )
            .join(User, User.id == Idea.author_id)
            .where(Idea.prompt_id.in_(prompt_ids))
            .group_by(Idea.prompt_id)
        )
        tallies = {pid: (ideas, depts) for pid, ideas, depts in session.execute(query)}
    return _Lookups(titles, prompts, tallies)


def person_of(actor: dict | None) -> Person:
    if not actor:
        return Person(None, None)
    mask = current_mask()  # works-council mode: an observer reads departments, not names
    if mask is not None and actor.get("id") != mask.viewer_id:
        # "someone from Marketing" opens the feed's sentence: "Someone from Marketing posted …"
        label = mask.person(actor)["display_name"]
        return Person(label[:1].upper() + label[1:], None)
    department = (actor.get("department") or {}).get("name")
    handle = actor.get("handle") if actor.get("name_shared") else None
    return Person(shown_name(actor.get("display_name")) or None, department, handle)


def _votes_phrase(votes: int, departments: int) -> Phrase:
    if votes <= 0:
        return Phrase(N_("no votes"))
    if votes == 1:
        return Phrase(N_("1 vote"))
    if departments <= 1:
        return Phrase(N_("%(votes)s votes from 1 department"), (("votes", votes),))
    return Phrase(
        N_("%(votes)s votes from %(departments)s departments"),
        (("votes", votes), ("departments", departments)),
    )


def _ideas_phrase(ideas: int, departments: int) -> Phrase:
    if ideas <= 0:
        return Phrase(N_("no ideas"))
    if ideas == 1:
        return Phrase(N_("1 idea"))
    if departments <= 1:
        return Phrase(N_("%(ideas)s ideas from 1 department"), (("ideas", ideas),))
    return Phrase(
        N_("%(ideas)s ideas from %(departments)s departments"),
        (("ideas", ideas), ("departments", departments)),
    )


def _sentence(row: Event, look: _Lookups) -> tuple[str, dict[str, Part]] | None:
    """The English template and its parts for one envelope; None to leave it out."""
    env, type_ = row.envelope, row.type
    data = env.get("data") or {}
    actor = {"actor": person_of(env.get("actor"))}
    if type_ == "idea.published":
        idea = data.get("idea") or {}
        latest = (idea.get("publications") or [{}])[-1]
        return (
            N_("%(actor)s reports that the idea %(idea)s went live on %(channel)s."),
            {
                **actor,
                "idea": look.idea(idea.get("id"), idea.get("title", "")),
                "channel": _channel_name(latest.get("channel")),
            },
        )
    if type_ in ("idea.created", "idea.updated"):
        idea = data.get("idea") or {}
        link = look.idea(idea.get("id"), idea.get("title", ""))
        if type_ == "idea.updated":
            return N_("%(actor)s edited the idea %(idea)s."), {**actor, "idea": link}
        if idea.get("prompt_id"):
            return (
                N_("%(actor)s posted the idea %(idea)s for %(prompt)s."),
                {**actor, "idea": link, "prompt": look.prompt(idea["prompt_id"])},
            )
        return N_("%(actor)s posted the idea %(idea)s."), {**actor, "idea": link}
    if type_ == "idea.votes_changed":
        if data.get("votes") is None:
            return None  # a hidden challenge tally: never shown before the challenge closes
        return (
            N_("The idea %(idea)s now has %(tally)s."),
            {
                "idea": look.idea(data.get("idea_id")),
                "tally": _votes_phrase(data["votes"], data.get("departments_supporting") or 0),
            },
        )
    if type_ in _MODERATION:
        return _moderation_sentence(type_, data, actor, look)
    if type_ in ("comment.updated", "comment.deleted"):
        comment = data.get("comment") or {}
        template = (
            N_("%(actor)s edited a comment on the idea %(idea)s.")
            if type_ == "comment.updated"
            else N_("%(actor)s deleted their comment on the idea %(idea)s.")
        )
        return template, {**actor, "idea": look.idea(comment.get("idea_id"))}
    if type_ == "idea.withdrawn":
        idea = data.get("idea") or {}
        return (
            N_("%(actor)s withdrew the idea %(idea)s."),
            {**actor, "idea": look.idea(idea.get("id"), idea.get("title", ""))},
        )
    if type_ == "comment.created":
        comment = data.get("comment") or {}
        template = (
            N_("%(actor)s left a mentor note on the idea %(idea)s.")
            if comment.get("is_mentor_note")
            else N_("%(actor)s commented on the idea %(idea)s.")
        )
        return template, {**actor, "idea": look.idea(comment.get("idea_id"))}
    if type_.startswith("task."):
        task = data.get("task") or {}
        if not isinstance(task.get("id"), int):
            return None
        link = Link(task.get("title") or f"#{task.get('id')}", f"/tasks/{task.get('id')}")
        if type_ == "task.updated":
            if data.get("reason"):
                return None  # a kept claim or a lease warning: nothing the readers need
            return N_("%(actor)s updated the plan of the task %(task)s."), {**actor, "task": link}
        if type_ == "task.released" and data.get("reason") == "lease_expired":
            return N_("The task %(task)s is open again: its claim lease ran out."), {"task": link}
        if type_ == "task.released" and data.get("reason") == "member_left":
            return (
                N_("The task %(task)s is open again: the person who held it left the board."),
                {"task": link},
            )
        if type_ == "task.created" and task.get("idea_id"):
            return (
                N_("%(actor)s created the task %(task)s for the idea %(idea)s."),
                {**actor, "task": link, "idea": look.idea(task["idea_id"])},
            )
        return {
            "task.created": N_("%(actor)s created the task %(task)s."),
            "task.claimed": N_("%(actor)s took on the task %(task)s."),
            "task.released": N_("%(actor)s gave back the task %(task)s."),
            "task.completed": N_("%(actor)s completed the task %(task)s."),
            "task.reopened": N_("%(actor)s reopened the task %(task)s."),
        }[type_], {**actor, "task": link}
    if type_.startswith("prompt."):
        return _prompt_sentence(type_, data, actor, look)
    return None


_MODERATION = ("idea.hidden", "idea.unhidden", "comment.hidden", "comment.unhidden")


def _moderation_sentence(type_: str, data: dict, actor: dict, look: _Lookups):
    """Hiding is always told with its reason: the facilitator's words, or what the flags
    from several departments said (their senders stay unnamed)."""
    kind = type_.split(".")[0]
    item = data.get(kind) or {}
    link = look.idea(item.get("id") if kind == "idea" else item.get("idea_id"))
    if type_.endswith(".unhidden"):
        template = (
            N_("%(actor)s showed the idea %(idea)s again.")
            if kind == "idea"
            else N_("%(actor)s showed a comment on the idea %(idea)s again.")
        )
        return template, {**actor, "idea": link}
    hidden = item.get("hidden") or {}
    if hidden.get("by") == "flags":
        reason = Phrase(REASON_LABELS.get(hidden.get("reason"), REASON_LABELS["other"]))
        template = (
            N_(
                "The idea %(idea)s was hidden after flags from %(departments)s departments: %(reason)s."
            )
            if kind == "idea"
            else N_(
                "A comment on the idea %(idea)s was hidden after flags from %(departments)s "
                "departments: %(reason)s."
            )
        )
        return template, {"idea": link, "reason": reason, "departments": data.get("departments", 3)}
    template = (
        N_("The idea %(idea)s was hidden by the facilitator: %(reason)s")
        if kind == "idea"
        else N_("A comment on the idea %(idea)s was hidden by the facilitator: %(reason)s")
    )
    return template, {"idea": link, "reason": hidden.get("reason") or "?"}


def _channel_name(name: str | None) -> str:
    return channel_label(name) if name else "?"


def _prompt_sentence(type_: str, data: dict, actor: dict, look: _Lookups):
    prompt = data.get("prompt") or {}
    pid = prompt.get("id", data.get("prompt_id"))
    if pid is None:
        return None
    link = look.prompt(pid, prompt.get("title", ""))
    stored = look.prompts.get(pid)
    challenge = (prompt.get("kind") or (stored.kind if stored else "prompt")) == "challenge"
    if type_ == "prompt.created":
        if challenge:
            return N_("%(actor)s started the challenge %(prompt)s."), {**actor, "prompt": link}
        return N_("%(actor)s asked the task force: %(prompt)s"), {**actor, "prompt": link}
    phase = prompt.get("phase", data.get("phase"))
    if phase == "voting":
        return (
            N_("Voting opened on the challenge %(prompt)s.")
            if challenge
            else N_("Voting opened on the prompt %(prompt)s.")
        ), {"prompt": link}
    if phase == "closed":
        ideas, departments = look.tallies.get(pid, (0, 0))
        template = (
            N_("A challenge closed: %(prompt)s collected %(tally)s.")
            if challenge
            else N_("A prompt closed: %(prompt)s collected %(tally)s.")
        )
        return template, {"prompt": link, "tally": _ideas_phrase(ideas, departments)}
    if phase == "collecting":
        return N_("%(prompt)s is taking ideas."), {"prompt": link}
    return None


def _collapse_key(type_: str, parts: dict[str, Part], actor: dict | None, day: date) -> str | None:
    """Items with the same key show only the newest (the page's live updates honour it too)."""
    idea = parts.get("idea")
    if not isinstance(idea, Link):
        return None
    idea_id = idea.path.rsplit("/", 1)[-1]
    if type_ == "idea.votes_changed":
        return f"votes-{idea_id}-{day}"
    if type_ == "idea.updated":
        return f"edit-{idea_id}-{(actor or {}).get('id')}-{day}"
    return None


def items_from_events(session: Session, rows: list, tz: ZoneInfo) -> list[FeedItem]:
    """Sentences for public event rows, Event objects or rows of _ITEM_COLUMNS (newest
    first stays newest first).

    Vote tallies collapse to the newest one per idea and day, edits to the newest one
    per idea, person and day: a reader wants "edited", not every keystroke saved.
    """
    look = _lookups(session, rows)
    items: list[FeedItem] = []
    seen: set[str] = set()
    for row in rows:
        if row.private or row.type not in KIND_OF:
            continue  # defence in depth: the queries already leave these out
        made = _sentence(row, look)
        if made is None:
            continue
        sentence, parts = made
        if any(part is None for part in parts.values()):
            continue  # an envelope without the ids a sentence needs: nothing sensible to say
        at = row.at
        actor = row.envelope.get("actor")
        collapse = _collapse_key(row.type, parts, actor, at.astimezone(tz).date())
        if collapse is not None:
            if collapse in seen:
                continue
            seen.add(collapse)
        items.append(FeedItem(row.seq, row.type, at, actor, sentence, parts, collapse))
    return items


# ---- reading the feed ----------------------------------------------------------------


# `+type`: the same value, which SQLite may not look up in an index (its documented way to
# keep a term out of the plan).
_TYPE_UNINDEXED = UnaryExpression(Event.type, operator=operators.custom_op("+"), type_=String())


# A period as UTC bounds [since, until), None where open: FeedFilter.window, read from the
# clock once per request, so that every statement of the page and its summary ask for the
# same days even when the request runs across midnight.
Window = tuple[datetime | None, datetime | None]


def _public_events(
    flt: FeedFilter, window: Window, types: Iterable[str] | None = None, *, by_seq: bool = False
):
    """The public events `flt` asks for in `window`; `by_seq`: found by walking the log back
    by `seq`, never by the type index (below)."""
    since, until = window
    type_ = _TYPE_UNINDEXED if by_seq else Event.type
    query = select(Event).where(Event.private.is_(False), type_.in_(tuple(types or flt.types)))
    if flt.department_id is not None:
        query = query.where(Event.department_id == flt.department_id)
    if since is not None:
        query = query.where(Event.at >= since)
    if until is not None:
        query = query.where(Event.at < until)
    return query


# What a feed item is made of, read as plain rows: an Event object per row cost the CSV's
# 10,000 rows ~20 µs each in the ORM's identity map and attribute set-up.
_ITEM_COLUMNS = (Event.seq, Event.type, Event.at, Event.private, Event.envelope)


def last_public_seq(session: Session) -> int:
    return session.scalar(select(func.max(Event.seq)).where(Event.private.is_(False))) or 0


@dataclass
class FeedPage:
    items: list[FeedItem]
    last_seq: int  # the newest public seq when read: live updates ask for what follows
    next_before: int | None  # for "older activity", None at the end


def read_feed(
    session: Session,
    viewer,
    flt: FeedFilter,
    tz: ZoneInfo,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> FeedPage:
    """The newest items matching `flt`, older than `before` or newer than `after`; its
    period as of `now` (the clock's, read once, unless given: a page and its summary are
    given the same)."""
    policy.require(viewer, "feed.read")
    limit = limit or PAGE_SIZE
    window = flt.window(tz, now)
    last_seq = last_public_seq(session)
    by_seq = _walks_back(session, flt)
    seqs_first = _sorts_seqs_first(session, flt, by_seq)

    def page(query, size: int) -> list:
        if size <= 0:
            return []
        query = query.where(Event.seq <= last_seq)
        if before is not None:
            query = query.where(Event.seq < before)
        if after is not None:
            query = query.where(Event.seq > after)
        if seqs_first:
            newest = query.with_only_columns(Event.seq).order_by(Event.seq.desc()).limit(size)
            query = select(Event).where(Event.seq.in_(newest.correlate(None)))
        query = query.with_only_columns(*_ITEM_COLUMNS).order_by(Event.seq.desc())
        return list(session.execute(query.limit(size)).all())

    if _between_edges(session, flt, window, by_seq):
        rows = _period_page(session, flt, window, page, limit + 1, before, after, by_seq=by_seq)
    else:
        rows = page(_public_events(flt, window, by_seq=by_seq), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return FeedPage(
        items_from_events(session, rows, tz), last_seq, rows[-1].seq if more and rows else None
    )


def _period_page(
    session: Session, flt: FeedFilter, window: Window, page, size: int, before, after, *, by_seq
) -> list:
    """A page of a period, `size` rows: the log walked back by seq between the period's
    first event by time and the first event at or after its end (`by_seq`: never by the
    type index, `_public_events`).

    An event's time is taken when it is recorded and its seq when its transaction commits,
    so a transaction under way at either edge numbers its event out of time's order. One
    recorded before the period's end and numbered after the first event at or after it is
    among the page's newest: their seqs are found from the index on (at, seq) alone (the
    period's entries, no row read, whatever the log holds after the end), then their rows
    (a statement of their own: PostgreSQL walked every event since the end back for them
    as a subquery); an older page, before a seq up to that first event, has none. One
    recorded in the period and numbered before its first event by time is found the same
    way, when the walk leaves room for it (and live updates, after a seq past it, never
    ask): asked as the page's rows, PostgreSQL walked its primary key back from that seq
    to the log's start for them (240 ms at a million events, docs/performance.md,
    feedtype)."""
    since, until = window
    first = session.scalar(_first_seq_from(since)) if since is not None else 0
    if first is None:
        return []  # nothing happened since the period's start
    end = session.scalar(_first_seq_from(until)) if until is not None else None
    rows: list = []
    walked = _public_events(flt, window, by_seq=by_seq).where(Event.seq >= first)
    if end is not None:
        if before is None or before > end + 1:
            late = session.scalars(_late_seqs(since, until, end).where(Event.seq >= first))
            if seqs := late.all():
                late_rows = _public_events(flt, window, by_seq=by_seq).where(Event.seq.in_(seqs))
                rows = page(late_rows, size)
        walked = walked.where(Event.seq < end)
    rows += page(walked, size - len(rows))
    room = since is not None and len(rows) < size and (after is None or after < first - 1)
    if room and (seqs := session.scalars(_early_seqs(since, until, first)).all()):
        early_rows = _public_events(flt, window, by_seq=by_seq).where(Event.seq.in_(seqs))
        rows += page(early_rows, size - len(rows))
    return rows


def _first_seq_from(since: datetime):
    """The seq of the first event (by time) at or after `since`, from the index on `at`."""
    return select(Event.seq).where(Event.at >= since).order_by(Event.at, Event.seq).limit(1)


def _late_seqs(since: datetime | None, until: datetime, end: int):
    """The seqs of events recorded before `until` and numbered after `end` (the first event
    at or after it), from the index on `at` alone."""
    query = select(Event.seq).where(Event.at < until, Event.seq > end)
    return query if since is None else query.where(Event.at >= since)


def _early_seqs(since: datetime, until: datetime | None, first: int):
    """The seqs of events recorded in the period from `since` (to `until`) and numbered
    before `first` (its first event by time), from the index on `at` alone."""
    query = select(Event.seq).where(Event.at >= since, Event.seq < first)
    return query if until is None else query.where(Event.at < until)


def _walks_back(session: Session, flt: FeedFilter) -> bool:
    """Whether a page of every kind without a department, on SQLite, walks the log back by
    `seq` (a period: between its edges, `_period_page`), never by the type index. Without
    statistics (the board runs no ANALYZE) SQLite reads it from the type index: every event
    of those types in the period, sorted (over all time 255-655 ms, 30 days 33-71 ms at
    300,000 events, docs/performance.md); back by `seq` it stops at the page's last item.
    A department is read from its own index; a narrow kind (challenges) is rare in the log,
    and the type index finds it without walking past everything else."""
    return (
        session.get_bind().dialect.name == "sqlite"
        and flt.department_id is None
        and set(flt.types) == set(FEED_TYPES)
    )


def _sorts_seqs_first(session: Session, flt: FeedFilter, by_seq: bool) -> bool:
    """Whether a page's events are sorted as seqs alone, read from the type index without
    their rows, and only the page's rows read after (by seq): SQLite's narrow kind without
    a department, which it finds in the type index and sorts. Sorting the rows read every
    row of the kind in the period, envelope and all (tasks or comments over 30 days at a
    million events a year: 50-100 ms); their seqs are the index's own entries (2-5 ms,
    docs/performance.md, feedtype)."""
    return session.get_bind().dialect.name == "sqlite" and flt.department_id is None and not by_seq


def _between_edges(session: Session, flt: FeedFilter, window: Window, by_seq: bool) -> bool:
    """Whether a page without a department is read between its period's edges by seq
    (`_period_page`): SQLite's walk of every kind over a period, and on PostgreSQL a period
    that ended before now, of any kind, where it walked its primary key back from the
    newest event past every event since the period's end (docs/performance.md,
    feedrange)."""
    since, until = window
    if flt.department_id is not None:
        return False
    if by_seq:
        return (since, until) != (None, None)
    return until is not None and session.get_bind().dialect.name != "sqlite"


def group_by_day(items: list[FeedItem], tz: ZoneInfo) -> list[tuple[date, list[FeedItem]]]:
    days: list[tuple[date, list[FeedItem]]] = []
    for item in items:
        day = item.at.astimezone(tz).date()
        if not days or days[-1][0] != day:
            days.append((day, []))
        days[-1][1].append(item)
    return days


# ---- the summary ---------------------------------------------------------------------


@dataclass
class Week:
    start: date  # the Monday
    ideas: int = 0
    tasks_done: int = 0


@dataclass
class Summary:
    ideas: int
    tasks_done: int
    challenges: int
    departments: int
    weeks: list[Week]
    published: int = 0  # posts that went live (idea.published)


# Counted from the log: what was posted stays posted. Tasks done are counted from the tasks
# themselves (`_tasks_done`): a completion can be taken back (reopened).
COUNTED = ("idea.created", "idea.published")


def summarize(
    session: Session, viewer, flt: FeedFilter, tz: ZoneInfo, *, now: datetime | None = None
) -> Summary:
    """Counts for the chosen period and department (the kind filter does not narrow them),
    the period and the chart's last week as of `now` (the clock's, read once, unless given).

    The database counts each week's events and probes each department once: fetching
    every counted event to sort into weeks here took a second over all time at 1,100,000
    events, and counting distinct departments read all of them (docs/performance.md)."""
    policy.require(viewer, "feed.read")
    flt, now = replace(flt, kinds=()), now or clock.now()
    window = since, until = flt.window(tz, now)
    mondays = _chart_mondays(since, until, tz, now)
    starts = [_local_midnight(monday, tz) for monday in mondays]
    events_counted = _public_events(flt, window, COUNTED)
    if starts:
        # One expression: the statement groups by what it selects.
        week = period_of(Event.at, starts)
        counted = session.execute(
            events_counted.with_only_columns(Event.type, week, func.count()).group_by(
                Event.type, week
            )
        ).all()
    else:  # a period from after today has no chart week, and a constant -1 to group by
        # would be read as a column's position
        by_type = events_counted.with_only_columns(Event.type, func.count()).group_by(Event.type)
        counted = [(type_, -1, count) for type_, count in session.execute(by_type)]
    weeks = [Week(monday) for monday in mondays]
    totals = dict.fromkeys(COUNTED, 0)
    for type_, index, count in counted:
        totals[type_] += count
        if index >= 0 and type_ == "idea.created":
            weeks[index].ideas += count
    done = _tasks_done(session, flt, window, starts)
    for index, count in done:
        if index >= 0:
            weeks[index].tasks_done += count
    older = any(index < 0 for _, index, _ in counted) or any(index < 0 for index, _ in done)
    if since is None and not older:  # the chart starts at the first week with a count
        while len(weeks) > 1 and _empty(weeks[0]):
            weeks.pop(0)
    return Summary(
        ideas=totals["idea.created"],
        tasks_done=sum(count for _index, count in done),
        published=totals["idea.published"],
        challenges=_challenges_run(session, flt, since, until),
        departments=_departments_taking_part(session, flt, since, until),
        weeks=weeks,
    )


def _tasks_done(
    session: Session, flt: FeedFilter, window: Window, starts: list[datetime]
) -> list[tuple[int, int]]:
    """(chart week, how many) of the tasks done now whose completion falls in the period, as
    the board's done column and the help page count them: a task reopened since is not
    done, and one completed again counts once, in the week of its last completion. A
    department's are those its people completed (ix_tasks_status_completed_at)."""
    since, until = window
    conditions = [Task.status == "done", Task.completed_at.is_not(None)]
    if since is not None:
        conditions.append(Task.completed_at >= since)
    if until is not None:
        conditions.append(Task.completed_at < until)
    if flt.department_id is not None:
        conditions.append(
            Task.claimed_by_id.in_(select(User.id).where(User.department_id == flt.department_id))
        )
    if not starts:  # no chart week (a period after today): one count, outside the chart
        return [(-1, session.scalar(select(func.count()).where(*conditions)) or 0)]
    week = period_of(Task.completed_at, starts)  # one expression, selected and grouped by
    return list(session.execute(select(week, func.count()).where(*conditions).group_by(week)))


def _empty(week: Week) -> bool:
    return not week.ideas and not week.tasks_done


def _departments_taking_part(
    session: Session, flt: FeedFilter, since: datetime | None, until: datetime | None
) -> int:
    """Departments behind some public event of the period: one probe each of the index on
    (department_id, at, type, private), read alone, where counting distinct departments
    read every event of the period. The index carries the type and privacy so that no plan
    prefers the (type, at, …) index: there a department without events read all of it."""
    acted = select(Event.seq).where(
        Event.department_id == Department.id,
        Event.private.is_(False),
        Event.type.in_(FEED_TYPES),
    )
    if since is not None:
        acted = acted.where(Event.at >= since)
    if until is not None:
        acted = acted.where(Event.at < until)
    query = select(func.count(Department.id)).where(acted.exists())
    if flt.department_id is not None:
        query = query.where(Department.id == flt.department_id)
    return session.scalar(query) or 0


def _challenges_run(
    session: Session, flt: FeedFilter, since: datetime | None, until: datetime | None
) -> int:
    """Challenges that were open at some point of the period; under a department filter,
    those the department took part in: its people started the challenge or posted an idea
    for it in the period. Votes do not count: a department of one person whose figure
    rose by a vote would tell that this person voted in that challenge (and, in a
    challenge of one idea, for which idea). Ideas and challenges are public, each named
    in the feed with its author."""
    if flt.department_id is not None:
        return _challenges_joined(session, flt.department_id, since, until)
    query = select(func.count(Prompt.id)).where(Prompt.kind == "challenge")
    if until is not None:
        query = query.where(Prompt.created_at < until)
    if since is not None:
        query = query.where((Prompt.voting_close_at.is_(None)) | (Prompt.voting_close_at >= since))
    return session.scalar(query) or 0


def _challenges_joined(
    session: Session, department_id: int, since: datetime | None, until: datetime | None
) -> int:
    """Challenges started, or given an idea, by people of the department in the period."""
    people = select(User.id).where(User.department_id == department_id)
    with_ideas = select(Idea.prompt_id).where(
        Idea.prompt_id.is_not(None), Idea.author_id.in_(people)
    )
    started = select(Prompt.id).where(Prompt.author_id.in_(people))
    if since is not None:
        with_ideas = with_ideas.where(Idea.created_at >= since)
        started = started.where(Prompt.created_at >= since)
    if until is not None:
        with_ideas = with_ideas.where(Idea.created_at < until)
        started = started.where(Prompt.created_at < until)
    query = select(func.count(Prompt.id)).where(
        Prompt.kind == "challenge", Prompt.id.in_(with_ideas) | Prompt.id.in_(started)
    )
    return session.scalar(query) or 0


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _chart_mondays(
    since: datetime | None, until: datetime | None, tz: ZoneInfo, now: datetime
) -> list[date]:
    """The chart's weeks: from the period's first (or, over all time, the 52nd before the
    last) to its last, at most MAX_CHART_WEEKS."""
    now_local = now.astimezone(tz).date()
    last_day = (until - timedelta(microseconds=1)).astimezone(tz).date() if until else now_local
    first_day = since.astimezone(tz).date() if since is not None else date.min
    first_day = max(first_day, _monday(last_day) - timedelta(weeks=MAX_CHART_WEEKS - 1))
    mondays, monday = [], _monday(first_day)
    while monday <= last_day:
        mondays.append(monday)
        monday += timedelta(weeks=1)
    return mondays


# ---- private feed tokens -------------------------------------------------------------


_URL = PrivateUrl("feed_token", manage="feed.token", read="feed.read")
create_feed_token = _URL.create
revoke_feed_token = _URL.revoke
user_for_feed_token = _URL.reader


# ---- CSV and Atom ---------------------------------------------------------------------

KIND_LABELS = {
    "ideas": lazy_pgettext("feed filter", "Ideas"),
    "votes": lazy_pgettext("feed filter", "Votes"),
    "comments": lazy_pgettext("feed filter", "Comments"),
    "tasks": lazy_pgettext("feed filter", "Tasks"),
    "challenges": lazy_pgettext("feed filter", "Prompts and challenges"),
}
# Short labels beside each sentence: nouns naming what happened.
BADGE_LABELS = {
    "ideas": lazy_pgettext("feed badge", "Idea"),
    "votes": lazy_pgettext("feed badge", "Votes"),
    "comments": lazy_pgettext("feed badge", "Comment"),
    "tasks": lazy_pgettext("feed badge", "Task"),
    "challenges": lazy_pgettext("feed badge", "Challenge"),
}
BADGE_PROMPT = lazy_pgettext("feed badge", "Prompt")
# The CSV's activity column: what happened, as a noun phrase.
TYPE_LABELS = {
    "idea.created": lazy_pgettext("feed activity", "Idea posted"),
    "idea.updated": lazy_pgettext("feed activity", "Idea edited"),
    "idea.votes_changed": lazy_pgettext("feed activity", "Votes"),
    "comment.created": lazy_pgettext("feed activity", "Comment"),
    "task.created": lazy_pgettext("feed activity", "Task created"),
    "task.claimed": lazy_pgettext("feed activity", "Task taken on"),
    "task.released": lazy_pgettext("feed activity", "Task given back"),
    "task.completed": lazy_pgettext("feed activity", "Task completed"),
    "task.updated": lazy_pgettext("feed activity", "Task planned"),
    "task.reopened": lazy_pgettext("feed activity", "Task reopened"),
    "idea.withdrawn": lazy_pgettext("feed activity", "Idea withdrawn"),
    "idea.hidden": lazy_pgettext("feed activity", "Idea hidden"),
    "idea.unhidden": lazy_pgettext("feed activity", "Idea shown again"),
    "comment.updated": lazy_pgettext("feed activity", "Comment edited"),
    "comment.deleted": lazy_pgettext("feed activity", "Comment deleted"),
    "comment.hidden": lazy_pgettext("feed activity", "Comment hidden"),
    "comment.unhidden": lazy_pgettext("feed activity", "Comment shown again"),
    "idea.published": lazy_pgettext("feed activity", "Idea published"),
    "prompt.created": lazy_pgettext("feed activity", "Prompt posted"),
    "prompt.phase_changed": lazy_pgettext("feed activity", "Challenge phase"),
}
