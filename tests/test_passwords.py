"""Passwords: long enough, not a common one, hashed with Argon2id; logins give nothing away."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from board import people
from models import User
from tests.conftest import PASSWORD, ROOT, JsonClient, make_user

PRODUCTION_HASHER = people._hasher  # before any test swaps it for a cheap one


def test_the_production_hash_is_argon2id_at_a_current_cost():
    from argon2 import Type

    params = PRODUCTION_HASHER
    assert params.type is Type.ID
    # OWASP's floor for Argon2id: 19 MiB of memory and two passes.
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2


def test_the_board_that_app_py_builds_hashes_at_the_production_cost(tmp_path):
    """The tests and the browser tests' server (tests/browser/serve.py) hash cheaply; the
    board as `python app.py` and `flask --app app` build it does not."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARD_")}
    env.update(
        BOARD_DATABASE_URL=f"sqlite:///{tmp_path / 'board.sqlite3'}",
        BOARD_INSTANCE_PATH=str(tmp_path / "instance"),
        BOARD_SECRET_KEY="production-cost-check",
    )
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "import app; from board import people; print(people.hash_password('x' * 20))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    from argon2 import Type, extract_parameters

    stored = extract_parameters(made.stdout.strip().splitlines()[-1])
    assert stored.type is Type.ID
    assert stored.memory_cost >= 19 * 1024 and stored.time_cost >= 2


def register(
    client: JsonClient, password: str, email: str = "new@example.com", name: str = "New Person"
):
    department_id = client.get("departments").get_json()[0]["id"]
    return client.post(
        "auth/register",
        json={
            "email": email,
            "password": password,
            "display_name": name,
            "department_id": department_id,
        },
    )


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "123456789",  # below the minimum length
        "1234567890",
        "qwertzuiop",
        "Password123",
        "PASSWORT123",
        "willkommen",  # common ones
        "Passwort2025!",
        "Sommer2026",
        "!!Admin!!2026",
        "Welcome12345",  # a common word + digits
        "zzzzzzzzzzzz",
        "abababababab",  # one or two characters over and over
    ],
)
def test_weak_passwords_are_refused_at_registration(people_, anonymous, password):
    response = register(anonymous, password)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert "password" in error["fields"]
    assert anonymous.get("me").status_code == 401  # no account, no session


def test_the_password_may_not_contain_the_email_or_name(people_, anonymous):
    response = register(anonymous, "newperson-1970", email="newperson@example.com", name="Someone")
    assert response.status_code == 400
    assert "email" in response.get_json()["error"]["fields"]["password"]


def test_the_password_messages_speak_german_too(people_, anonymous):
    anonymous.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    response = register(anonymous, "newperson-1970", email="newperson@example.com")
    assert response.status_code == 400
    assert "E-Mail-Adresse" in response.get_json()["error"]["fields"]["password"]


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,
        "lovely otter umbrella",
        "Tr1cky-Pelican-42",
        "two\nlines of it",
        "\u00fcberall-gr\u00fc\u00dfe",
    ],
)
def test_reasonable_passwords_are_accepted(people_, anonymous, password):
    assert register(anonymous, password).status_code == 201


def test_passwords_are_stored_as_argon2id_hashes(app, people_, anonymous):
    register(anonymous, PASSWORD)
    with app.extensions["board_db"].Session() as session:
        stored = session.scalar(select(User.password_hash).where(User.email == "new@example.com"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert people._hasher.verify(stored, PASSWORD)


def test_the_same_password_hashes_differently_each_time():
    assert people.hash_password(PASSWORD) != people.hash_password(PASSWORD)


def test_the_cli_refuses_weak_passwords_too(app):
    from board.errors import Invalid

    with app.extensions["board_db"].Session() as session, pytest.raises(Invalid):
        people.create_user(session, "weak@example.com", "password123", "Weak", "IT", "member")


def failed_login(app, email: str, password: str):
    return JsonClient(app.test_client()).post(
        "auth/login", json={"email": email, "password": password}
    )


def test_login_answers_unknown_emails_and_wrong_passwords_alike(app, people_):
    unknown = failed_login(app, "nobody@example.com", PASSWORD)
    wrong = failed_login(app, "mara@example.com", "not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()
    assert wrong.get_json()["error"]["code"] == "invalid_credentials"
    assert (
        "Set-Cookie" not in unknown.headers
        or "Set-Cookie" not in wrong.headers
        or (
            unknown.headers["Set-Cookie"].split("=")[0] == wrong.headers["Set-Cookie"].split("=")[0]
        )
    )


def test_a_removed_person_gets_the_same_answer(app, people_):
    with app.extensions["board_db"].Session() as session:
        people.remove_user(session, "mara@example.com")
    removed = failed_login(app, "mara@example.com", PASSWORD)
    unknown = failed_login(app, "nobody@example.com", PASSWORD)
    assert removed.status_code == unknown.status_code == 401
    assert removed.get_json() == unknown.get_json()


def test_an_unknown_email_still_costs_a_hash_check(app, people_, monkeypatch):
    """No timing shortcut: the answer for an unknown email runs Argon2 like a wrong password."""
    from argon2 import PasswordHasher

    calls = []

    class CountingHasher(PasswordHasher):
        def verify(self, hashed, password):
            calls.append(hashed)
            return super().verify(hashed, password)

    counting = CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(people, "_hasher", counting)
    failed_login(app, "nobody@example.com", PASSWORD)
    failed_login(app, "mara@example.com", "not-the-password")
    assert len(calls) == 2
    assert all(h.startswith("$argon2id$") for h in calls)


def test_logins_ignore_the_case_and_spaces_of_the_email(app):
    make_user(app, "mara")
    response = failed_login(app, "  MARA@Example.com ", PASSWORD)
    assert response.status_code == 200
