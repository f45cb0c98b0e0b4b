"""`flask --app app demo [--language de]`: fill an EMPTY database with a believable task force.

The story (board/demo_story.py, German text in board/demo_story_de.py) is played in the
order it happened, under a back-dated clock, through the same services a person uses:
people are created like the CLI creates them, Lena posts prompts and sends nudges, the
others post ideas, vote, comment, claim and finish tasks, people read their nudges, and
the phase check announces each challenge's phase changes (and its final tallies) when
their time comes. So the event log holds four weeks of events with exactly the shapes
the contract promises, and nothing here writes a row or an event by hand.

Every demo person logs in with the password `demo-password`:

    facilitator  lena@nordkamm.example    (Lena Brandt, Marketing, social media manager)
    member       jonas@nordkamm.example   (Jonas Keller, Marketing)
    member       priya@nordkamm.example   (Priya Raman, Customer Support)
    observer     petra@nordkamm.example   (Petra Hoffmann, Head of Sales)
    observer     thomas@nordkamm.example  (Thomas Berger, Head of Product)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board import (
    clock,
    demo_story,
    demo_story_de,
    ideas,
    nudges,
    people,
    prompts,
    publications,
    tasks,
)
from board.demo_story import DEMO_PASSWORD, DOMAIN
from board.scheduler import advance_phases
from models import Department, User

LANGUAGES = ("en", "de")
JOINED_DAYS_AGO = 27
NUDGE_READ_AFTER = timedelta(hours=3)
# Nordkamm works in Germany, 8 to 18: the story's days (fractions of 24 hours before now) are
# played inside those hours, so the feed shows no comment at 00:35 and no deadline at 22:12.
STORY_ZONE = ZoneInfo("Europe/Berlin")
WORKDAY_START_HOUR = 8
WORKDAY_HOURS = 10


def in_working_hours(story_moment: datetime) -> datetime:
    """The same day, its share of 24 hours laid over the working hours (order is kept).

    The story's days are mostly tenths, which would put everything at the same minute past
    the hour: a wave of up to 12 minutes (its slope never reverses the order) varies them."""
    local = story_moment.astimezone(STORY_ZONE)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = (local - midnight) / timedelta(days=1) * WORKDAY_HOURS * 60
    minutes += 12 * math.sin(2 * math.pi * minutes / 90)
    start = midnight + timedelta(hours=WORKDAY_START_HOUR)
    return (start + timedelta(minutes=minutes)).astimezone(UTC)


def story_moment_of(now: datetime) -> datetime:
    """The story moment in_working_hours puts at `now`, or just before it out of hours."""
    local = now.astimezone(STORY_ZONE)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    worked = (local - midnight) / timedelta(hours=1) - WORKDAY_START_HOUR
    if worked < 0:  # before work: the end of yesterday's working hours
        return (midnight - timedelta(seconds=1)).astimezone(UTC)
    return (midnight + min(worked / WORKDAY_HOURS, 0.9999) * timedelta(days=1)).astimezone(UTC)


class Text:
    """The story's words in one language: English as written in demo_story, or German."""

    def __init__(self, language: str):
        self.german = language == "de"

    def department(self, name: str) -> str:
        return demo_story_de.DEPARTMENTS[name] if self.german else name

    def prompt(self, key: str) -> tuple[str, str]:
        spec = demo_story.PROMPTS[key]
        return demo_story_de.PROMPTS[key] if self.german else (spec["title"], spec["body"])

    def idea(self, key: str, title: str, body: str, tags: list[str]) -> tuple[str, str, list]:
        if not self.german:
            return title, body, tags
        title, body = demo_story_de.IDEAS[key]
        return title, body, [demo_story_de.TAGS.get(tag, tag) for tag in tags]

    def comment(self, index: int, body: str) -> str:
        return demo_story_de.COMMENTS[index] if self.german else body

    def task(self, key: str, title: str, description: str) -> tuple[str, str]:
        return demo_story_de.TASKS[key] if self.german else (title, description)

    def nudge(self, index: int, message: str) -> str:
        return demo_story_de.NUDGES[index] if self.german else message


@dataclass
class Story:
    """What has been created so far, by story key, and the steps still to play."""

    session: Session
    now: datetime
    claim_limit: int
    text: Text
    users: dict[str, User] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    ideas: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    prompts: dict[str, int] = field(default_factory=dict)
    nudges: int = 0
    steps: list[tuple[datetime, int, Callable[[], object]]] = field(default_factory=list)

    def moment(self, days_from_now: float) -> datetime:
        """When something `days_from_now` (negative: ago) happens, in working hours."""
        moment = in_working_hours(story_moment_of(self.now) + timedelta(days=days_from_now))
        return min(moment, self.now) if days_from_now <= 0 else moment

    def at(self, days_ago: float, action: Callable[[], object]) -> None:
        self.steps.append((self.moment(-days_ago), len(self.steps), action))

    def run(self) -> None:
        """Play the story in time order under a clock that says it is that moment."""
        try:
            for moment, _order, action in sorted(self.steps, key=lambda step: step[:2]):
                clock.set_clock(lambda moment=moment: moment)
                action()
        finally:
            clock.set_clock(None)


def _create_people(story: Story, language: str) -> None:
    def create(key: str, name: str, department: str, role: str) -> None:
        email = f"{key}@{DOMAIN}"
        department_name = story.text.department(department)
        user = people.create_user(story.session, email, DEMO_PASSWORD, name, department_name, role)
        if language != "en":  # everyone's own setting, observers' too
            people.set_language(story.session, user, language)
        story.users[key] = user
        story.departments[department] = user.department_id

    for key, name, department, role in demo_story.PEOPLE:
        story.at(JOINED_DAYS_AGO, lambda a=(key, name, department, role): create(*a))


def _plan_prompts(story: Story) -> None:
    def post(key: str, spec: dict) -> None:
        title, body = story.text.prompt(key)
        challenge = spec["kind"] == "challenge"

        def moment(end: str) -> datetime | None:
            return story.moment(spec[end]) if end in spec else None

        prompt = prompts.create_prompt(
            story.session,
            story.users["lena"],
            spec["kind"],
            title,
            body,
            submissions_close_at=moment("submissions_close"),
            voting_close_at=moment("voting_close"),
            hide_tallies=True if challenge else None,
            votes_per_person=3 if challenge else None,
        )
        story.prompts[key] = prompt["id"]

    for key, spec in demo_story.PROMPTS.items():
        story.at(spec["days"], lambda key=key, spec=spec: post(key, spec))
        # The server's phase check runs every few seconds; here it runs just after each
        # phase ends, and announces the change (with the final tallies at the close).
        for end in ("submissions_close", "voting_close"):
            if spec.get(end, 1) < 0:
                story.at(-spec[end] - 0.001, lambda: advance_phases(story.session, clock.now()))


def _plan_ideas(story: Story) -> None:
    rng = random.Random(600)
    for key, author, days, title, tags, prompt_key, voters, body in demo_story.IDEAS:

        def post(key=key, author=author, title=title, tags=tags, prompt_key=prompt_key, body=body):
            title, body, tags = story.text.idea(key, title, body, tags)
            prompt_id = story.prompts[prompt_key] if prompt_key else None
            idea = ideas.create_idea(
                story.session, story.users[author], title, body, tags, prompt_id
            )
            story.ideas[key] = idea["id"]

        story.at(days, post)
        prompt = demo_story.PROMPTS.get(prompt_key or "", {})
        # Votes arrive over the following days, before a challenge's voting closes.
        last = max(days - 10, -prompt.get("voting_close", 0) + 0.2, 0.05)
        for voter in voters:
            when = rng.uniform(last, days - 0.05)
            story.at(
                when,
                lambda key=key, voter=voter: ideas.vote(
                    story.session, story.users[voter], story.ideas[key]
                ),
            )


def _plan_comments(story: Story) -> None:
    for index, (idea_key, author, days, body, mentor) in enumerate(demo_story.COMMENTS):
        story.at(
            days,
            lambda i=index, idea_key=idea_key, author=author, body=body, mentor=mentor: (
                ideas.add_comment(
                    story.session,
                    story.users[author],
                    story.ideas[idea_key],
                    story.text.comment(i, body),
                    mentor_note=mentor,
                )
            ),
        )


def _plan_tasks(story: Story) -> None:
    for key, idea_key, creator, title, days, claim, done, description in demo_story.TASKS:

        def create(
            key=key, idea_key=idea_key, creator=creator, title=title, description=description
        ):
            title, description = story.text.task(key, title, description)
            idea_id = story.ideas[idea_key] if idea_key else None
            channels, offset = demo_story.PLANS.get(key, ((), None))
            task = tasks.create_task(
                story.session,
                story.users[creator],
                title,
                description,
                idea_id,
                channels=list(channels),
                publish_on=(story.now + timedelta(days=offset)).date()
                if offset is not None
                else None,
            )
            story.tasks[key] = task["id"]

        story.at(days, create)
        if claim:
            claimant, claimed_days = claim
            story.at(
                min(claimed_days, days - 0.01),
                lambda key=key, claimant=claimant: tasks.claim_task(
                    story.session, story.users[claimant], story.tasks[key], story.claim_limit
                ),
            )
            if done is not None:
                story.at(
                    done,
                    lambda key=key, claimant=claimant: tasks.complete_task(
                        story.session, story.users[claimant], story.tasks[key]
                    ),
                )


def _plan_publications(story: Story) -> None:
    """A help-wanted task, and where the repair reels went live."""
    for key, claimant, days in demo_story.HELP_WANTED:
        story.at(
            days,
            lambda key=key, claimant=claimant: tasks.update_plan(
                story.session, story.users[claimant], story.tasks[key], {"help_wanted": True}
            ),
        )
    for idea_key, who, channel, url, days in demo_story.PUBLICATIONS:
        story.at(
            days,
            lambda idea_key=idea_key, who=who, channel=channel, url=url: (
                publications.record_publication(
                    story.session, story.users[who], story.ideas[idea_key], url, channel
                )
            ),
        )


def _plan_nudges(story: Story) -> None:
    read_after = NUDGE_READ_AFTER / timedelta(days=1)
    for index, (days, message, (kind, target), read_by) in enumerate(demo_story.NUDGES):
        sent: dict[str, int] = {}

        def send(index=index, message=message, kind=kind, target=target, sent=sent):
            ids = {
                "user": lambda: {"to_user_id": story.users[target].id},
                "task": lambda: {"task_id": story.tasks[target]},
                "department": lambda: {"department_id": story.departments[target]},
            }[kind]()
            nudge = nudges.send_nudge(
                story.session, story.users["lena"], story.text.nudge(index, message), **ids
            )
            sent["id"] = nudge["id"]
            story.nudges += 1

        story.at(days, send)
        for reader in read_by:
            story.at(
                days - read_after,
                lambda reader=reader, sent=sent: nudges.mark_read(
                    story.session, story.users[reader], sent["id"]
                ),
            )


def load_demo(session: Session, claim_limit: int = 5, language: str = "en") -> dict[str, int]:
    """Play the Nordkamm story into an empty database; returns what it created."""
    if language not in LANGUAGES:
        raise ValueError(f"The demo speaks {', '.join(LANGUAGES)}, not {language!r}.")
    if session.scalar(select(func.count(User.id))):
        raise RuntimeError("The database already has people; demo data not loaded.")
    story = Story(session=session, now=clock.now(), claim_limit=claim_limit, text=Text(language))
    _create_people(story, language)
    _plan_prompts(story)
    _plan_ideas(story)
    _plan_comments(story)
    _plan_tasks(story)
    _plan_publications(story)
    _plan_nudges(story)
    story.run()
    advance_phases(session, story.now)  # nothing is left for the server's first check
    return {
        "people": len(story.users),
        "ideas": len(story.ideas),
        "tasks": len(story.tasks),
        "prompts": len(story.prompts),
        "comments": len(demo_story.COMMENTS),
        "nudges": story.nudges,
    }


@click.command("demo")
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="The story's language (Nordkamm Outdoor is a German company).",
)
@with_appcontext
def demo_command(language: str):
    """Fill an empty database with demo data (does nothing when people exist)."""
    settings = current_app.extensions["board_settings"]
    with current_app.extensions["board_db"].Session() as session:
        if session.scalar(select(func.count(User.id))):
            click.echo("The database already has people; demo data not loaded.")
            if session.scalar(select(User.id).where(User.email == demo_email("lena"))):
                echo_logins(session)
            return
        counts = load_demo(session, settings.claim_limit, language)
        click.echo(
            "Demo task force of Nordkamm Outdoor loaded: "
            + ", ".join(f"{n} {what}" for what, n in counts.items())
            + "."
        )
        echo_logins(session)


def demo_email(key: str) -> str:
    return f"{key}@{DOMAIN}"


def echo_logins(session: Session) -> None:
    """Every demo login, so a new user can try each role (and see the board as others do),
    with the department as the board shows it (German after `demo --language de`)."""
    emails = [demo_email(key) for key, *_rest in demo_story.PEOPLE]
    stored = {
        email: department
        for email, department in session.execute(
            select(User.email, Department.name)
            .join(Department, Department.id == User.department_id)
            .where(User.email.in_(emails))
        )
    }
    click.echo(f"Demo logins, all with the password {DEMO_PASSWORD!r}:")
    for key, name, department, role in demo_story.PEOPLE:
        department = stored.get(demo_email(key), department)
        click.echo(f"  {demo_email(key):<26} {name:<18} {department:<18} {role}")
