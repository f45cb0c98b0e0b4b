"""The company login's pages: `/auth/oidc/login` starts it, `/auth/oidc/callback` ends it.

Authlib's Flask client does the protocol: the issuer's discovery document, the
authorization code flow with PKCE (S256), `state` and `nonce` kept in the session, and
the ID token's signature (the provider's published keys), issuer, audience, expiry and
nonce checked before any claim is read. board/oidc.py then decides whose account it is.

Everything a person can meet on the way (provider down, login cancelled, a claim
missing, an account switched off) ends on a friendly page in their language, and a line
in the log for IT; never a 500.
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie_session

from board import clock, oidc, people
from board.db import db_for_request, writes_on_get
from board.errors import BoardError
from board.i18n import N_, _, current_language
from board.security import start_session
from board.settings import Settings
from board.web import web
from board.web.common import safe_next

log = logging.getLogger(__name__)


CLIENT_NAME = "company"
_NEXT = "oidc_next"
_ID_TOKEN = "oidc_id_token"
# An ID token larger than this (Entra ID lists groups in it) would overflow the 4 KB
# session cookie; logout at the provider then goes without the hint.
_MAX_ID_TOKEN_IN_COOKIE = 1500
TIMEOUT_SECONDS = 10


def init_oidc(app: Flask, settings: Settings) -> None:
    """Register the provider with Authlib when the three settings are there."""
    if not settings.oidc_enabled:
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{_issuer(settings)}/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings.oidc_scopes,
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT_SECONDS,
        },
    )
    app.extensions["board_oidc"] = oauth.create_client(CLIENT_NAME)


def _issuer(settings: Settings) -> str:
    return (settings.oidc_issuer or "").rstrip("/")


def _client():
    client = current_app.extensions.get("board_oidc")
    if client is None:
        abort(404)  # no company login configured on this board
    return client


def _settings() -> Settings:
    return current_app.extensions["board_settings"]


# Why a login did not work, in the person's words (the code goes to the log for IT).
FAILURES = {
    "provider_unreachable": (
        503,
        N_("The company login cannot be reached right now. Please try again in a few minutes."),
    ),
    "provider_misconfigured": (
        503,
        N_(
            "The company login is not set up correctly. Please tell IT; they will find the "
            "details in the board's log."
        ),
    ),
    "login_cancelled": (
        400,
        N_("The login was cancelled at your company account, so you are not logged in."),
    ),
    "login_expired": (
        400,
        N_("The login took too long or was started in another window. Please try again."),
    ),
    "provider_error": (
        502,
        N_(
            "Your company account answered in a way the board could not check, so you are not "
            "logged in. Please try again; if it happens again, tell IT."
        ),
    ),
}


def _failure(code: str, detail: object = "", status: int | None = None, message: str = ""):
    if not message:
        status, message = FAILURES[code]
        message = _(message)
    log.warning("company login failed (%s) from %s: %s", code, request.remote_addr, detail)
    target = safe_next(request.args.get("next") or cookie_session.get(_NEXT))
    return render_template(
        "login_failed.html",
        status=status,
        code=code,
        message=message,
        next=target,
        # A callback's code and state work once: the language switch goes to the login page.
        language_return=url_for("web.login", next=target if target != "/" else None),
        now_utc=clock.now().strftime("%Y-%m-%d %H:%M"),
    ), status


def _provider_ok(client) -> str | None:
    """Load the discovery document; None when fine, else why not."""
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        return f"provider_unreachable: {exc}"
    issuer = str(metadata.get("issuer", "")).rstrip("/")
    if issuer != _issuer(_settings()):
        # Discovery documents name their issuer; a mismatch means the wrong URL is set
        # (or someone in between), and no ID token from it would pass the issuer check.
        client.server_metadata.clear()
        return f"provider_misconfigured: discovery names issuer {issuer!r}"
    return None


@web.get("/auth/oidc/login")
def oidc_login():
    client = _client()
    target = safe_next(request.args.get("next"))
    problem = _provider_ok(client)
    if problem:
        code, _sep, detail = problem.partition(": ")
        return _failure(code, detail)
    cookie_session[_NEXT] = target
    return client.authorize_redirect(
        url_for("web.oidc_callback", _external=True), ui_locales=current_language()
    )


@web.get("/auth/oidc/callback")
@writes_on_get
def oidc_callback():
    client = _client()
    target = safe_next(cookie_session.get(_NEXT))
    try:
        token = client.authorize_access_token()
    except MismatchingStateError as exc:
        return _failure("login_expired", exc)
    except OAuthError as exc:
        if exc.error == "access_denied":
            return _failure("login_cancelled", exc.description or exc.error)
        return _failure("provider_error", f"{exc.error}: {exc.description}")
    except requests.RequestException as exc:
        return _failure("provider_unreachable", exc)
    except Exception as exc:  # noqa: BLE001 - a bad signature, nonce, issuer or audience
        log.exception("company login: the provider's answer did not verify")
        return _failure("provider_error", f"{type(exc).__name__}: {exc}")
    claims = token.get("userinfo")
    if not claims:
        return _failure("provider_error", "no ID token in the token response")
    session = db_for_request()
    try:
        user = oidc.sign_in(session, _settings(), dict(claims))
    except BoardError as refusal:
        session.rollback()
        return _failure(refusal.code, refusal.message, 403, _(refusal.message, **refusal.params))
    people.adopt_browser_settings(session, user, "", current_language())
    start_session(user)  # a fresh session: nothing from before the login survives
    id_token = token.get("id_token") or ""
    if _settings().oidc_logout and len(id_token) <= _MAX_ID_TOKEN_IN_COOKIE:
        cookie_session[_ID_TOKEN] = id_token
    cookie_session["oidc"] = True
    flash(_("Welcome, %(name)s!", name=user.display_name), "success")
    return redirect(target)


def provider_logout_url(id_token: str | None, was_company_login: bool) -> str | None:
    """With BOARD_OIDC_LOGOUT=1, where to send a person who logged in through the company
    login after the board's logout: the provider's end-session endpoint (RP-initiated
    logout), back to /login afterwards. None when there is nothing to end there."""
    settings = _settings()
    client = current_app.extensions.get("board_oidc")
    if not (settings.oidc_logout and client is not None and was_company_login):
        return None
    try:
        metadata = client.load_server_metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        result = client.create_logout_url(
            post_logout_redirect_uri=url_for("web.login", _external=True),
            id_token_hint=id_token or None,
            client_id=settings.oidc_client_id,
            ui_locales=current_language(),
        )
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        log.warning("company logout: the provider cannot be reached (%s); logged out here", exc)
        return None
    return result["url"]


def logout_state() -> tuple[str | None, bool]:
    """What the logout needs from the session before it is emptied."""
    return cookie_session.get(_ID_TOKEN), bool(cookie_session.get("oidc"))
