"""Login, registration, logout and the language switch, as plain HTML forms."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_limiter import RateLimitExceeded
from flask_login import current_user

from board import invites, people
from board.db import db_for_request
from board.errorhandlers import handle_rate_limited
from board.errors import BoardError, Denied
from board.i18n import LANGUAGE_COOKIE, LANGUAGES, _, current_language, translate_field
from board.limits import DISPLAY_NAME_MAX, EMAIL_MAX, PASSWORD_MAX
from board.ratelimit import TOO_MANY_WAIT, limit_login, limit_registration, retry_after_seconds
from board.requests import board_settings
from board.security import end_current_session, start_session
from board.web import web
from board.web.common import back, flash_refusal, form_id, form_text, safe_next
from board.web.oidc import logout_state, provider_logout_url


def _password_login() -> bool:
    return current_app.extensions["board_settings"].password_login


@web.app_context_processor
def login_choices():
    """What the login and registration pages offer: the company button, password forms."""
    settings = current_app.extensions["board_settings"]
    return {
        "oidc_enabled": settings.oidc_enabled,
        "oidc_name": settings.oidc_name,
        "password_login": settings.password_login,
    }


@web.get("/login")
def login():
    return render_template(
        "login.html", next=safe_next(request.values.get("next")), email="", error=None
    )


# The account forms whose limits (board/ratelimit.py) a person can reach: each comes back
# as typed, with the wait in words beside it, rather than as a bare error page that drops
# the address and the way on ("Forgot your password?").
_LIMITED_FORMS = {
    "web.login_submit": "login",
    "web.register": "register",
    "web.forgot_password_submit": "forgot_password",
}


@web.errorhandler(RateLimitExceeded)
def limited_form(error: RateLimitExceeded):
    form = _LIMITED_FORMS.get(request.endpoint or "")
    if form is None:
        return handle_rate_limited(error)
    seconds = retry_after_seconds()
    wait = format_timedelta(timedelta(seconds=seconds), threshold=1, add_direction=False)
    message = _(TOO_MANY_WAIT, wait=wait)
    email = request.form.get("email", "")[:EMAIL_MAX]
    if form == "login":
        page = render_template(
            "login.html", next=safe_next(request.values.get("next")), email=email, error=message
        )
    elif form == "register":
        page = _register_page(
            safe_next(request.values.get("next")),
            {
                "email": email,
                "display_name": request.form.get("display_name", "")[:DISPLAY_NAME_MAX],
                "department_id": _typed_id("department_id"),
            },
            {},
            message,
        )
    else:
        page = render_template(
            "forgot_password.html", by_mail=True, sent=False, error=message, email=email
        )
    return page, 429, {"Retry-After": str(seconds)}


def _typed_id(name: str) -> int | None:
    """A chosen id to show again on a refused form; a bad one shows as nothing chosen."""
    try:
        return form_id(name)
    except BoardError:
        return None


@web.post("/login")
@limit_login  # the page form draws on the same failed-login budget as the API
def login_submit():
    target = safe_next(request.values.get("next"))
    email = request.form.get("email", "")[:EMAIL_MAX]
    try:
        people.require_password_login(_password_login())
        user = people.authenticate(
            db_for_request(), email, request.form.get("password", "")[:PASSWORD_MAX]
        )
    except BoardError as refusal:
        return render_template(
            "login.html", next=target, email=email, error=_(refusal.message, **refusal.params)
        ), refusal.status
    people.adopt_browser_settings(db_for_request(), user, _browser_zone(), current_language())
    start_session(user)
    flash(_("Welcome back, %(name)s!", name=user.display_name), "success")
    return redirect(target)


def _browser_zone() -> str:
    """The zone board.js puts in the login and registration forms ("" without JavaScript)."""
    return request.form.get("browser_timezone", "")[:64]


def _page_registration_counted(response) -> bool:
    # A page registration that worked redirects; a taken email answers 409.
    return request.method == "POST" and response.status_code in (302, 409)


# Refusals about the address itself stand beside the e-mail field.
_EMAIL_REFUSALS = ("email_taken", "email_domain_not_allowed")


@web.route("/register", methods=["GET", "POST"])
@limit_registration(counted=_page_registration_counted)
def register():
    target = safe_next(request.values.get("next"))
    session = db_for_request()
    form = {"email": "", "display_name": "", "department_id": None}
    errors: dict[str, str] = {}
    error = None
    status = 200
    if not _password_login():
        error = _("Password login is switched off here; sign in with your company account.")
        return render_template(
            "register.html", next=target, form=form, errors=errors, error=error, departments=[]
        ), 403
    if request.method == "POST":
        try:
            form = {
                "email": form_text("email", EMAIL_MAX),
                "display_name": form_text("display_name", DISPLAY_NAME_MAX),
                "department_id": form_id("department_id"),
            }
            password = form_text("password", PASSWORD_MAX)
            user = people.register(
                session,
                form["email"],
                password,
                form["display_name"],
                form["department_id"] or 0,
                invite=_invite() or None,
                allowed_domains=board_settings().allowed_email_domains,
            )
        except BoardError as refusal:
            session.rollback()
            status = refusal.status
            if refusal.code in _EMAIL_REFUSALS:
                errors = {"email": _(refusal.message, **refusal.params)}
            elif refusal.code != "invite_invalid":  # the page says that one by itself
                error = _(refusal.message, **refusal.params)
                errors = {
                    name: translate_field(text) for name, text in (refusal.fields or {}).items()
                }
        else:
            people.adopt_browser_settings(session, user, _browser_zone(), current_language())
            start_session(user)
            flash(_("Welcome to the board, %(name)s!", name=user.display_name), "success")
            return redirect(target)
    return _register_page(target, form, errors, error), status


def _invite() -> str:
    return request.values.get("invite", "")[:200]


def _register_page(target: str, form: dict, errors: dict[str, str], error: str | None) -> str:
    """The registration form, with what was typed, each field's error and the invite's
    state: a link that no longer works says so before anyone fills the form in."""
    session = db_for_request()
    domains = board_settings().allowed_email_domains
    invite = _invite()
    invite_state = None
    if invite:
        try:
            invites.find_usable(session, invite)
            invite_state = "valid"
        except Denied:
            # Where anyone may register, a stale link changes nothing: no need to say so.
            invite_state = "invalid" if domains else None
    return render_template(
        "register.html",
        next=target,
        form=form,
        errors=errors,
        error=error,
        departments=people.list_departments(session),
        invite=invite,
        invite_state=invite_state,
        domains=domains,
    )


@web.post("/logout")
def logout():
    # Flask-Login's user_logged_out signal lets the live layer close this session's sockets.
    id_token, company_login = logout_state()
    end_current_session()
    flash(_("You are logged out. See you soon!"), "info")
    # BOARD_OIDC_LOGOUT=1: end the session at the company's provider too.
    return redirect(provider_logout_url(id_token, company_login) or url_for("web.login"))


# A year, renewed with each choice: the language is this browser's, kept until chosen again.
_LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


@web.post("/language")
def set_language():
    """The language switch: this browser's language (the board_language cookie), which the
    pages before login speak too, and for someone logged in also their own setting (the one
    PATCH /api/v1/me sets, which mail follows). Back to the page it was chosen on."""
    language = request.form.get("language")
    home = "/" if current_user.is_authenticated else url_for("web.login")
    if language not in LANGUAGES:  # only a form changed by hand sends another
        flash(_("Please choose one of the languages offered."), "error")
        return back(home)
    if current_user.is_authenticated:
        session = db_for_request()
        try:
            people.set_language(
                session, session.merge(current_user._get_current_object()), language
            )
        except BoardError as refusal:
            session.rollback()
            flash_refusal(refusal)
            return back(home)
    response = back(home)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=_LANGUAGE_COOKIE_SECONDS,
        secure=board_settings().secure_cookies,
        httponly=True,
        samesite="Lax",
    )
    return response
