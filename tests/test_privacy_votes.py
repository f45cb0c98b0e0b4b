"""The attack on the secret ballot, written down: nobody may learn who voted for what by
joining the times the board shows about people with the times of the public vote events.

Every vote leaves a public `idea.votes_changed` with its exact time. If any per-person
time (a "last active", a claim, a post, an entry in the feed, CSV or Atom) came from a
vote, it would equal such a time and name the idea. The test plays a board whose people
vote last (so that a vote is everyone's latest action), then, as every role, reads every
GET route of the permission matrix plus the token-bearing feeds and the facilitator's
report, collects every time shown next to a person, and fails on any that matches a vote.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from board import clock, ideas, prompts, tasks
from board import images as image_service
from models import Event, User, Vote
from tests.conftest import BOTH_DATABASES, make_user
from tests.test_permissions import MATRIX, PICTURE

ROLES = ("member", "other_member", "facilitator", "observer")
# Keys whose (non-null) value names a person: a dict holding one is about that person.
PERSON_KEYS = {
    "person",
    "author",
    "actor",
    "holder",
    "claimed_by",
    "created_by",
    "user",
    "from",
    "by",
    "voter",
}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
VOTE_ITEM = re.compile(r'<li class="feed-item feed-kind-votes".*?</li>', re.S)
ATOM = "{http://www.w3.org/2005/Atom}"


def parse_time(text: str) -> tuple[datetime, bool] | None:
    """(moment, has seconds) for an ISO-like time; naive ones are UTC (the board's zone)."""
    raw = text.replace(" ", "T").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC), raw.count(":") >= 2 and len(raw.split("T")[1]) > 5


def matches(shown: tuple[datetime, bool], vote: datetime) -> bool:
    moment, precise = shown
    if precise:
        return abs(moment - vote) < timedelta(seconds=1)
    return moment.replace(second=0, microsecond=0) == vote.replace(second=0, microsecond=0)


def _is_person(value) -> bool:
    return isinstance(value, dict) and "display_name" in value


def times_next_to_people(value, found: list[str], about_person: bool = False) -> None:
    """Every time string in a JSON value that sits in an object about a person."""
    if isinstance(value, list):
        for item in value:
            times_next_to_people(item, found, about_person)
        return
    if not isinstance(value, dict):
        return
    here = (
        about_person
        or _is_person(value)
        or any(value.get(key) not in (None, [], {}) for key in PERSON_KEYS)
    )
    for item in value.values():
        if isinstance(item, str) and here and ISO.fullmatch(item):
            found.append(item)
        else:
            times_next_to_people(item, found, here)


def times_in_csv(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    return [row[0] for row in rows[1:] if len(row) > 3 and row[3].strip()]


def times_in_atom(body: bytes) -> list[str]:
    found = []
    for entry in ET.fromstring(body).iter(f"{ATOM}entry"):
        if entry.find(f"{ATOM}author") is not None:
            found += [e.text for e in entry if e.tag in (f"{ATOM}updated", f"{ATOM}published")]
    return found


def shown_times(response) -> list[str]:
    """The per-person times in one answer, whatever its kind. Pages and calendars count
    every time they show (a conservative reading); a vote tally's feed item is no person's."""
    mimetype = response.mimetype
    if mimetype == "application/json":
        found: list[str] = []
        times_next_to_people(response.get_json(), found)
        return found
    if mimetype == "text/csv":
        return times_in_csv(response.get_data(as_text=True))
    if mimetype == "application/atom+xml":
        return times_in_atom(response.get_data())
    if mimetype.startswith("image/"):
        return []  # a picture is bytes, not text this board wrote
    text = VOTE_ITEM.sub("", response.get_data(as_text=True))
    return ISO.findall(text)


# ---- the board ----------------------------------------------------------------------------


def at(moment: datetime):
    clock.set_clock(lambda: moment)


@pytest.fixture
def voted_board(app, people_):
    """People who post and work, then vote last, each vote at an odd second of its own."""
    start = clock.now().replace(microsecond=0) - timedelta(days=30)
    Session = app.extensions["board_db"].Session
    make_user(app, "vera", "member", "Sales")
    with Session() as session:
        mara = session.get(User, people_.user("member").id)
        ivan = session.get(User, people_.user("other_member").id)
        sam = session.get(User, people_.user("facilitator").id)
        vera = session.scalar(select(User).where(User.email == "vera@example.com"))
        at(start + timedelta(hours=9))
        idea_a = ideas.create_idea(session, mara, "Booth reel", "Short clips")
        at(start + timedelta(hours=9, minutes=5))
        idea_b = ideas.create_idea(session, ivan, "Server room tour", "Blinking lights")
        at(start + timedelta(hours=9, minutes=10))
        idea_c = ideas.create_idea(session, vera, "Customer of the month", "A portrait")
        at(start + timedelta(hours=9, minutes=15))
        prompt = prompts.create_prompt(session, sam, "prompt", "What could we film?")
        at(start + timedelta(hours=9, minutes=20))
        task = tasks.create_task(session, ivan, "Film the booth", "", idea_a["id"])
        at(start + timedelta(hours=9, minutes=25))
        tasks.claim_task(session, mara, task["id"], claim_limit=5)
        at(start + timedelta(hours=9, minutes=30))
        comment = ideas.add_comment(session, sam, idea_b["id"], "Love it")
        image = image_service.upload_image(
            session, mara, PICTURE, app.extensions["board_settings"].instance_path / "images"
        )
        # The votes, ten days later, each person's latest action on the board.
        day = start + timedelta(days=10)
        for who, idea, moment in (
            (vera, idea_a, day + timedelta(hours=4, minutes=51, seconds=17, milliseconds=250)),
            (mara, idea_b, day + timedelta(hours=5, minutes=13, seconds=29, milliseconds=500)),
            (ivan, idea_c, day + timedelta(hours=5, minutes=37, seconds=43, milliseconds=750)),
            (sam, idea_c, day + timedelta(hours=6, minutes=7, seconds=11, milliseconds=125)),
        ):
            at(moment)
            ideas.vote(session, who, idea["id"])
        clock.set_clock(None)
        vote_times = list(
            session.scalars(select(Event.at).where(Event.type == "idea.votes_changed"))
        )
        # Whose vote each time is: only the voter's own copy of their data may show it.
        own = {
            user_id: at for user_id, at in session.execute(select(Vote.user_id, Vote.created_at))
        }
        session.commit()
    assert len(vote_times) == 4
    return {
        "idea": idea_a["id"],
        "task": task["id"],
        "claimed": task["id"],
        "comment": comment["id"],
        "image": image["id"],
        "prompt": prompt["id"],
        "prompt_idea": idea_a["id"],
        "nudge": 1,
        "invite": 1,
        "session": 1,
        "vote_times": vote_times,
        "own_votes": own,
        "handles": ["mara", "ivan", "sam", "vera", "olga"],
    }


def paths_for(role: str, board: dict) -> list[str]:
    """Every GET of the permission matrix this role may read, and what the matrix cannot
    know: the whole feed, the facilitator's report at one day, people's pages."""
    paths = [
        row.path.format(**board)
        for row in MATRIX
        if row.method == "GET" and row.outcomes[role] == 200 and "<token>" not in row.rule
    ]
    paths += [
        "/api/v1/events?after=0&limit=1000",
        "/api/v1/feed?period=all",
        "/feed?period=all",
        "/feed.csv?period=all",
        "/feed/export.csv?period=all",
        "/feed?period=all&kind=votes",
        "/api/v1/insights?days=1",
        "/help?days=1",
        "/api/v1/me/export",
    ]
    paths += [f"/people/{handle}" for handle in board["handles"]]
    return paths


def gather(client, role: str, board: dict) -> dict[str, list[str]]:
    shown: dict[str, list[str]] = {}
    for path in paths_for(role, board):
        response = client.get(path)
        if response.status_code != 200:
            continue  # a route this role may not read shows it nothing
        shown[path] = shown_times(response)
    # The token-bearing feeds, fetched without the session cookie as a feed reader would.
    for url in (
        client.post("feed/token").get_json()["atom_url"],
        client.get("calendar/token").get_json().get("ics_url"),
    ):
        if url:
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            shown[path] = shown_times(client.client.application.test_client().get(path))
    return shown


@BOTH_DATABASES
@pytest.mark.parametrize("role", ROLES)
def test_no_time_shown_about_a_person_is_the_time_of_a_vote(app, people_, voted_board, role):
    client = people_.client(role)
    shown = gather(client, role, voted_board)
    assert sum(len(times) for times in shown.values()) > 0, "the test saw no times at all"
    mine = voted_board["own_votes"].get(people_.user(role).id)

    def others_vote(parsed, path: str) -> bool:
        """A vote's time, unless it is the caller's own vote in the caller's own export."""
        return any(
            matches(parsed, vote)
            and not (path == "/api/v1/me/export" and mine is not None and matches(parsed, mine))
            for vote in voted_board["vote_times"]
        )

    leaks = [
        (path, text)
        for path, texts in shown.items()
        for text in texts
        if (parsed := parse_time(text)) is not None and others_vote(parsed, path)
    ]
    assert leaks == [], f"per-person times that equal a vote's time: {leaks}"


def test_the_attack_sees_what_the_report_shows(app, people_, voted_board):
    """The facilitator's report lists the voters as quiet: the join above had something to
    look at (a person row with its times), and the quiet days count from the last post."""
    report = people_.client("facilitator").get("insights?days=1").get_json()
    quiet = {row["person"]["display_name"]: row for row in report["quiet_people"]}
    assert {"Mara", "Ivan", "Vera"} <= set(quiet)
    # Vera posted 29 days and some hours ago and voted 19 days and some hours ago: quiet
    # for 29 whole days, not 19.
    assert quiet["Vera"]["quiet_days"] == 29
    assert all(isinstance(row["quiet_days"], int) for row in quiet.values())
    assert all("last_active" not in row for row in report["quiet_people"])
    assert all("last_active" not in row for row in report["quiet_departments"])
