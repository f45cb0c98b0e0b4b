"""A logout, a role change (command line or company groups) or an erasure ends that session
for good: a copy of the old cookie stays refused after the server restarts, and when the
rate limiter's store (Redis) cannot be reached. The truth is in the database
(`ended_sessions` and each person's `session_version`), never in the limiter's store.

"Restart" here is a new app object on the same database, built the way `python app.py`
builds it; the thief is a Flask test client holding the copied cookie.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from board import create_app, oidc
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient

ROLES = ("member", "facilitator", "observer")
OTHER_ROLE = {"member": "observer", "facilitator": "member", "observer": "member"}
GROUP_OF = {"observer": ["sg-heads"], "member": [], "facilitator": ["sg-social-media"]}
UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


def restarted(settings, **changes):
    """A new server process on the same database (optionally with other settings)."""
    return create_app({"TESTING": True}, settings=replace(settings, **changes))


def refused_everywhere(app, cookie: str) -> None:
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/api/v1/me").status_code == 401
    page = thief.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert thief.get("/api/v1/ideas").status_code == 401


def end_by(how: str, app, settings, client: JsonClient, email: str, role: str) -> None:
    runner = app.test_cli_runner()
    if how == "logout":
        assert client.post("auth/logout").status_code == 204
    elif how == "role change (CLI)":
        result = runner.invoke(args=["users", "set-role", email, OTHER_ROLE[role]])
        assert result.exit_code == 0, result.output
    elif how == "role change (company groups)":
        # What the company login's callback does with the provider's verified claims
        # (tests/test_oidc.py drives the whole flow against a real provider).
        with_groups = replace(
            settings,
            oidc_issuer="https://login.example.com",
            oidc_client_id="board",
            oidc_client_secret="secret",
            oidc_facilitator_groups=("sg-social-media",),
            oidc_observer_groups=("sg-heads",),
        )
        claims = {
            "sub": f"{role}-subject",
            "email": email,
            "email_verified": True,
            "groups": GROUP_OF[OTHER_ROLE[role]],
        }
        with app.extensions["board_db"].Session() as session:
            assert oidc.sign_in(session, with_groups, claims).role == OTHER_ROLE[role]
    elif how == "erasure (API)":
        assert client.delete("me", json={"password": PASSWORD}).status_code == 204
    elif how == "erasure (CLI)":
        result = runner.invoke(args=["users", "erase", email, "--yes"])
        assert result.exit_code == 0, result.output
    else:
        raise AssertionError(how)


ENDINGS = [
    "logout",
    "role change (CLI)",
    "role change (company groups)",
    "erasure (API)",
    "erasure (CLI)",
]


@BOTH_DATABASES
@pytest.mark.parametrize("how", ENDINGS)
@pytest.mark.parametrize("role", ROLES)
def test_an_ended_session_stays_ended_after_a_restart(app, settings, people_, role, how):
    email = people_.user(role).email
    client = people_.client(role)
    copied = client.client.get_cookie("session").value
    end_by(how, app, settings, client, email, role)
    refused_everywhere(app, copied)
    app.extensions["board_db"].dispose()
    for changes in ({}, {"ratelimit_storage": UNREACHABLE_REDIS}):
        again = restarted(settings, **changes)
        try:
            refused_everywhere(again, copied)
        finally:
            again.extensions["board_db"].dispose()


@BOTH_DATABASES
@pytest.mark.parametrize("role", ROLES)
def test_a_live_session_survives_a_restart(app, settings, people_, role):
    """The control: without an ending, the same copy still works after a restart, so the
    refusals above come from the ending, not from the restart."""
    copied = people_.client(role).client.get_cookie("session").value
    app.extensions["board_db"].dispose()
    for changes in ({}, {"ratelimit_storage": UNREACHABLE_REDIS}):
        again = restarted(settings, **changes)
        try:
            client = again.test_client()
            client.set_cookie("session", copied)
            assert client.get("/api/v1/me").get_json()["user"]["email"] == people_.user(role).email
        finally:
            again.extensions["board_db"].dispose()


@BOTH_DATABASES
def test_logout_works_while_the_limiter_store_is_unreachable(settings, people_, app):
    """Ending a session never depends on Redis: with the limiter's store gone, a logout
    still ends it, and the copy is refused by this and any later server."""
    app.extensions["board_db"].dispose()
    cut_off = restarted(settings, ratelimit_storage=UNREACHABLE_REDIS)
    try:
        client = JsonClient(cut_off.test_client()).login("mara@example.com")
        copied = client.client.get_cookie("session").value
        assert client.post("auth/logout").status_code == 204
        refused_everywhere(cut_off, copied)
    finally:
        cut_off.extensions["board_db"].dispose()
    later = restarted(settings)
    try:
        refused_everywhere(later, copied)
    finally:
        later.extensions["board_db"].dispose()
