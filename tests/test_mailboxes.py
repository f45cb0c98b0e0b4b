"""One mailbox, one account: an address reads the same however it is typed (capitals, a
"ü" composed or decomposed, a domain in Unicode or in its ASCII form), at every door:
registration, login, the login limit, the allowed domains, a reset link, the CLI."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from board import create_app, people
from board.settings import Settings
from models import User
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient, make_user

pytestmark = BOTH_DATABASES

UNICODE_DOMAIN = "d@bücher.de"
ASCII_DOMAIN = "d@xn--bcher-kva.de"
COMPOSED = "d\u00fcrer@example.com"  # "ü" as one character
DECOMPOSED = "du\u0308rer@example.com"  # "u" and a combining diaeresis, as macOS pastes it

SPELLINGS = [
    pytest.param(UNICODE_DOMAIN, ASCII_DOMAIN, id="unicode-then-ascii-domain"),
    pytest.param(ASCII_DOMAIN, "D@BÜCHER.DE", id="ascii-then-unicode-domain"),
    pytest.param(COMPOSED, DECOMPOSED, id="composed-then-decomposed"),
    pytest.param(DECOMPOSED, " D\u00dcRER@Example.com", id="decomposed-then-composed"),
]


def register(app, email: str):
    body = {
        "email": email,
        "password": PASSWORD,
        "display_name": "Dana Dürer",
        "department_id": 1,
    }
    return JsonClient(app.test_client()).post("auth/register", json=body)


def stored_addresses(app) -> list[str]:
    with app.extensions["board_db"].Session() as session:
        return list(session.scalars(select(User.email).order_by(User.id)))


@pytest.fixture
def department(app):
    make_user(app, "sam", "facilitator", "Communications")  # department 1 exists


@pytest.mark.parametrize("first, second", SPELLINGS)
def test_one_mailbox_registers_once_whatever_the_spelling(app, department, first, second):
    assert register(app, first).status_code == 201
    refused = register(app, second)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "email_taken"
    assert len(stored_addresses(app)) == 2


@pytest.mark.parametrize("first, second", SPELLINGS)
def test_an_account_logs_in_with_any_spelling_of_its_address(app, department, first, second):
    assert register(app, first).status_code == 201
    client = JsonClient(app.test_client()).login(second)
    assert client.user["display_name"] == "Dana Dürer"


def test_an_address_is_stored_composed_with_its_domain_in_ascii(app, department):
    assert register(app, "Dana.D\u0075\u0308rer@Bücher.DE").status_code == 201
    assert stored_addresses(app)[-1] == "dana.d\u00fcrer@xn--bcher-kva.de"


def test_the_login_limit_counts_one_mailbox_whatever_the_spelling(app, department):
    assert register(app, UNICODE_DOMAIN).status_code == 201
    client = JsonClient(app.test_client())
    for email in [UNICODE_DOMAIN] * 10 + [ASCII_DOMAIN] * 10:
        wrong = client.post("auth/login", json={"email": email, "password": "wrong-pass-123"})
        assert wrong.status_code == 401
    locked = client.post("auth/login", json={"email": ASCII_DOMAIN, "password": PASSWORD})
    assert locked.status_code == 429


def test_the_allowed_domains_take_either_spelling(settings, tmp_path):
    env = {
        "BOARD_INSTANCE_PATH": str(tmp_path),
        "BOARD_SECRET_KEY": "k",
        "BOARD_ALLOWED_EMAIL_DOMAINS": "Bücher.de, xn--mller-kva.example",
    }
    domains = Settings.from_env(env).allowed_email_domains
    assert domains == ("xn--bcher-kva.de", "xn--mller-kva.example")
    gated = create_app(
        {"TESTING": True}, settings=dataclasses.replace(settings, allowed_email_domains=domains)
    )
    try:
        make_user(gated, "sam", "facilitator", "Communications")
        assert register(gated, "a@xn--bcher-kva.de").status_code == 201
        assert register(gated, "b@BÜCHER.de").status_code == 201
        assert register(gated, "c@müller.example").status_code == 201
        refused = register(gated, "e@bucher.de")  # without the umlaut: another domain
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "email_domain_not_allowed"
        assert stored_addresses(gated)[1:] == [
            "a@xn--bcher-kva.de",
            "b@xn--bcher-kva.de",
            "c@xn--mller-kva.example",
        ]
    finally:
        gated.extensions["board_db"].dispose()


def test_the_cli_refuses_a_second_account_and_finds_the_first_by_either_spelling(app, department):
    cli = app.test_cli_runner()
    options = ["--password", PASSWORD, "--name", "Dana", "--department", "IT"]
    created = cli.invoke(args=["users", "create", UNICODE_DOMAIN, *options])
    assert created.exit_code == 0, created.output
    twice = cli.invoke(args=["users", "create", ASCII_DOMAIN, *options])
    assert twice.exit_code == 1
    assert "already registered" in twice.output
    assert len(stored_addresses(app)) == 2
    promoted = cli.invoke(args=["users", "set-role", "D@XN--BCHER-KVA.DE", "facilitator"])
    assert promoted.exit_code == 0, promoted.output
    with app.extensions["board_db"].Session() as session:
        assert people.find_user(session, UNICODE_DOMAIN).role == "facilitator"


def test_the_cli_finds_an_account_left_in_its_old_spelling(app, department):
    """An account the spelling migration could not rename (its mailbox had an account in
    the one spelling already) is found by the spelling it is stored in, so that the
    operator can remove it."""
    assert register(app, COMPOSED).status_code == 201
    with app.extensions["board_db"].Session() as session:
        left = people.find_user(session, COMPOSED)
        session.add(
            User(
                email=DECOMPOSED,
                password_hash=left.password_hash,
                display_name="Dana D.",
                role="member",
                department_id=1,
            )
        )
        session.commit()
    removed = app.test_cli_runner().invoke(args=["users", "remove", DECOMPOSED])
    assert removed.exit_code == 0, removed.output
    with app.extensions["board_db"].Session() as session:
        assert session.scalar(select(User.active).where(User.email == DECOMPOSED)) is False
        assert session.scalar(select(User.active).where(User.email == COMPOSED)) is True
