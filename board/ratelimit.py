"""Rate limits on the doors a stranger can knock on: login and registration (Flask-Limiter).

- Failed logins are counted per account and address together (20 in 15 minutes), per
  account from addresses it never logged in from (20), and per address (100). A successful
  login costs nothing and makes its address a known one for that account (30 days): a
  stranger guessing from elsewhere locks out strangers, never the owner on their usual
  address. The owner's own mistakes there still count (the first limit).
- Registrations are counted per address.

The counts live in `settings.ratelimit_storage`: Redis whenever BOARD_RATELIMIT_STORAGE or
BOARD_MESSAGE_QUEUE names one (so every server process shares one count), memory otherwise.
A refusal is the contract's `429` envelope (`too_many_requests`) with `Retry-After`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from functools import partial, wraps

from flask import Flask, after_this_request, request
from flask.globals import request_ctx
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from board.addresses import normalize_email
from board.i18n import N_
from board.settings import Settings

log = logging.getLogger(__name__)

# The contract's numbers for logins; registrations are ours to choose.
LOGIN_FAILURES_PER_ACCOUNT = "20 per 15 minutes"
LOGIN_FAILURES_PER_ADDRESS = "100 per 15 minutes"
REGISTRATIONS_PER_ADDRESS = "10 per hour"
# "Forgot password" sends mail: a stranger must not fill someone's inbox with it.
RESET_MAILS_PER_ACCOUNT = "3 per hour"
RESET_REQUESTS_PER_ADDRESS = "10 per hour"
KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600

TOO_MANY = N_("Too many attempts; please wait and try again.")
TOO_MANY_WAIT = N_("Too many attempts; please try again in %(wait)s.")

# A moving window: "20 in any 15 minutes", not 20 per clock quarter-hour (which would let
# 40 through around a boundary).
# When Redis is unreachable each process falls back to counting in memory rather than
# answering 500 to every login.
limiter = Limiter(
    key_func=get_remote_address,
    strategy="moving-window",
    key_prefix="board",
    headers_enabled=False,
    in_memory_fallback_enabled=True,
)


def _submitted_email() -> str:
    """The email a login attempt names (JSON body or form), normalised; never stored in clear."""
    email = None
    if request.form:
        email = request.form.get("email")
    else:
        try:
            body = json.loads(request.get_data(cache=True) or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):
            body = None
        if isinstance(body, dict):
            email = body.get("email")
    if not isinstance(email, str) or not email.strip():
        return "account:none"
    digest = hashlib.sha256(normalize_email(email).encode("utf-8", "replace")).hexdigest()
    return f"account:{digest[:32]}"


def _address() -> str:
    return f"address:{get_remote_address() or 'unknown'}"


def _pair() -> str:
    return f"{_submitted_email()}|{_address()}"


def _known_key() -> str:
    return f"board/known-address/{_pair()}"


def known_address() -> bool:
    """Whether this account has logged in from this address in the last 30 days."""
    try:
        return bool(limiter.storage.get(_known_key()))
    except Exception:  # noqa: BLE001 - storage away: treat the address as a stranger's
        return False


def not_an_attempt() -> bool:
    """A page that only shows its form (GET) is no attempt and is never refused: the
    contract's /login and /register answer 200 while an address waits to try again."""
    return request.method != "POST"


def known_address_or_no_attempt() -> bool:
    return not_an_attempt() or known_address()


def _remember_address(response):
    if response.status_code in (200, 302, 303):
        try:
            limiter.storage.incr(_known_key(), KNOWN_ADDRESS_SECONDS)
        except Exception as exc:  # noqa: BLE001 - a login is never refused for this
            log.warning("could not remember a login address: %s", exc)
    return response


def login_failed(response) -> bool:
    """A login attempt that used up budget: wrong credentials (401), never a success."""
    return response.status_code == 401


def registration_counted(response) -> bool:
    """Registrations that created an account or probed a taken address (enumeration)."""
    return response.status_code in (201, 409)


def limit_login(view: Callable | None = None, *, failed: Callable = login_failed):
    """Decorate a login view (API or page form): failures count per account and per address.

    The scopes are shared, so the API and a page form draw on the same budget.
    `failed(response)` says whether a response was a failed attempt.
    """

    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def remembering(*args, **kwargs):
            if request.method == "POST":
                after_this_request(_remember_address)  # a success makes the address known
            return fn(*args, **kwargs)

        limited = limiter.shared_limit(
            LOGIN_FAILURES_PER_ACCOUNT,
            scope="login-pair",
            key_func=_pair,
            deduct_when=failed,
            exempt_when=not_an_attempt,
            error_message=TOO_MANY,
        )(remembering)
        limited = limiter.shared_limit(
            LOGIN_FAILURES_PER_ACCOUNT,
            scope="login-account",
            key_func=_submitted_email,
            deduct_when=failed,
            exempt_when=known_address_or_no_attempt,
            error_message=TOO_MANY,
        )(limited)
        return limiter.shared_limit(
            LOGIN_FAILURES_PER_ADDRESS,
            scope="login-address",
            key_func=_address,
            deduct_when=failed,
            exempt_when=not_an_attempt,
            error_message=TOO_MANY,
        )(limited)

    return decorate(view) if view is not None else decorate


def limit_registration(view: Callable | None = None, *, counted: Callable = registration_counted):
    """Decorate a registration view (API or page form): attempts count per address."""

    def decorate(fn: Callable) -> Callable:
        return limiter.shared_limit(
            REGISTRATIONS_PER_ADDRESS,
            scope="register-address",
            key_func=_address,
            deduct_when=counted,
            exempt_when=not_an_attempt,
            error_message=TOO_MANY,
        )(fn)

    return decorate(view) if view is not None else decorate


def _reset_answered(response) -> bool:
    # Only a request that may have sent a mail counts (not one refused as bad input, or
    # on a board without mail).
    return response.status_code < 400


def limit_reset_requests(view: Callable) -> Callable:
    """Decorate a "forgot password" view (API or page form): every request that may have
    sent a mail counts, per account asked about and per address, whatever the address."""
    limited = limiter.shared_limit(
        RESET_MAILS_PER_ACCOUNT,
        scope="reset-account",
        key_func=_submitted_email,
        deduct_when=_reset_answered,
        exempt_when=not_an_attempt,
        error_message=TOO_MANY,
    )(view)
    return limiter.shared_limit(
        RESET_REQUESTS_PER_ADDRESS,
        scope="reset-address",
        key_func=_address,
        deduct_when=_reset_answered,
        exempt_when=not_an_attempt,
        error_message=TOO_MANY,
    )(limited)


def retry_after_seconds() -> int:
    """Seconds until the breached limit of this request lets the next attempt through."""
    current = limiter.current_limit
    if current is None:
        return 60
    try:
        return max(1, int(current.reset_at - time.time()))
    except Exception:  # noqa: BLE001 - storage hiccup: a sane default beats a 500
        return 60


def init_ratelimit(app: Flask, settings: Settings) -> None:
    """Bind the limiter to this app with the configured storage."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.ratelimit_storage)
    # Redis paused or away: give up after 2 s and count in memory (in_memory_fallback)
    # rather than hold the login.
    redis_storage = settings.ratelimit_storage.startswith(("redis://", "rediss://"))
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS",
        {"socket_timeout": 2, "socket_connect_timeout": 2} if redis_storage else {},
    )
    limiter.init_app(app)  # a refusal (RateLimitExceeded) is answered in board/errorhandlers.py
    # The limiter is the process's one (the decorators need it at import), bound to each app
    # made here; a store found dead for an earlier app (the tests make many, some with an
    # unreachable Redis) says nothing of this app's store. Left set, it kept whole test
    # modules counting in the fallback until a recovery look at a random moment moved the
    # counts to the real store, so their limits came a few attempts late.
    limiter._storage_dead = False
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks[hooks.index(limiter._check_request_limit)] = _check_app_wide_limits
    # Its hooks after the request (deductions such as a failed login's, its headers) and at
    # teardown (its context reset), when it was asked anything in this request.
    after = app.after_request_funcs.setdefault(None, [])
    inject = next(f for f in after if isinstance(f, partial) and f.args == (limiter,))
    after[after.index(inject)] = _only_when_asked(inject, lambda response: response)
    teardown = app.teardown_request_funcs.setdefault(None, [])
    release = next(f for f in teardown if getattr(f, "__self__", None) is limiter)
    teardown[teardown.index(release)] = _only_when_asked(release, lambda _error=None: None)


def _only_when_asked(hook: Callable, otherwise: Callable) -> Callable:
    """Flask-Limiter's `hook` in a request that asked the limiter anything (a limited view
    ran, or its own check before the request did), `otherwise` in any other request.

    Flask-Limiter's after-request and teardown hooks ran on every request and found
    nothing to do on all but the few limited views (login, registration, password
    reset): they first made the request's limiter context (a hasattr through Flask's
    proxy of the request context, a dict, a LimiterContext), about 2 % of a list's or a
    vote's instructions (docs/performance.md). Flask-Limiter keeps that context on the
    request context as `_limiter_request_context` from the first question on (its own
    attribute; requirements.txt pins its version, and tests/test_ratelimit.py's failed
    logins, counted only by the after-request hook, fail if it is not seen)."""

    @wraps(hook)
    def run(*args):
        if hasattr(request_ctx._get_current_object(), "_limiter_request_context"):
            return hook(*args)
        return otherwise(*args)

    return run


def _check_app_wide_limits() -> None:
    """Flask-Limiter's own check before every request, when it has something to do.

    The board's limits sit on their views (the decorators above check them themselves);
    the before-request check only looks at application-wide, default, blueprint and meta
    limits, of which the board has none, so on a live store it finds nothing, at about a
    tenth of a logged-in write's framework cost. While the store is dead it still runs on
    every request, as Flask-Limiter's own hook does: that is where it looks for the
    store's recovery (an exemption that skipped it there was taken back,
    docs/performance.md). Should app-wide limits ever be configured, it runs always."""
    # Flask-Limiter's own attributes (requirements.txt pins its version; tests/test_ratelimit.py
    # checks both sides of this condition).
    manager = limiter.limit_manager
    if (
        limiter._storage_dead
        or manager._application_limits
        or manager._default_limits
        or manager._blueprint_limits
        or limiter._meta_limits
    ):
        limiter._check_request_limit()
