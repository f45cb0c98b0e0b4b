"""What a company's IT review asks of every response and every session.

- Headers on every response, pages and API alike: a Content-Security-Policy that allows
  no inline script or style and no framing, nosniff, a Referrer-Policy, HSTS over HTTPS,
  and `no-store` on API answers (they carry personal data).
- Behind a reverse proxy (BOARD_TRUSTED_PROXIES=N) the client's address and scheme come
  from the proxy's X-Forwarded-* headers, so per-address rate limits count people, not
  the proxy, and HTTPS is recognised.
- Sessions end on the server at logout: the cookie is signed, not stored, so a copy of it
  would otherwise stay valid; its `board_sid` is remembered as revoked until every cookie
  that could carry it has expired.
- Input that cannot hurt: JSON nested deeper than Python can parse is malformed input
  (400) wherever `request.get_json()` is used, never a 500.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

import orjson
from flask import Flask, current_app, g, has_request_context, request
from flask import session as cookie_session
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, select
from werkzeug.middleware.proxy_fix import ProxyFix

from board import accounts, clock, events, ideas, people
from board.db import db_for_request, reads_first, view_marked, view_writes_at_once
from board.kept import keep
from board.settings import Settings
from models import EndedSession, Prompt, User

log = logging.getLogger(__name__)

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
CSP = "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES.items())

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"


def add_security_headers(response):
    """Each header unless the view set its own (one look at the headers, not one per
    header: every response passes here)."""
    wanted = list(HEADERS.items())
    asked = request._get_current_object()  # not the proxy: see db.db_for_request
    if asked.is_secure:
        wanted.append(("Strict-Transport-Security", HSTS))
    if asked.path.startswith("/api/"):
        wanted.append(("Cache-Control", "no-store"))
    present = {name.lower() for name, _value in response.headers}
    for name, value in wanted:
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


# ---- sessions that end on the server -------------------------------------------------------


def revoke_session(board_sid: str | None, lifetime_seconds: int) -> None:
    """Remember `board_sid` as ended until any cookie carrying it has expired.

    Written in the request's own transaction and committed at once: the database is the
    truth, so neither a Redis restart nor an outage brings an ended session back.
    """
    if not board_sid:
        return
    session = db_for_request()
    expires = clock.now() + timedelta(seconds=max(int(lifetime_seconds), 1))
    if session.get(EndedSession, board_sid) is None:
        session.add(EndedSession(board_sid=board_sid, expires_at=expires))
    session.commit()
    _ended_in_request()[board_sid] = True


def session_revoked(board_sid: str | None) -> bool:
    """Whether this login was ended; asked once per request (the before-request check
    and the user loader share the answer)."""
    if not board_sid:
        return False
    known = _ended_in_request()
    if board_sid not in known:
        found = db_for_request().connection().execute(_ENDED, {"board_sid": board_sid})
        known[board_sid] = found.first() is not None
    return known[board_sid]


# Asked by every logged-in request: a plain row, no ORM object (revoke_session commits
# what it adds and records the answer itself, so nothing is ever pending here).
_ENDED = select(EndedSession.board_sid).where(EndedSession.board_sid == bindparam("board_sid"))


def _ended_in_request() -> dict[str, bool]:
    here = g._get_current_object()  # not the proxy: see db.db_for_request
    known = here.get("board_ended_sessions")
    if known is None:
        known = here.board_ended_sessions = {}
    return known


def forget_ended_sessions(session, now) -> int:
    """Housekeeping: ended sessions whose cookies have expired anyway."""
    removed = session.execute(delete(EndedSession).where(EndedSession.expires_at <= now)).rowcount
    session.commit()
    return removed


def _lifetime() -> int:
    return int(current_app.permanent_session_lifetime.total_seconds())


def start_session(user) -> str | None:
    """Login (API or page): a fresh cookie session with a new id; nothing from before,
    CSRF token included, carries over. A session this browser had before is ended; its
    id is returned (so its sockets can be closed too)."""
    previous = cookie_session.get("board_sid")
    revoke_session(previous, _lifetime())
    _end_sockets_of(previous)
    cookie_session.clear()
    login_user(user)
    cookie_session["board_sid"] = secrets.token_urlsafe(16)
    # When this login happened: erasing an account without a password asks for a fresh one.
    cookie_session["login_at"] = clock.now().timestamp()
    # Listed on the person's account page, where they can end it from another browser.
    accounts.forget_login(db_for_request(), previous)
    accounts.record_login(
        db_for_request(), user, cookie_session["board_sid"], request.user_agent.string or ""
    )
    return previous


def end_current_session() -> str | None:
    """Logout (API or page): the person is logged out, the session's id revoked on the
    server and the cookie emptied. Returns the ended id (so its sockets can be closed)."""
    board_sid = cookie_session.get("board_sid")
    logout_user()
    revoke_session(board_sid, _lifetime())
    accounts.forget_login(db_for_request(), board_sid)
    _end_sockets_of(board_sid)
    cookie_session.clear()
    return board_sid


def end_other_session(board_sid: str) -> None:
    """One of the person's other sessions, ended from their account page: revoked on the
    server and its sockets closed, as a logout there would."""
    revoke_session(board_sid, _lifetime())
    _end_sockets_of(board_sid)


def _end_sockets_of(board_sid: str | None) -> None:
    """Every socket that session opened, on every server process (board/realtime.py)."""
    if board_sid:
        events.end_sockets(events.session_room(board_sid))


def _check_login():
    """Before each request: a replayed copy of a logged-out cookie is emptied before
    anything reads it, and the person is loaded. Both reads run in one short read
    transaction before a write request's own transaction (db.reads_first): on SQLite a
    write request would otherwise hold the one write lock from its login check on. A view
    marked `db.writes_at_once` writes as soon as it runs: its login check is the first
    statement of its write transaction instead."""
    cookie = cookie_session._get_current_object()  # not the proxy: see db.db_for_request
    board_sid = cookie.get("board_sid")
    if not board_sid or request._get_current_object().endpoint == "static":
        return

    def lookup(_session):
        read_login(board_sid, cookie.get("_user_id"))
        if session_revoked(board_sid):
            cookie.clear()
            # Emptied for this request only: its answer does not delete the cookie. A request
            # still under way with the old cookie (the live page asks /api/v1/me when its
            # socket is ended) would otherwise overwrite the newer cookie that the logout or
            # erasure has just set, and its message ("Your account is erased.") would be
            # lost. The old cookie stays harmless: every request finds its login ended.
            cookie.modified = False
        else:
            current_user._get_current_object()  # noqa: SLF001 - Flask-Login loads the person

    if view_writes_at_once():
        lookup(db_for_request())
    else:
        reads_first(db_for_request(), lookup)


# Whether this login was ended, and the person it names, in one statement: the person
# lands in the session's identity map, where Flask-Login's user loader (board/__init__.py,
# people.load_session_user) finds it without a second statement and still checks that the
# account is active and the session version current, so a role change, a removal or an
# ended session take effect with the next request as before.
_LOGIN = select(
    User,
    select(EndedSession.board_sid)
    .where(EndedSession.board_sid == bindparam("board_sid"))
    .exists()
    .label("ended"),
).where(User.id == bindparam("user_id"))
# A write view marked `person_as_reader` asks the same of a plain row (`people.Reader`):
# the challenges are asked when its service needs them, as on any write.
_LOGIN_ROW = select(*people.Reader.COLUMNS, _LOGIN.selected_columns.ended).where(
    User.id == bindparam("user_id")
)
# A read request asks the same with the running challenges that hide their tallies (one
# row per challenge, or one with NULLs): every list of ideas needs them, and a statement
# of their own cost about 0.055 ms of a list's 2 ms. A write request's login check runs in
# a transaction of its own (db.reads_first), whose answer would not outlive it.
_LOGIN_READING = _LOGIN.add_columns(*ideas.RUNNING_HIDDEN_COLUMNS).outerjoin(
    Prompt, ideas.RUNNING_HIDDEN_CONDITION
)
# The same for a view that takes its person as a plain row (`person_as_reader`).
_LOGIN_AS_READER = _LOGIN_ROW.add_columns(*ideas.RUNNING_HIDDEN_COLUMNS).outerjoin(
    Prompt, ideas.RUNNING_HIDDEN_CONDITION
)
_READER_COLUMNS = len(people.Reader.COLUMNS)
_AS_READER = "board_person_as_reader"


def person_as_reader(view: Callable) -> Callable:
    """Mark a view that asks of its person no more than a list does (who they are, their
    role, language and zone): a GET view that only reads, or a write whose service needs
    only the person's id and role (the vote). Its request loads the person as a
    `people.Reader`, a plain row, not as an ORM User. Whether the login was ended, the
    person's role and session version are read in the same statement as for any other
    request; what else the view reads of the person is loaded when it is read."""
    setattr(view, _AS_READER, True)
    return view


def read_login(board_sid: str | None, session_id: str | None) -> None:
    """Answer `session_revoked` for this request and load the person its Flask-Login id
    (`id:version`) names, in one statement, before either is asked. Already answered, or
    without such a person, nothing happens here and the usual lookups run."""
    if not board_sid or board_sid in _ended_in_request():
        return
    try:
        user_id = int(str(session_id or "").split(":")[0])
    except ValueError:
        return
    values = {"board_sid": board_sid, "user_id": user_id}
    session = db_for_request()
    as_reader = view_marked(request._get_current_object(), _AS_READER)
    if not session.get_bind().get_execution_options().get("board_read_only"):
        if as_reader:
            found = session.connection().execute(_LOGIN_ROW, values).first()
            person = people.Reader(session, found[:_READER_COLUMNS]) if found else None
        else:
            found = session.execute(_LOGIN, values).first()
            person = found[0] if found is not None else None
    else:
        now = values["now"] = clock.now()
        if as_reader:
            rows = session.connection().execute(_LOGIN_AS_READER, values).all()
            found = rows[0] if rows else None
            person = people.Reader(session, found[:_READER_COLUMNS]) if rows else None
            challenges = [row[_READER_COLUMNS + 1 :] for row in rows]
        else:
            rows = session.execute(_LOGIN_READING, values).all()
            found = rows[0] if rows else None
            person = found[0] if rows else None
            challenges = [row[2:] for row in rows]
        if rows:
            ideas.remember_running_hidden(session, now, challenges)
    if found is not None:
        _ended_in_request()[board_sid] = bool(found.ended)
        g.board_login_person = person  # the identity map holds it weakly: keep it alive


def login_person() -> people.Reader | User | None:
    """The person `read_login` read for this request (None before, or without one)."""
    return g._get_current_object().get("board_login_person")


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, each cookie's signature checked once per process.

    Every request read its cookie anew: a serializer made for it, base64, zlib, the HMAC
    of the signature, JSON (about 35 µs, a tenth of what a logged-in write costs around
    its service). A cookie whose signature held is remembered with what it holds and when
    it was signed, so the next request with exactly that cookie skips to its contents; its
    age is still checked against the lifetime each time, and a cookie never seen, changed
    by one byte or signed with another key goes through Flask's full check. This is only
    the cookie's own validity: whether its login was ended, or its person's role changed,
    is asked of the database on every request (`_check_login`)."""

    _REMEMBERED = 2048  # cookies (about 1.5 KiB each with their contents), then start again
    _SCALARS = (str, int, float, bool, type(None))

    def __init__(self) -> None:
        self._serializer: tuple[tuple, URLSafeTimedSerializer | None] | None = None
        self._verified: dict[str, tuple[int, dict]] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when BOARD_SECURE_COOKIES says so, and whenever the request itself came
        over HTTPS (directly, or through a trusted proxy): the contract's "Secure behind
        HTTPS" holds where the setting was forgotten too."""
        if super().get_cookie_secure(app):
            return True
        return has_request_context() and request._get_current_object().is_secure

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        known = self._serializer
        if known is None or known[0] != keys:
            known = self._serializer = (keys, super().get_signing_serializer(app))
            self._verified = {}  # another key: nothing checked with the old one counts
        return known[1]

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        value = request.cookies.get(self.get_cookie_name(app)) if serializer else None
        if serializer is None or not value:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get(value)
        if known is not None and 0 <= int(time.time()) - known[0] <= max_age:
            return self.session_class(known[1])  # a copy: its values are immutable
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        # Only flat sessions (the login's strings and numbers): a copy of one is independent.
        if isinstance(data, dict) and all(isinstance(v, self._SCALARS) for v in data.values()):
            keep(self._verified, value, (int(signed_at.timestamp()), dict(data)), self._REMEMBERED)
        return self.session_class(data)


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with two changes.

    `request.get_json()` anywhere: JSON nested deeper than Python's recursion limit is
    malformed input (a 400, or None when silent), not a RecursionError and a 500.

    Answers (`jsonify`) are encoded by orjson: the same JSON as Flask's compact answer,
    keys sorted as before, but non-ASCII text as UTF-8 rather than \\u escapes. The standard
    library's encoder spent about 0.25 ms on a page of 50 ideas, a tenth of the whole
    request; orjson 0.03 ms (docs/performance.md). What orjson would write otherwise
    than Flask goes to Flask's own `default` (dates as HTTP dates, dataclasses, Decimal,
    `__html__`), and what it refuses (an integer beyond 64 bits, a lone surrogate,
    keys that are not strings, nesting beyond 254) is encoded by Flask as before."""

    _ORJSON = (
        orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    )

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc

    def response(self, *args, **kwargs):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)  # indented for people reading it
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=self._ORJSON)
        except TypeError:  # orjson.JSONEncodeError: what only Flask's encoder takes
            return super().response(*args, **kwargs)
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)


def init_security(app: Flask, settings: Settings) -> None:
    proxies = settings.trusted_proxies
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.json = SafeJSONProvider(app)
    app.session_interface = SignedCookieSessions()
    app.after_request(add_security_headers)
    app.before_request(_check_login)


def login_age_seconds() -> float | None:
    """How long ago this session's login was; None when unknown."""
    at = cookie_session.get("login_at")
    return clock.now().timestamp() - at if isinstance(at, int | float) else None
