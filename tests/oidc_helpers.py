"""A real OpenID Connect provider on loopback (oidc-provider-mock) and the redirect dance
a browser does with it, over HTTP: the board's test client on one side, `requests` as the
person's browser at the provider on the other."""

from __future__ import annotations

import dataclasses
import socket
from urllib.parse import urlsplit

import requests

CLIENT_ID = "task-force-board"
CLIENT_SECRET = "not-a-real-secret"


def start_provider():
    """A context manager: the provider, listening on a free loopback port."""
    from oidc_provider_mock import run_server_in_thread

    # require_nonce: the provider refuses an authorization request without one, so a
    # board that forgot the nonce fails every test here.
    return run_server_in_thread(require_nonce=True)


def with_company_login(settings, issuer: str, **overrides):
    return dataclasses.replace(
        settings,
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        **overrides,
    )


def set_person(issuer: str, sub: str, **claims) -> None:
    """What the provider will say about `sub` in its next ID token."""
    response = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204, response.text


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local(url: str) -> str:
    """An absolute URL on the board as the test client's path and query."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def start_login(client, next_path: str | None = None):
    """The person presses "Sign in with …": the board answers with the provider's URL."""
    url = "/auth/oidc/login" + (f"?next={next_path}" if next_path else "")
    return client.get(url)


def at_provider(authorize_url: str, sub: str | None, deny: bool = False) -> str:
    """The person at the provider's page: logs in as `sub`, or presses "Deny". Returns
    where the provider sends the browser back to (the board's callback)."""
    data = {"action": "deny"} if deny else {"sub": sub}
    response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def company_login(client, sub: str, next_path: str | None = None, deny: bool = False):
    """The whole dance; returns the board's answer to the callback."""
    started = start_login(client, next_path)
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    callback = at_provider(started.headers["Location"], sub, deny=deny)
    assert urlsplit(callback).path == "/auth/oidc/callback"
    return client.get(local(callback))
