"""Every error becomes the contract's envelope (API) or a friendly page (HTML), in one place."""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from board import policy
from board.db import WriteTurnTimeout
from board.errors import BoardError, Denied, Invalid, NotFound, TooManyRequests, Unauthenticated
from board.i18n import N_, _, translate_field
from board.ratelimit import TOO_MANY_WAIT, retry_after_seconds

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: ("bad_request", N_("The request could not be understood.")),
    401: ("not_logged_in", N_("Please log in first.")),
    403: ("forbidden", N_("You may not do this.")),
    404: ("not_found", N_("No such page.")),
    405: ("method_not_allowed", N_("This method is not allowed here.")),
    409: ("conflict", N_("This conflicts with the current state.")),
    413: ("too_large", N_("The request is too large.")),
    415: ("unsupported_media_type", N_("Send JSON.")),
    429: ("too_many_requests", N_("Too many attempts; please wait and try again.")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def envelope(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    response = jsonify({"error": error})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render_error(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    if wants_json():
        return envelope(status, code, message, fields, headers)
    if status == 401:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    html = render_template("error.html", status=status, code=code, message=message, fields=fields)
    return html, status, headers or {}


def handle_board_error(error: BoardError):
    fields = {k: translate_field(v) for k, v in error.fields.items()} if error.fields else None
    headers = {}
    if isinstance(error, TooManyRequests) and error.params.get("retry_after"):
        headers["Retry-After"] = str(error.params["retry_after"])
    return render_error(error.status, error.code, _(error.message, **error.params), fields, headers)


def handle_csrf_error(error: CSRFError):
    # CSRF is checked before the API's login check; a write without a session is still a 401.
    if wants_json() and not _public_endpoint() and not current_user.is_authenticated:
        return render_error(401, "not_logged_in", _("Please log in first."))
    if wants_json():
        return render_error(
            400,
            "csrf_failed",
            _("The security token is missing or has expired; reload the page and try again."),
        )
    # A page form sent from before a login or logout elsewhere: reloading this answer sends
    # the same stale form again, so the way on is the form's page, opened anew.
    html = render_template(
        "error.html",
        status=400,
        code="csrf_failed",
        message=_("This form has expired. Open its page again and send the form once more."),
        back_to=_form_page(),
    )
    return html, 400


def _form_page() -> str | None:
    """The page the refused form was sent from (its Referer, on this site), else None."""
    parts = urlsplit(request.referrer or "")
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return None
    return f"{path}?{parts.query}" if parts.query else path


def _public_endpoint() -> bool:
    return request.endpoint in policy.PUBLIC_API_ENDPOINTS


def handle_http_exception(error: HTTPException):
    code, message = _HTTP_CODES.get(error.code or 500, ("error", error.description or "Error."))
    headers = {}
    if error.code == 429:
        retry = getattr(error, "retry_after", None) or 60
        headers["Retry-After"] = str(retry)
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return render_error(error.code or 500, code, _(message), None, headers)


DATABASE_RETRY_AFTER_SECONDS = 5
OUTAGE_LOG_INTERVAL_SECONDS = 60
_last_logged: dict[str, float] = {}


def _retry_later(kind: str, note: str, error: Exception, message: str):
    """A 503 that says to retry (the error envelope with Retry-After), with `note` logged
    once a minute at most per `kind` rather than once per request."""
    now = time.monotonic()
    if now - _last_logged.get(kind, float("-inf")) >= OUTAGE_LOG_INTERVAL_SECONDS:
        _last_logged[kind] = now
        log.error(
            "%s (next note in %s s): %s",
            note,
            OUTAGE_LOG_INTERVAL_SECONDS,
            str(error).splitlines()[0] if str(error) else type(error).__name__,
        )
    return render_error(
        503,
        "service_unavailable",
        message,
        None,
        {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def handle_database_unavailable(error: Exception):
    """The database cannot be reached (restarting, network, pool exhausted): a clean 503
    that says to retry, logged once a minute at most rather than once per request."""
    session = g.get("db_session")
    if session is not None:
        # a failed flush leaves the session unusable until rolled back; the connection
        # may be gone, then there is nothing to undo
        with contextlib.suppress(Exception):
            session.rollback()
    # Whoever is logged in cannot be loaded now: render as a stranger, so that nothing
    # below (translation, templates, after-request hooks) asks the database again.
    if "_login_user" not in g:
        from flask import current_app

        g._login_user = current_app.login_manager.anonymous_user()
    return _retry_later(
        "outage",
        "database unavailable (answering 503 until it is back)",
        error,
        _("The board cannot reach its database right now. Please try again in a moment."),
    )


def handle_overloaded(error: WriteTurnTimeout):
    """More writes queued than the database can take within the write queue's bound
    (board/db.py): a quick 503 that says to retry, nothing written. The refusal comes
    before the write transaction begins, so there is nothing to roll back (which would
    expire the person loaded by the login check, and loading them again would queue once
    more)."""
    return _retry_later(
        "overload",
        "overloaded: writes answered 503",
        error,
        _("The board is too busy to save this right now. Please try again in a moment."),
    )


def handle_rate_limited(error: RateLimitExceeded):
    """Say how long to wait, in words ("in 14 minutes") and in Retry-After."""
    seconds = retry_after_seconds()
    wait = format_timedelta(timedelta(seconds=seconds), threshold=1, add_direction=False)
    headers = {"Retry-After": str(seconds)}
    return render_error(429, "too_many_requests", _(TOO_MANY_WAIT, wait=wait), None, headers)


def handle_unexpected(error: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    return render_error(500, "internal_error", _("Something went wrong on our side."))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(BoardError, handle_board_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(WriteTurnTimeout, handle_overloaded)  # before PoolTimeout's
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(unavailable, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)


__all__ = [
    "register_error_handlers",
    "envelope",
    "Denied",
    "Invalid",
    "NotFound",
    "Unauthenticated",
]
