"""Logout ends that login's sockets; a role change or removal ends that person's sockets."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import update

from board import realtime
from models import User
from tests.conftest import BOTH_DATABASES, PASSWORD, ROOT, make_user
from tests.realtime_helpers import activity, connect


def test_logout_ends_the_sockets_of_that_login_only(app, people_):
    laptop, phone = people_.client("member"), people_.client("member")
    colleague = people_.client("other_member")
    laptop_tabs = [connect(app, laptop), connect(app, laptop)]
    phone_tab, colleague_tab = connect(app, phone), connect(app, colleague)

    assert laptop.post("auth/logout").status_code == 204

    assert [tab.is_connected() for tab in laptop_tabs] == [False, False]
    assert phone_tab.is_connected() and colleague_tab.is_connected()
    phone.post("ideas", json={"title": "Still here", "body": ""})
    assert [e["type"] for e in activity(phone_tab)] == ["idea.created"]
    assert [e["type"] for e in activity(colleague_tab)] == ["idea.created"]


def test_a_logged_out_session_cannot_open_a_socket_again(app, member):
    member.post("auth/logout")
    assert not connect(app, member).is_connected()


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=["users", *args])
    assert result.exit_code == 0, result.output
    return result


def test_a_role_change_ends_that_persons_sockets_at_once(app, people_):
    facilitator = people_.client("facilitator")
    member = people_.client("member")
    tabs = [connect(app, facilitator), connect(app, facilitator)]
    bystander = connect(app, member)

    cli(app, "set-role", "sam@example.com", "member")

    assert [tab.is_connected() for tab in tabs] == [False, False]
    assert bystander.is_connected()
    assert not connect(app, facilitator).is_connected()  # the old login is void
    assert facilitator.get("me").status_code == 401


def test_removal_ends_that_persons_sockets_at_once(app, people_):
    leaving = people_.client("other_member")
    staying = people_.client("member")
    tab, bystander = connect(app, leaving), connect(app, staying)

    cli(app, "remove", "ivan@example.com")

    assert not tab.is_connected()
    assert bystander.is_connected()
    staying.post("ideas", json={"title": "After", "body": ""})
    # Ivan leaves the people page (person.left), and the board goes on.
    assert [e["type"] for e in activity(bystander)] == ["person.left", "idea.created"]


@BOTH_DATABASES  # the check reads through the driver's own connection, each its own way
def test_a_change_made_by_another_process_ends_sockets_before_the_next_emit(app, settings, people_):
    """Without a message queue the CLI, running in its own process, cannot reach the
    server: the server re-checks its sockets before it sends anything."""
    leaving, staying = people_.client("other_member"), people_.client("member")
    tab, bystander = connect(app, leaving), connect(app, staying)
    staying.post("ideas", json={"title": "Before", "body": ""})  # a check already ran
    activity(tab), activity(bystander)
    env = {
        **os.environ,
        "BOARD_DATABASE_URL": settings.database_url,
        "BOARD_INSTANCE_PATH": str(settings.instance_path),
        "BOARD_SECRET_KEY": "test",
    }
    env.pop("BOARD_MESSAGE_QUEUE", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "users", "remove", "ivan@example.com"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr

    assert tab.is_connected()  # nothing has told this process yet
    staying.post("ideas", json={"title": "Secret plans", "body": ""})

    assert not tab.is_connected()
    assert activity(tab) == []
    assert [e["type"] for e in activity(bystander)] == ["idea.created"]


def test_the_heartbeat_recheck_ends_stale_sockets_without_any_emit(app, db, people_):
    leaving, staying = people_.client("other_member"), people_.client("member")
    tab, bystander = connect(app, leaving), connect(app, staying)
    # as the CLI of another process would leave it: the version moved on, nobody told us
    db.execute(
        update(User)
        .where(User.email == "ivan@example.com")
        .values(session_version=User.session_version + 1)
    )
    db.commit()

    ended = realtime.live().revalidate()

    assert len(ended) == 1
    assert not tab.is_connected() and bystander.is_connected()
    assert realtime.live().revalidate() == []


def test_a_new_login_after_the_role_change_connects_with_the_new_role(app, people_):
    from tests.conftest import JsonClient

    cli(app, "set-role", "sam@example.com", "observer")
    again = JsonClient(app.test_client()).login("sam@example.com", PASSWORD)
    assert again.user["role"] == "observer"
    assert connect(app, again).is_connected()


@BOTH_DATABASES
def test_a_person_switched_off_by_plain_sql_loses_their_sockets_at_the_next_emit(app, db, people_):
    """Whoever turns `active` off (a script, a database console) ends the person's
    sockets before the next event goes out, even without a new session version."""
    leaving, staying = people_.client("other_member"), people_.client("member")
    tab, bystander = connect(app, leaving), connect(app, staying)
    staying.post("ideas", json={"title": "Before", "body": ""})  # a check already ran
    activity(tab), activity(bystander)
    db.execute(update(User).where(User.email == "ivan@example.com").values(active=False))
    db.commit()

    staying.post("ideas", json={"title": "Secret plans", "body": ""})

    assert not tab.is_connected()
    assert activity(tab) == []
    assert [e["type"] for e in activity(bystander)] == ["idea.created"]


@BOTH_DATABASES
def test_people_joining_or_renamed_do_not_make_each_pass_check_every_socket(
    app, db, people_, monkeypatch
):
    """The check before a pass looks at every socket only when a session may have ended:
    a newcomer or a new name leaves the sockets as they are, and unchecked."""
    member = people_.client("member")
    tab = connect(app, member)
    member.post("ideas", json={"title": "Before", "body": ""})  # a check already ran
    activity(tab)
    full_checks = []
    revalidate = realtime.live().revalidate
    monkeypatch.setattr(
        realtime.live(), "revalidate", lambda: full_checks.append(1) or revalidate()
    )
    make_user(app, "newcomer")  # a person who joins after the check
    db.execute(
        update(User)
        .where(User.email == "ivan@example.com")
        .values(display_name="Iwan", display_name_key="iwan")
    )
    db.commit()

    member.post("ideas", json={"title": "After", "body": ""})
    assert [e["type"] for e in activity(tab)] == ["person.joined", "idea.created"]
    assert full_checks == []

    db.execute(
        update(User)
        .where(User.email == "ivan@example.com")
        .values(session_version=User.session_version + 1)
    )
    db.commit()
    member.post("ideas", json={"title": "Later", "body": ""})
    assert full_checks == [1]


@BOTH_DATABASES
def test_the_check_before_a_pass_outlives_its_connection_breaking(app, db, people_):
    """The check reads through a driver connection kept open between passes, outside any
    transaction: one that broke (a database restart) is replaced at the next pass, which
    still ends the sockets of a person switched off meanwhile."""
    leaving, staying = people_.client("other_member"), people_.client("member")
    tab, bystander = connect(app, leaving), connect(app, staying)
    staying.post("ideas", json={"title": "Before", "body": ""})  # a check already ran
    activity(tab), activity(bystander)
    database = app.extensions["board_db"]
    kept = database._own_driver  # noqa: SLF001 - the connection under test
    assert kept is not None
    if database.is_postgres:
        assert kept.info.transaction_status == 0  # idle: no transaction left open
    kept.close()
    db.execute(update(User).where(User.email == "ivan@example.com").values(active=False))
    db.commit()

    staying.post("ideas", json={"title": "Secret plans", "body": ""})

    assert not tab.is_connected()
    assert [e["type"] for e in activity(bystander)] == ["idea.created"]
    assert database._own_driver is not kept  # noqa: SLF001
