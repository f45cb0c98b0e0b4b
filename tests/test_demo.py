"""`flask --app app demo`: a believable task force on an empty database, and only there."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from board import clock, create_app, demo_story, demo_story_de, people
from board.demo import DEMO_PASSWORD, STORY_ZONE, in_working_hours, load_demo, story_moment_of
from board.prompts import phase_of
from board.settings import Settings
from models import Comment, Department, Event, Idea, Nudge, NudgeRecipient, Prompt, Task, User, Vote


def load_with_cli(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo task force of Nordkamm Outdoor loaded" in result.output
    assert "demo-password" in result.output
    return app


@pytest.fixture(scope="module")
def demo_app(sqlite_template, tmp_path_factory):
    """One demo board (SQLite) shared by the read-only checks below: loading takes seconds."""
    path = tmp_path_factory.mktemp("demo") / "board.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        instance_path=path.parent / "instance",
        database_url=f"sqlite:///{path}",
        secret_key="test-secret",
        claim_limit=5,
        testing=True,
    )
    app = create_app({"TESTING": True}, settings=settings)
    yield load_with_cli(app)
    app.extensions["board_db"].dispose()


def test_the_demo_tells_a_believable_story(demo_app):
    with demo_app.extensions["board_db"].Session() as session:
        roles = Counter(session.scalars(select(User.role)))
        assert roles == {"facilitator": 1, "observer": 2, "member": 14}
        assert session.scalar(select(func.count(Department.id))) == 8
        assert session.scalar(select(func.count(Idea.id))) >= 20
        statuses = Counter(session.scalars(select(Task.status)))
        assert statuses["open"] >= 3 and statuses["claimed"] >= 3 and statuses["done"] >= 3
        assert session.scalar(select(func.count(Task.id)).where(Task.idea_id.is_not(None))) >= 15
        # several departments back the ideas, and observers never vote
        backing = session.execute(
            select(Vote.idea_id, func.count(func.distinct(User.department_id)))
            .join(User, User.id == Vote.user_id)
            .group_by(Vote.idea_id)
        ).all()
        assert max(departments for _, departments in backing) >= 6
        assert (
            session.scalar(
                select(func.count(Vote.id))
                .join(User, User.id == Vote.user_id)
                .where(User.role == "observer")
            )
            == 0
        )
        # comments, and mentor notes only from the facilitator
        assert session.scalar(select(func.count(Comment.id))) >= 25
        mentor_authors = set(
            session.scalars(
                select(User.role)
                .join(Comment, Comment.author_id == User.id)
                .where(Comment.is_mentor_note.is_(True))
            )
        )
        assert mentor_authors == {"facilitator"}
        # nobody holds more open claims than the limit allows
        held = Counter(session.scalars(select(Task.claimed_by_id).where(Task.status == "claimed")))
        assert max(held.values()) <= 5
        # tags name the channels
        ideas = session.scalars(select(Idea)).all()
        tags = {tag for idea in ideas for tag in idea.tags}
        assert {"linkedin", "instagram", "blog", "tiktok", "newsletter"} <= tags
        assert all("\n" in idea.body or "*" in idea.body or len(idea.body) > 60 for idea in ideas)


def test_the_demo_has_a_prompt_a_running_and_a_closed_challenge(demo_app):
    with demo_app.extensions["board_db"].Session() as session:
        prompts = session.scalars(select(Prompt)).all()
        phases = {(p.kind, phase_of(p)) for p in prompts}
        assert ("prompt", "collecting") in phases
        assert ("challenge", "closed") in phases
        running = [p for p in prompts if p.kind == "challenge" and phase_of(p) != "closed"]
        assert len(running) == 1
        assert running[0].hide_tallies and running[0].votes_per_person == 3
        for prompt in prompts:
            assert prompt.phase == phase_of(prompt)  # the stored phase was announced
            assert (
                session.scalar(select(func.count(Idea.id)).where(Idea.prompt_id == prompt.id)) >= 3
            )
        closed = next(p for p in prompts if phase_of(p) == "closed")
        per_voter = Counter(
            session.scalars(select(Vote.user_id).where(Vote.prompt_id == closed.id))
        )
        assert per_voter and max(per_voter.values()) <= closed.votes_per_person


def test_the_demo_sends_nudges_some_already_read(demo_app):
    with demo_app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(Nudge.id))) >= 3
        read = session.scalar(select(func.count()).where(NudgeRecipient.read_at.is_not(None)))
        unread = session.scalar(select(func.count()).where(NudgeRecipient.read_at.is_(None)))
        assert read >= 1 and unread >= 1
        nudge_events = session.scalars(select(Event).where(Event.type == "nudge.sent")).all()
        assert len(nudge_events) == session.scalar(select(func.count(Nudge.id)))
        assert all(event.private for event in nudge_events)


def test_the_demo_spreads_its_history_over_weeks_in_order(demo_app):
    with demo_app.extensions["board_db"].Session() as session:
        events = session.scalars(select(Event).order_by(Event.seq)).all()
        times = [event.at for event in events]
        assert times == sorted(times)  # the log reads in the order things happened
        assert clock.now() - times[0] >= timedelta(days=21)
        assert clock.now() - times[-1] < timedelta(days=2)
        types = Counter(event.type for event in events)
        for kind in (
            "idea.created",
            "idea.votes_changed",
            "comment.created",
            "task.created",
            "task.claimed",
            "task.completed",
            "prompt.created",
            "prompt.phase_changed",
            "nudge.sent",
        ):
            assert types[kind] >= 1, kind
        # votes name no voter
        assert all(event.actor_id is None for event in events if event.type == "idea.votes_changed")
        created = session.scalars(select(Idea.created_at)).all()
        assert max(created) - min(created) >= timedelta(days=20)


def api_client(app, email: str = "lena@nordkamm.example"):
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.get_json()
    return client


def demo_events(client) -> list[dict]:
    items, after = [], 0
    while True:
        page = client.get(f"/api/v1/events?after={after}&limit=1000").get_json()["items"]
        if not page:
            return items
        items += page
        after = page[-1]["seq"]


def test_the_demos_events_have_the_contracts_shapes(demo_app):
    """Each event carries its object as HTTP returns it (without `voted`/`received`), like
    the same action taken by a person: the demo writes nothing by hand."""
    lena = api_client(demo_app)  # the sender of every nudge sees them all
    items = demo_events(lena)
    nudge_keys = set(lena.get("/api/v1/nudges").get_json()["items"][0]) - {"received"}
    http_keys = {
        "idea": lambda data: set(lena.get(f"/api/v1/ideas/{data['id']}").get_json()),
        "task": lambda data: set(lena.get(f"/api/v1/tasks/{data['id']}").get_json()),
        "prompt": lambda data: set(lena.get(f"/api/v1/prompts/{data['id']}").get_json()),
        "nudge": lambda data: nudge_keys,
    }
    for event in items:
        kind = event["type"].split(".")[0]
        if event["type"] == "idea.votes_changed":
            assert set(event["data"]) == {"idea_id", "votes", "departments_supporting"}
            assert event["actor"] is None
        elif event["type"] == "prompt.phase_changed":
            assert set(event["data"]) == {"prompt", "previous_phase"}, event
            assert event["data"]["previous_phase"] in ("collecting", "voting")
        elif kind == "comment":
            assert set(event["data"]) == {"comment"}
            continue
        else:
            assert set(event["data"]) == {kind}, event
        if kind in http_keys and kind in event["data"]:
            data = event["data"][kind]
            caller_specific = {"voted", "following"}  # what HTTP tells only the asker
            assert set(data) == http_keys[kind](data) - caller_specific, event["type"]


def test_closing_a_demo_challenge_announces_each_phase_and_the_final_tallies(demo_app):
    lena = api_client(demo_app)
    items = demo_events(lena)
    closed = next(p for p in lena.get("/api/v1/prompts").get_json() if p["phase"] == "closed")
    changes = [
        e
        for e in items
        if e["type"] == "prompt.phase_changed" and e["data"]["prompt"]["id"] == closed["id"]
    ]
    assert [(e["data"]["previous_phase"], e["data"]["prompt"]["phase"]) for e in changes] == [
        ("collecting", "voting"),
        ("voting", "closed"),
    ]
    closed_at = changes[-1]["seq"]
    its_ideas = {
        i["id"] for i in lena.get(f"/api/v1/ideas?prompt_id={closed['id']}").get_json()["items"]
    }
    tallies = [
        e
        for e in items
        if e["type"] == "idea.votes_changed"
        and e["seq"] > closed_at
        and e["data"]["idea_id"] in its_ideas
    ]
    assert {e["data"]["idea_id"] for e in tallies} == its_ideas
    assert all(e["data"]["votes"] is not None for e in tallies)  # the results, at last


def test_the_demos_nudges_are_read_by_their_recipients_only(demo_app):
    clara = api_client(demo_app, "clara@nordkamm.example")
    received = [n for n in clara.get("/api/v1/nudges").get_json()["items"] if n["received"]]
    assert received and all(n["read_at"] is not None for n in received)
    ben = api_client(demo_app, "ben@nordkamm.example")
    assert all(n["read_at"] is None for n in ben.get("/api/v1/nudges").get_json()["items"])


def test_the_demo_logins_work(demo_app):
    with demo_app.extensions["board_db"].Session() as session:
        for email, role in (
            ("lena@nordkamm.example", "facilitator"),
            ("jonas@nordkamm.example", "member"),
            ("petra@nordkamm.example", "observer"),
        ):
            assert people.authenticate(session, email, DEMO_PASSWORD).role == role


def test_the_demo_refuses_a_database_that_has_people(demo_app):
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0  # `make run` calls it on every start
    assert "already has people" in result.output
    # every start of `make run` reminds a new user of every demo login, each role included
    with demo_app.extensions["board_db"].Session() as session:
        emails = session.scalars(select(User.email)).all()
    assert all(email in result.output for email in emails)
    assert {"facilitator", "member", "observer"} <= set(result.output.split())
    with demo_app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(User.id))) == 17
        with pytest.raises(RuntimeError):
            load_demo(session)


def test_the_demo_refuses_even_a_single_existing_person(app, people_):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert "already has people" in result.output
    assert "Demo logins" not in result.output  # not a demo board: no demo logins to offer
    with app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(Idea.id))) == 0


def observer_client(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": "petra@nordkamm.example", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    return client


def every_page(app) -> list[str]:
    with app.extensions["board_db"].Session() as session:
        idea_ids = session.scalars(select(Idea.id)).all()
        task_ids = session.scalars(select(Task.id)).all()
    # The observer's pages: they hold no tasks, so /my-tasks is not one (test_pages.py)
    return (
        ["/", "/?sort=hot", "/?sort=new", "/feed", "/calendar"]
        + [f"/ideas/{i}" for i in idea_ids]
        + [f"/tasks/{t}" for t in task_ids]
    )


def test_every_demo_page_renders(demo_app):
    client = observer_client(demo_app)
    for path in every_page(demo_app):
        assert client.get(path).status_code == 200, path


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_the_demo_loads_and_renders_on_postgresql(app):
    load_with_cli(app)
    with app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(User.id))) == 17
        times = session.scalars(select(Event.at).order_by(Event.seq)).all()
        assert times == sorted(times)
    client = observer_client(app)
    for path in every_page(app):
        assert client.get(path).status_code == 200, path


@pytest.fixture(scope="module")
def german_demo_app(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("demo_de") / "board.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        instance_path=path.parent / "instance",
        database_url=f"sqlite:///{path}",
        secret_key="test-secret",
        claim_limit=5,
        testing=True,
    )
    app = create_app({"TESTING": True}, settings=settings)
    result = app.test_cli_runner().invoke(args=["demo", "--language", "de"])
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["board_db"].dispose()


def test_the_german_story_has_a_text_for_every_part_of_the_english_one():
    assert set(demo_story_de.PROMPTS) == set(demo_story.PROMPTS)
    assert set(demo_story_de.IDEAS) == {idea[0] for idea in demo_story.IDEAS}
    assert set(demo_story_de.TASKS) == {task[0] for task in demo_story.TASKS}
    assert len(demo_story_de.COMMENTS) == len(demo_story.COMMENTS)
    assert len(demo_story_de.NUDGES) == len(demo_story.NUDGES)
    assert set(demo_story_de.DEPARTMENTS) == set(demo_story.DEPARTMENTS)


def test_the_demo_tells_its_story_in_german(german_demo_app, demo_app):
    lena = api_client(german_demo_app)
    assert lena.get("/api/v1/me").get_json()["user"]["language"] == "de"
    departments = {d["name"] for d in lena.get("/api/v1/departments").get_json()}
    assert {"Vertrieb", "Kundenservice", "Logistik"} <= departments
    titles = {i["title"] for i in lena.get("/api/v1/ideas").get_json()["items"]}
    assert "Azubis übernehmen eine Woche lang unser Instagram" in titles
    assert not titles & {idea[3] for idea in demo_story.IDEAS}  # no English left over
    page = lena.get("/").get_data(as_text=True)
    assert "Hinter den Nähten" in page and "Aufgaben" in page  # German text, German page
    # the same story: as many events of each kind as in English
    english = Counter(e["type"] for e in demo_events(api_client(demo_app)))
    assert Counter(e["type"] for e in demo_events(lena)) == english


def test_the_german_demo_lists_its_logins_with_the_german_departments(german_demo_app):
    """`make run` prints the logins on every start: after `demo --language de` each with the
    department the board shows (Vertrieb), not the English story's (Sales)."""
    output = german_demo_app.test_cli_runner().invoke(args=["demo"]).output
    petra = next(line for line in output.splitlines() if "petra@" in line)
    assert "Vertrieb" in petra and "Sales" not in petra
    assert "Produktentwicklung" in output and "Customer Support" not in output


def test_the_story_reads_as_written_by_its_people():
    """A challenge's title does not start with "Challenge:": the board names the kind itself,
    and the inbox read 'New challenge: "Challenge: …"'. The German story quotes „so“."""
    titles = [spec["title"] for spec in demo_story.PROMPTS.values()]
    titles += [title for title, _body in demo_story_de.PROMPTS.values()]
    assert not [title for title in titles if title.split(":")[0].lower() in {"challenge", "prompt"}]
    german = [*demo_story_de.COMMENTS, *demo_story_de.NUDGES]
    for texts in (demo_story_de.PROMPTS, demo_story_de.IDEAS, demo_story_de.TASKS):
        german += [text for pair in texts.values() for text in pair]
    assert not [text for text in german if '"' in text]


def test_the_demo_happens_in_working_hours(demo_app):
    """Nordkamm works 8 to 18 in Germany: no comment at 00:35, no deadline at 22:12."""
    with demo_app.extensions["board_db"].Session() as session:
        times = session.scalars(select(Event.at)).all()
        deadlines = session.execute(select(Prompt.submissions_close_at, Prompt.voting_close_at))
        times += [moment for pair in deadlines for moment in pair if moment is not None]
    hours = {(t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(STORY_ZONE).hour for t in times}
    assert hours <= set(range(8, 18)), sorted(hours)


@pytest.mark.parametrize("hour", [0, 7, 8, 12, 17, 18, 23])
@pytest.mark.parametrize("day", ["2026-03-29", "2026-06-15", "2026-10-25"])  # DST days too
def test_the_story_keeps_its_order_and_never_passes_now(day, hour):
    now = datetime.fromisoformat(f"{day}T{hour:02}:30").replace(tzinfo=STORY_ZONE)
    anchor = story_moment_of(now)
    days = [30, 4.2, 4.19, 1, 0.5, 0.05, 0.04, 0]
    moments = [in_working_hours(anchor - timedelta(days=d)) for d in days]
    assert moments == sorted(set(moments))  # in order, none on top of another
    assert moments[-1] <= now + timedelta(minutes=12)  # the story clamps the wave at now
    assert now - moments[-2] < timedelta(hours=16)  # the last hour of work is recent
    assert len({m.minute for m in moments[1:]}) > 2  # not all at one minute past the hour
