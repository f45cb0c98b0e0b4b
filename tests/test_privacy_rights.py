"""GDPR rights, judged by what the database and every reader hold afterwards: a copy of
my data (mine only, my votes included), erasure (API and CLI), retention and the CLI's
audit log."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from board import clock, ideas, mail, nudges, prompts, tasks
from board.personal_data import _scrub, run_retention
from models import (
    AuditEntry,
    Event,
    EventPerson,
    LoginSession,
    Notification,
    Nudge,
    OutgoingMail,
    Task,
    User,
    Vote,
)
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient
from tests.test_mail import deliver, frozen, mail_app, parts, smtp, team  # noqa: F401
from tests.test_queries import counted

ROLES = ("member", "other_member", "facilitator", "observer")


def session_of(app):
    return app.extensions["board_db"].Session()


@pytest.fixture
def busy_board(app, people_):
    """Mara (member) posts, votes, comments, holds a task and gets a nudge; Ivan does the
    same on his side, so that the export can show it leaves his data out."""
    with session_of(app) as session:
        mara = session.get(User, people_.user("member").id)
        ivan = session.get(User, people_.user("other_member").id)
        sam = session.get(User, people_.user("facilitator").id)
        mine = ideas.create_idea(session, mara, "Booth reel", "My secret plan")
        his = ideas.create_idea(session, ivan, "Server tour", "His secret plan")
        ideas.vote(session, mara, his["id"])
        ideas.vote(session, ivan, mine["id"])
        ideas.vote(session, sam, mine["id"])
        ideas.add_comment(session, ivan, mine["id"], "Looks great from here")
        ideas.add_comment(session, mara, his["id"], "Count me in")
        held = tasks.create_task(session, ivan, "Film it", "", his["id"])
        tasks.claim_task(session, mara, held["id"], claim_limit=5)
        nudges.send_nudge(session, sam, "Hi Mara, how is it going?", to_user_id=mara.id)
        nudges.send_nudge(session, sam, "Hi Ivan, private for Ivan", to_user_id=ivan.id)
        challenge = prompts.create_prompt(
            session,
            sam,
            "challenge",
            "Best idea?",
            submissions_close_at=clock.now() + timedelta(minutes=30),
            voting_close_at=clock.now() + timedelta(hours=1),
        )
        entry = ideas.create_idea(session, ivan, "Challenge entry", "", prompt_id=challenge["id"])
        ideas.vote(session, mara, entry["id"])
        session.commit()
    return {"mine": mine, "his": his, "held": held, "challenge": challenge, "entry": entry}


# ---- export ------------------------------------------------------------------------------


@BOTH_DATABASES
@pytest.mark.parametrize("role", ROLES)
def test_every_role_exports_its_own_data(app, people_, role):
    client = people_.client(role)
    answer = client.get("me/export")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    data = answer.get_json()
    for key in (
        "user",
        "ideas",
        "comments",
        "votes",
        "tasks",
        "nudges",
        "notifications",
        "follows",
    ):
        assert key in data
    assert data["user"]["email"] == people_.user(role).email


def test_export_needs_a_login(anonymous):
    assert anonymous.get("me/export").status_code == 401


@BOTH_DATABASES
def test_the_export_holds_my_votes_and_nobody_elses_data(app, people_, busy_board):
    data = people_.client("member").get("me/export").get_json()
    text = json.dumps(data)
    assert [i["title"] for i in data["ideas"]] == ["Booth reel"]
    assert {v["idea_id"] for v in data["votes"]} == {
        busy_board["his"]["id"],
        busy_board["entry"]["id"],
    }
    assert [c["body"] for c in data["comments"]] == ["Count me in"]
    assert [t["id"] for t in data["tasks"] if t["held_by_me"]] == [busy_board["held"]["id"]]
    assert [n["message"] for n in data["nudges"]["received"]] == ["Hi Mara, how is it going?"]
    # Nobody else's: not Ivan's idea text, comment, nudge or e-mail, nor who voted for mine.
    for foreign in (
        "His secret plan",
        "Looks great from here",
        "private for Ivan",
        "ivan@example.com",
        "sam@example.com",
        "Ivan",
        "Sam",
    ):
        assert foreign not in text, foreign


# ---- erasure -----------------------------------------------------------------------------


def assert_erased(app, user_id: int, name: str, email: str, handle: str) -> None:
    with session_of(app) as session:
        user = session.get(User, user_id)
        assert not user.active and user.erased_at is not None
        assert name not in user.display_name and user.handle is None
        assert email not in user.email
        assert session.scalar(select(func.count()).where(LoginSession.user_id == user_id)) == 0
        for row in session.scalars(select(Event)):
            text = json.dumps(row.envelope)
            assert email not in text and f'"{name}"' not in text and f'"{handle}"' not in text


def tallies(client, idea_ids):
    return {i: client.get(f"ideas/{i}").get_json()["votes"] for i in idea_ids}


@BOTH_DATABASES
@pytest.mark.parametrize("role", ROLES)
def test_erasing_myself_with_my_password(app, people_, busy_board, role):
    user = people_.user(role)
    client = people_.client(role)
    copied = client.client.get_cookie("session").value
    wrong = client.delete("me", json={"password": "not-my-password"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "wrong_password"
    assert client.delete("me", json={}).status_code == 400
    assert client.get("me").status_code == 200  # nothing happened
    answer = client.delete("me", json={"password": PASSWORD})
    assert answer.status_code == 204
    assert_erased(app, user.id, user.display_name, user.email, user.handle)
    # Logged out, the copied cookie refused, no login possible.
    assert client.get("me").status_code == 401
    thief = JsonClient(app.test_client())
    thief.client.set_cookie("session", copied)
    assert thief.get("me").status_code == 401
    again = JsonClient(app.test_client()).post(
        "auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert again.status_code == 401


@BOTH_DATABASES
def test_an_erasure_takes_the_name_out_of_mails_to_other_people(
    mail_app,  # noqa: F811 - the fixtures of tests/test_mail.py
    smtp,  # noqa: F811
    team,  # noqa: F811
    frozen,  # noqa: F811
):
    """A mail already sent keeps no copy of the name in the queue; one still waiting goes
    out saying "former member" in its reader's language; other words stay as written."""
    _, inbox = smtp
    team["ivan"].patch("me", json={"email_notifications": "instant"})
    team["sam"].patch("me", json={"email_notifications": "instant", "language": "de"})
    team["mara"].post("ideas", json={"title": "Booth reel", "body": "@ivan can you?"})
    assert deliver(mail_app) == 1  # Ivan's, sent
    team["mara"].post("ideas", json={"title": "Maracuja launch", "body": "@sam und du?"})
    with mail_app.app_context(), mail_app.extensions["board_db"].Session() as session:
        assert mail.queue_instant_mails(session, mail_app) == 1  # Sam's, not sent yet

    assert team["mara"].delete("me", json={"password": PASSWORD}).status_code == 204

    with mail_app.extensions["board_db"].Session() as session:
        left = session.scalars(select(OutgoingMail)).all()
        assert [row.to_address for row in left] == ["sam@example.com"]
        for row in left:
            for part in (row.subject, row.text_body, row.html_body):
                assert not re.search(r"\bMara\b", part) and "mara@example.com" not in part
    assert mail.send_pending(mail_app) == 1
    [message] = inbox.to("sam@example.com")
    assert message["Subject"] == "Ehemaliges Mitglied hat dich in „Maracuja launch“ erwähnt"
    text, html = parts(message)
    assert "Ehemaliges Mitglied" in text and "Ehemaliges Mitglied" in html
    assert not re.search(r"\bMara\b", text + html)


def _erase_on_profile(client, data: dict):
    form = {"csrf_token": client.csrf_token, **data}
    return client.client.post("/profile/erase", data=form, follow_redirects=True)


@pytest.mark.parametrize("role", ROLES)
def test_erasing_myself_on_my_profile_page(app, people_, busy_board, role):
    user = people_.user(role)
    client = people_.client(role)
    assert 'action="/profile/erase"' in client.client.get("/profile").get_data(as_text=True)
    # Not ticked, or the wrong password: nothing happens, and the page says why.
    unticked = _erase_on_profile(client, {"password": PASSWORD})
    assert "Tick the box" in unticked.get_data(as_text=True)
    wrong = _erase_on_profile(client, {"password": "not-my-password", "confirm": "1"})
    assert "That is not your password, so your account is not erased." in wrong.get_data(
        as_text=True
    )
    assert client.get("me").status_code == 200
    with session_of(app) as session:
        assert session.get(User, user.id).erased_at is None

    erased = _erase_on_profile(client, {"password": PASSWORD, "confirm": "1"})
    assert erased.request.path == "/login"
    assert "Your account is erased." in erased.get_data(as_text=True)
    assert_erased(app, user.id, user.display_name, user.email, user.handle)
    assert client.get("me").status_code == 401
    again = JsonClient(app.test_client()).post(
        "auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert again.status_code == 401
    # What they wrote stays, under "former member".
    if role == "member":
        reader = people_.client("other_member")
        idea = reader.get(f"ideas/{busy_board['mine']['id']}").get_json()
        assert idea["title"] == "Booth reel" and idea["author"]["display_name"] != "Mara"


@BOTH_DATABASES
def test_erasure_keeps_content_and_tallies_and_opens_held_tasks(app, people_, busy_board):
    ivan = people_.client("other_member")
    mine, his, entry = busy_board["mine"], busy_board["his"], busy_board["entry"]
    # The challenge closes; its tallies are what they are.
    later = clock.now() + timedelta(hours=2)
    clock.set_clock(lambda: later)
    before = tallies(ivan, [mine["id"], his["id"], entry["id"]])
    result = app.test_cli_runner().invoke(args=["users", "erase", "mara@example.com", "--yes"])
    assert result.exit_code == 0, result.output
    mara = people_.user("member")
    assert_erased(app, mara.id, "Mara", "mara@example.com", "mara")
    assert tallies(ivan, [mine["id"], his["id"], entry["id"]]) == before
    idea = ivan.get(f"ideas/{mine['id']}").get_json()
    assert idea["title"] == "Booth reel" and idea["author"]["display_name"] == "Former member"
    comments = ivan.get(f"ideas/{his['id']}/comments").get_json()
    assert [c["author"]["display_name"] for c in comments] == ["Former member"]
    task = ivan.get(f"tasks/{busy_board['held']['id']}").get_json()
    assert task["status"] == "open" and task["claimed_by"] is None
    released = ivan.get("events?after=0&limit=1000").get_json()["items"][-1]
    assert released["type"] == "task.released" and released["data"]["reason"] == "member_left"
    assert released["actor"] is None
    with session_of(app) as session:
        assert session.scalar(select(func.count()).where(Vote.user_id == mara.id)) == 2
        assert session.scalar(select(func.count()).where(Nudge.to_user_id == mara.id)) == 0
        assert session.get(Task, busy_board["held"]["id"]).claimed_by_id is None
    # The feed, its CSV and Atom no longer carry the name.
    for path in ("/feed?period=all", "/feed.csv?period=all"):
        assert "Mara" not in ivan.get(path).get_data(as_text=True), path
    atom = ivan.post("feed/token").get_json()["atom_url"].split("/feed/", 1)[1]
    assert "Mara" not in ivan.get("/feed/" + atom).get_data(as_text=True)
    german = ivan.get(f"ideas/{mine['id']}", headers={"Accept-Language": "de"}).get_json()
    assert german["author"]["display_name"] == "Ehemaliges Mitglied"  # the reader's language
    ivan.patch("me", json={"language": "de"})
    page = ivan.get(f"/ideas/{mine['id']}").get_data(as_text=True)
    assert "Ehemaliges Mitglied" in page


@BOTH_DATABASES
def test_a_task_the_person_made_and_held_goes_back_to_open_without_their_name(app, people_):
    """The release the erasure records is written with its COMMIT, after the log was
    rewritten: made before the name was gone, it named the task's maker for good."""
    mara = people_.client("member")
    task = mara.post("tasks", json={"title": "My own task"}).get_json()
    assert mara.post(f"tasks/{task['id']}/claim").status_code == 200
    assert mara.delete("me", json={"password": PASSWORD}).status_code == 204
    assert_erased(app, people_.user("member").id, "Mara", "mara@example.com", "mara")
    released = people_.client("other_member").get("events?after=0&limit=1000").get_json()
    last = released["items"][-1]
    assert last["type"] == "task.released" and last["data"]["reason"] == "member_left"
    assert last["data"]["task"]["created_by"]["display_name"] == "Former member"
    assert last["data"]["task"]["status"] == "open"


@BOTH_DATABASES
def test_a_company_account_erases_itself_only_after_a_fresh_login(app, people_):
    with session_of(app) as session:
        user = session.get(User, people_.user("member").id)
        user.password_hash = "!company-login"
        session.commit()
    client = JsonClient(app.test_client())
    # A company login is the only way in for such an account: its session is made here the
    # way the callback leaves it (tests/test_oidc.py drives the real flow).
    with client.client.session_transaction() as cookie:
        cookie["_user_id"] = f"{user.id}:{user.session_version}"
        cookie["board_sid"] = "company-login-session"
        cookie["oidc"] = True
        cookie["login_at"] = (clock.now() - timedelta(minutes=11)).timestamp()
        cookie["_fresh"] = True
    client.csrf_token = client.get("me").get_json()["csrf_token"]
    stale = client.delete("me", json={})
    assert stale.status_code == 403
    assert stale.get_json()["error"]["code"] == "fresh_login_required"
    with client.client.session_transaction() as cookie:
        cookie["login_at"] = (clock.now() - timedelta(minutes=2)).timestamp()
    assert client.delete("me", json={}).status_code == 204
    with session_of(app) as session:
        assert session.get(User, user.id).erased_at is not None


def test_erasing_an_unknown_person_is_a_clear_cli_error(app):
    result = app.test_cli_runner().invoke(args=["users", "erase", "nobody@example.com", "--yes"])
    assert result.exit_code != 0 and "No user" in result.output


def named_in_the_log(app) -> set[tuple[int, int]]:
    """(seq, person) of each person each envelope names, as the erasure's `_scrub` finds
    them, asked of every person for every envelope."""
    with session_of(app) as session:
        people = list(session.scalars(select(User.id)))
        return {
            (row.seq, person)
            for row in session.scalars(select(Event))
            for person in people
            if _scrub(row.envelope, person)[1]
        }


def indexed(app) -> set[tuple[int, int]]:
    with session_of(app) as session:
        return {tuple(row) for row in session.execute(select(EventPerson.seq, EventPerson.user_id))}


@BOTH_DATABASES
def test_the_log_lists_whom_each_envelope_names_whoever_wrote_it(app, people_, busy_board):
    """The erasure rewrites the envelopes `event_people` lists for the person (a trigger
    writes them with each event row, from the envelope) instead of reading the whole log:
    the same envelopes `_scrub` would rewrite, for everyone: authors, claimants, actors,
    a nudge's people, and a row written without the board's own record()."""
    mara, ivan = people_.user("member"), people_.user("other_member")
    with session_of(app) as session:
        envelope = {
            "type": "task.updated",
            "actor": None,
            "data": {"task": {"claimed_by": {"id": ivan.id, "display_name": "Ivan"}}},
            "nested": [[{"id": mara.id, "display_name": None}], {"id": 999, "name": "no person"}],
        }
        session.add(Event(type="task.updated", private=False, envelope=envelope))
        session.commit()
    named = named_in_the_log(app)
    assert {person for _seq, person in named} >= {mara.id, ivan.id}
    assert indexed(app) == named
    # Deleting events deletes their rows (the retention's private ones).
    with session_of(app) as session:
        run_retention(session, clock.now() + timedelta(days=366), 365)
    assert indexed(app) == named_in_the_log(app) != named


@BOTH_DATABASES
def test_the_erasure_rewrites_only_the_envelopes_naming_the_person(app, people_, busy_board):
    """Each envelope that names Mara, found by `event_people`: the log is not read whole."""
    mara = people_.user("member")
    with session_of(app) as session:
        session.add(
            Event(
                type="idea.updated",
                private=False,
                envelope={"data": {"idea": {"author": {"id": mara.id, "display_name": "Mara"}}}},
            )
        )
        session.commit()
    naming = {seq for seq, person in named_in_the_log(app) if person == mara.id}
    with counted(app) as statements:
        result = app.test_cli_runner().invoke(args=["users", "erase", "mara@example.com", "--yes"])
    assert result.exit_code == 0, result.output
    assert_erased(app, mara.id, "Mara", "mara@example.com", "mara")
    # Envelopes read other than one by its seq (a nudge's, to tell who it went to).
    read = [
        s
        for s in statements
        if re.search(r"SELECT events\.seq, .*events\.envelope", s, re.S)
        and not re.search(r"WHERE events\.seq = \S+$", s.strip())
    ]
    assert len(read) == 1 and "FROM event_people" in read[0], read
    with session_of(app) as session:
        kept = {seq for seq in naming if session.get(Event, seq) is not None}  # not her nudges
        scrubbed = {
            row.seq
            for row in session.scalars(select(Event))
            if "Former member" in json.dumps(row.envelope) and row.type != "person.left"
        }
        [left] = session.scalars(select(Event).where(Event.type == "person.left"))
    assert scrubbed == kept and len(kept) >= 4  # her idea, comment, claim; the one above
    # Her leaving, written after her name was gone, names only a former member.
    assert left.envelope["data"]["person"]["display_name"] == "Former member"


# ---- retention ---------------------------------------------------------------------------


@BOTH_DATABASES
def test_retention_deletes_old_private_data_only(app, people_, busy_board):
    with session_of(app) as session:
        private_before = session.scalar(select(func.count()).where(Event.private.is_(True)))
        public_before = session.scalar(select(func.count()).where(Event.private.is_(False)))
        assert private_before and session.scalar(select(func.count(Nudge.id)))
        assert run_retention(session, clock.now(), 365) == {
            "notifications": 0,
            "nudges": 0,
            "private_events": 0,
            "mails": 0,
        }
        later = clock.now() + timedelta(days=366)
        counts = run_retention(session, later, 365)
        assert counts["nudges"] == 2 and counts["private_events"] == private_before
        assert session.scalar(select(func.count(Nudge.id))) == 0
        assert session.scalar(select(func.count(Notification.id))) == 0
        assert session.scalar(select(func.count()).where(Event.private.is_(True))) == 0
        # The public board stays as it was.
        assert session.scalar(select(func.count()).where(Event.private.is_(False))) == public_before


@BOTH_DATABASES
def test_retention_runs_from_the_cli_and_the_servers_schedule(app, people_, busy_board):
    from board.scheduler import housekeeping

    later = clock.now() + timedelta(days=400)
    clock.set_clock(lambda: later)
    assert housekeeping(app) > 0
    with session_of(app) as session:
        assert session.scalar(select(func.count(Nudge.id))) == 0
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "older than 365 days" in result.output


# ---- audit -------------------------------------------------------------------------------


@BOTH_DATABASES
def test_cli_changes_are_audited_and_listed(app, people_):
    runner = app.test_cli_runner()
    for args in (
        ["users", "set-role", "mara@example.com", "facilitator"],
        ["webhooks", "add", "https://chat.example.com/hook/secret-token", "--format", "slack"],
        ["users", "erase", "ivan@example.com", "--yes"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with session_of(app) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["users.set-role", "webhooks.add", "users.erase"]
        assert all(e.ran_by and e.at for e in entries)
        assert entries[0].detail == "role member -> facilitator"
    listed = runner.invoke(args=["audit", "list"]).output
    assert "users.set-role" in listed and "users.erase" in listed and "webhooks.add" in listed
    assert "ivan@example.com" not in listed and "erased" in listed
    assert "secret-token" not in listed  # a chat webhook URL is a credential


@pytest.mark.parametrize(
    ("language", "name"), [("en", "my-board-data.json"), ("de", "meine-board-daten.json")]
)
def test_the_export_is_named_in_its_owners_language(people_, language, name):
    """A German page's "Meine Daten herunterladen" saved my-board-data.json, though the
    feed's CSV beside it is named aktivitaet-….csv."""
    client = people_.client("member")
    client.patch("me", json={"language": language})
    answer = client.get("me/export")
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    page = client.client.get("/profile").get_data(as_text=True)
    assert f'href="/api/v1/me/export" download="{name}"' in page
