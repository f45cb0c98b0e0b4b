"""flask --app app users create|set-role|remove: the only way roles are given or changed."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from board import create_app
from models import Department, User
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient


def users(app, *args: str):
    return app.test_cli_runner().invoke(args=["users", *args])


def create(
    app,
    email: str,
    *,
    role: str | None = None,
    department: str = "Marketing",
    password: str = PASSWORD,
    name: str = "Rita",
):
    args = ["create", email, "--password", password, "--name", name, "--department", department]
    if role is not None:
        args += ["--role", role]
    return users(app, *args)


def stored(app, email: str) -> User | None:
    with app.extensions["board_db"].Session() as session:
        return session.scalar(select(User).where(User.email == email))


def departments(app) -> list[str]:
    with app.extensions["board_db"].Session() as session:
        return sorted(session.scalars(select(Department.name)))


@pytest.mark.parametrize("role", ["member", "facilitator", "observer"])
def test_create_gives_any_role(app, role):
    result = create(app, "rita@example.com", role=role)
    assert result.exit_code == 0, result.output
    assert f"Created {role} rita@example.com" in result.output
    user = stored(app, "rita@example.com")
    assert (user.role, user.display_name, user.active) == (role, "Rita", True)
    client = JsonClient(app.test_client()).login("rita@example.com")
    assert client.user["role"] == role


def test_create_defaults_to_member(app):
    assert create(app, "rita@example.com").exit_code == 0
    assert stored(app, "rita@example.com").role == "member"


def test_create_makes_a_missing_department_and_reuses_an_existing_one(app):
    create(app, "rita@example.com", department="Human Resources")
    create(app, "tom@example.com", department="human resources ")
    assert departments(app) == ["Human Resources"]
    assert (
        stored(app, "tom@example.com").department_id
        == stored(app, "rita@example.com").department_id
    )


def test_created_facilitator_has_facilitator_powers(app):
    create(app, "sam@example.com", role="facilitator")
    client = JsonClient(app.test_client()).login("sam@example.com")
    idea = client.post("ideas", json={"title": "T", "body": ""}).get_json()
    note = client.post(f"ideas/{idea['id']}/comments", json={"body": "n", "mentor_note": True})
    assert note.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "Xy7!" * 257}, "password: At most 1024 characters."),  # login cuts it
        ({"name": "   "}, "display_name"),
        ({"department": "   "}, "department"),
        ({"department": "x" * 81}, "department"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(app, overrides, message):
    result = create(app, "rita@example.com", **overrides)
    assert result.exit_code == 1
    assert message in result.output
    assert stored(app, "rita@example.com") is None
    assert departments(app) == []


def test_create_refuses_an_invalid_email(app):
    result = create(app, "not-an-email")
    assert result.exit_code == 1
    assert "email" in result.output


def test_create_refuses_a_taken_email(app):
    create(app, "rita@example.com")
    result = create(app, "RITA@example.com", role="facilitator")
    assert result.exit_code == 1
    assert "already registered" in result.output
    assert stored(app, "rita@example.com").role == "member"


def test_create_refuses_an_unknown_role(app):
    result = create(app, "rita@example.com", role="admin")
    assert result.exit_code == 2
    assert stored(app, "rita@example.com") is None


def test_set_role_changes_the_role(app, people_):
    result = users(app, "set-role", "mara@example.com", "facilitator")
    assert result.exit_code == 0, result.output
    assert "mara@example.com is now facilitator" in result.output
    assert stored(app, "mara@example.com").role == "facilitator"


def test_set_role_ends_the_old_session_at_once(app, member):
    idea = member.post("ideas", json={"title": "Before", "body": ""}).get_json()
    users(app, "set-role", "mara@example.com", "observer")
    assert member.get("me").status_code == 401
    refused = member.post("ideas", json={"title": "After", "body": ""})
    assert refused.status_code in (400, 401)  # the old session and its CSRF token are gone
    member.login("mara@example.com")
    assert member.get("me").get_json()["user"]["role"] == "observer"
    response = member.put(f"ideas/{idea['id']}/vote")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "read_only"


def test_a_promoted_member_gets_the_new_powers_after_logging_in_again(app, member):
    idea = member.post("ideas", json={"title": "T", "body": ""}).get_json()
    users(app, "set-role", "mara@example.com", "facilitator")
    assert member.get("ideas").status_code == 401
    member.login("mara@example.com")
    note = member.post(f"ideas/{idea['id']}/comments", json={"body": "n", "mentor_note": True})
    assert note.status_code == 201


def test_set_role_refuses_unknown_people_and_roles(app, people_):
    unknown = users(app, "set-role", "nobody@example.com", "member")
    assert unknown.exit_code == 1
    assert "nobody@example.com" in unknown.output
    bad_role = users(app, "set-role", "mara@example.com", "admin")
    assert bad_role.exit_code == 2
    assert stored(app, "mara@example.com").role == "member"


def test_remove_ends_sessions_and_logins_but_keeps_the_work(app, member, other_member):
    idea = member.post("ideas", json={"title": "Stays", "body": ""}).get_json()
    result = users(app, "remove", "mara@example.com")
    assert result.exit_code == 0, result.output
    assert "can no longer log in" in result.output
    assert member.get("me").status_code == 401
    login = JsonClient(app.test_client()).post(
        "auth/login", json={"email": "mara@example.com", "password": PASSWORD}
    )
    assert login.status_code == 401
    assert other_member.get(f"ideas/{idea['id']}").get_json()["title"] == "Stays"


def test_remove_refuses_unknown_people(app):
    result = users(app, "remove", "nobody@example.com")
    assert result.exit_code == 1
    with app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(User.id))) == 0


def test_a_relative_instance_folder_serves_like_an_absolute_one(tmp_path, monkeypatch):
    """BOARD_INSTANCE_PATH=instance/de (README: a second demo board beside the first): Alembic
    took it from the current folder and the app stopped with Flask's "must be absolute"."""
    from board import create_app
    from board.settings import Settings, database_url_from_env

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOARD_INSTANCE_PATH", "instance/de")
    monkeypatch.delenv("BOARD_DATABASE_URL", raising=False)
    settings = Settings.from_env({"BOARD_INSTANCE_PATH": "instance/de", "BOARD_SECRET_KEY": "x"})
    assert settings.instance_path == tmp_path / "instance" / "de"
    assert database_url_from_env() == settings.database_url  # where Alembic migrates
    assert create_app({"TESTING": True}, settings=settings).instance_path == str(
        tmp_path / "instance" / "de"
    )


def test_make_run_loads_the_demo_in_the_language_asked_for():
    """README: `DEMO_LANGUAGE=de make run` serves the German story (make -n only prints)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent

    def demo_command(*settings: str) -> str:
        lines = subprocess.run(
            ["make", "-n", "-C", str(root), "demo", *settings],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        return next(line for line in lines if "--app app demo" in line)

    assert demo_command().endswith("demo --language en")
    assert demo_command("DEMO_LANGUAGE=de").endswith("demo --language de")


# ---- odd arguments: a clear one-line error, never a traceback (docs/security.md, issue 17) ----


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def refused_cleanly(result, exit_code: int = 2) -> str:
    """The command ended with a message of its own, not an exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    return result.output


@BOTH_DATABASES
@pytest.mark.parametrize(
    "number", ["99999999999999999999", "2147483648", "１", "²", "-1", "+1", ""]
)
@pytest.mark.parametrize(
    "command",
    [
        ("invites", "revoke", "--"),  # "--": "-1" is the argument, not an unknown option
        ("webhooks", "remove", "--"),
        ("audit", "list", "--limit"),
        ("invites", "create", "--days"),
        ("users", "reset-password", "mara@example.com", "--hours"),
    ],
)
def test_a_number_on_the_command_line_is_ascii_digits_an_id_can_hold(app, people_, command, number):
    """Click's int read "１" as 1, took "-1" (a negative LIMIT lists everything on SQLite and
    fails on PostgreSQL) and handed 20 digits to the driver: OverflowError, a traceback."""
    output = refused_cleanly(cli(app, *command, number))
    assert "is not a whole number" in output
    assert cli(app, "invites", "revoke", "2147483647").output.strip() == "Error: No such invite."


CREATE_RITA = ("users", "create", "r@example.com", "--password", PASSWORD)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("invites", "create", "--days", "365"), "expires_in_days: Between 1 and 90 days."),
        (("users", "reset-password", "mara@example.com", "--hours", "0"), "hours: Between 1 and"),
        (
            CREATE_RITA + ("--name", "\u200b", "--department", "Marketing"),
            "display_name: This must not be empty.",
        ),
        (
            CREATE_RITA + ("--name", "Rita", "--department", "\u202e"),
            "name: This must not be empty.",
        ),
    ],
)
def test_a_refusal_names_the_field_to_change(app, people_, args, says):
    """The services' "Some fields are missing or invalid." alone said nothing about what to
    change; the page shows each field's message, and so does the command line now."""
    output = refused_cleanly(cli(app, *args), exit_code=1)
    assert says in output
    assert "Some fields are missing or invalid." not in output


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("BOARD_RETENTION_DAYS", "１"),  # int() read it as 1
        ("BOARD_RETENTION_DAYS", "99999999999999999999"),  # retention run: OverflowError
        ("BOARD_DIGEST_HOUR", "24"),  # the digest's replace(hour=24): ValueError
        ("BOARD_PORT", "70000"),
        ("BOARD_HELP_DAYS", "²"),
    ],
)
def test_a_number_setting_follows_the_same_rule(tmp_path, name, raw):
    from board.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match=name):
        Settings.from_env(
            {"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_SECRET_KEY": "x", name: raw}
        )


def test_a_setting_the_board_cannot_run_with_is_one_line_not_a_traceback(tmp_path):
    """`flask --app app …` with BOARD_RETENTION_DAYS=abc printed a traceback ending in the
    SettingsError; every command and the server now say it in one line."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_RETENTION_DAYS": "abc"}
    env.pop("BOARD_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "audit", "list"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: BOARD_RETENTION_DAYS must be a whole number, got 'abc'"


@pytest.mark.parametrize(
    ("database", "says"),
    [
        ("sqlite", "no such table"),  # before `alembic upgrade head`
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "Connection refused"),  # a server down
    ],
)
@pytest.mark.parametrize(
    "args",
    [
        ("audit", "list"),
        ("users", "set-role", "mara@example.com", "member"),
        ("invites", "revoke", "1"),
        ("render-markdown",),
        ("demo",),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line_not_a_traceback(tmp_path, database, says, args):
    from board import create_app
    from board.settings import Settings

    if database == "sqlite":
        database = f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}"
    settings = Settings(
        instance_path=tmp_path / "instance",
        database_url=database,
        secret_key="test-secret",
        testing=True,
    )
    app = create_app({"TESTING": True}, settings=settings)
    try:
        output = refused_cleanly(cli(app, *args), exit_code=1)
    finally:
        app.extensions["board_db"].dispose()
    assert output.startswith("Error: The database cannot be used (")
    assert says in output and "alembic upgrade head" in output
    assert len(output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "command, path",
    [
        (("users", "reset-password", "rita@example.com"), "/reset-password/"),
        (("invites", "create"), "/register?invite="),
    ],
)
def test_a_link_for_it_to_pass_on_is_on_the_boards_address(settings, command, path):
    """Without --base-url these printed a bare path ("/register?invite=…") nobody can open;
    they take BOARD_BASE_URL, as the links in mails do, and --base-url still wins."""
    app = create_app(
        {"TESTING": True},
        settings=dataclasses.replace(settings, base_url="https://board.example.com"),
    )
    try:
        assert create(app, "rita@example.com").exit_code == 0
        runner = app.test_cli_runner()
        first_line = runner.invoke(args=list(command)).output.splitlines()[0]
        assert first_line.startswith(f"https://board.example.com{path}")
        given = [*command, "--base-url", "https://other.example/"]
        assert runner.invoke(args=given).output.startswith(f"https://other.example{path}")
    finally:
        app.extensions["board_db"].dispose()
