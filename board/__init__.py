"""The board's Flask application factory."""

from __future__ import annotations

from flask import Flask, request
from flask import session as cookie_session
from flask_login import LoginManager

from board import images, notifications, people  # noqa: F401 - notifications: the event log
from board.api import api
from board.cli import register_cli
from board.compression import init_compression
from board.csrf import csrf
from board.db import Database, close_request_session, db_for_request
from board.errorhandlers import register_error_handlers
from board.i18n import init_i18n
from board.image_store import store_for
from board.inputs import init_inputs
from board.kept import keep
from board.mail import start_mail_sender
from board.privacy import init_privacy
from board.ratelimit import init_ratelimit
from board.realtime import init_realtime
from board.requests import IdConverter
from board.scheduler import start_checkpoints, start_phase_scheduler
from board.security import init_security, login_person, read_login, session_revoked
from board.settings import Settings
from board.web import web
from board.web.oidc import init_oidc
from board.webhooks import start_webhook_sender

login_manager = LoginManager()


class BoardFlask(Flask):
    """Flask, which asks whether a view or hook is a coroutine function once per function.

    Flask's `ensure_sync` asks `inspect.iscoroutinefunction` of the view and of every
    before-, after- and teardown hook on every request: about twenty questions a request,
    each answered the same way every time (a list's request spent ~25 µs of ~1.3 ms on
    them). Flask documents `ensure_sync` as the method to override for this. The answers
    are kept by function, bounded (a function registered per request, such as an
    `after_this_request` callback, only fills the store, which then starts afresh)."""

    KEPT_FUNCTIONS = 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synchronous: dict = {}

    def ensure_sync(self, func):
        known = self._synchronous.get(func)
        if known is None:
            known = keep(self._synchronous, func, super().ensure_sync(func), self.KEPT_FUNCTIONS)
        return known


@login_manager.user_loader
def load_user(session_id: str):
    board_sid = cookie_session._get_current_object().get("board_sid")  # see db.db_for_request
    read_login(board_sid, session_id)  # one statement for both questions below
    if session_revoked(board_sid):  # logged out: a copy is worthless
        return None
    return people.load_session_user(db_for_request(), session_id, login_person())


# Requests that may carry an image: their body may be as large as an image (and a little
# form around it); every other request stays within MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = {"api.upload_image", "web.post_idea", "web.comment_idea", "web.edit_idea"}


def allow_image_uploads() -> None:
    """The first hook of all (create_app): the input check and CSRF read the form under it."""
    asked = request._get_current_object()  # not the proxy: see db.db_for_request
    if asked.endpoint in UPLOAD_ENDPOINTS:
        asked.max_content_length = images.MAX_BYTES + 256 * 1024


def create_app(config: dict | None = None, settings: Settings | None = None) -> Flask:
    """settings → db → login → csrf → socketio → blueprints → CLI."""
    settings = settings or Settings.from_env()
    app = BoardFlask(
        __name__,
        static_folder="../static",
        template_folder="../templates",
        instance_path=str(settings.instance_path),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_HEADERS=["X-CSRF-Token", "X-CSRFToken"],
        MAX_CONTENT_LENGTH=1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config or {})
    app.extensions["board_settings"] = settings
    app.extensions["board_db"] = Database(settings.database_url)
    app.extensions["board_image_store"] = store_for(settings)
    app.teardown_appcontext(close_request_session)

    init_i18n(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    csrf.init_app(app)

    init_ratelimit(app, settings)

    init_realtime(app, settings)

    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.register_blueprint(api)
    app.register_blueprint(web)
    init_oidc(app, settings)
    register_error_handlers(app)

    init_compression(app)  # registered before security: runs after it, on the final body
    init_security(app, settings)
    init_privacy(app)  # after security: a revoked session is dropped before anyone looks
    init_inputs(app)  # its hooks run first: no view or query sees unclean input
    # ...but a picture's route raises the body limit before they read its form
    app.before_request_funcs[None].insert(0, allow_image_uploads)

    register_cli(app)

    start_phase_scheduler(app)  # announces challenge phase changes; not in tests
    start_checkpoints(app)  # SQLite's log into its file, off the commits; not in tests
    start_mail_sender(app)  # instant mails and digests from the queue; not in tests
    start_webhook_sender(app)  # public events to chat channels; not in tests
    return app
