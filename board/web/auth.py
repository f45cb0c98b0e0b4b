"""Login, registration, logout and the language switch, as plain HTML forms."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from board import people
from board.db import db_for_request
from board.errors import BoardError
from board.i18n import LANGUAGES, _, translate_field
from board.limits import DISPLAY_NAME_MAX, EMAIL_MAX, PASSWORD_MAX
from board.ratelimit import limit_login, limit_registration
from board.requests import board_settings
from board.security import end_current_session, start_session
from board.web import web
from board.web.common import back, flash_refusal, form_id, form_text, login_page, safe_next
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
    people.adopt_browser_zone(db_for_request(), user, _browser_zone())
    start_session(user)
    flash(_("Welcome back, %(name)s!", name=user.display_name), "success")
    return redirect(target)


def _browser_zone() -> str:
    """The zone board.js puts in the login and registration forms ("" without JavaScript)."""
    return request.form.get("browser_timezone", "")[:64]


def _page_registration_counted(response) -> bool:
    # A page registration that worked redirects; a taken email answers 409.
    return request.method == "POST" and response.status_code in (302, 409)


@web.route("/register", methods=["GET", "POST"])
@limit_registration(counted=_page_registration_counted)
def register():
    target = safe_next(request.values.get("next"))
    session = db_for_request()
    form = {"email": "", "display_name": "", "department_id": None}
    invite = request.values.get("invite", "")[:200]
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
                invite=invite or None,
                allowed_domains=board_settings().allowed_email_domains,
            )
        except BoardError as refusal:
            session.rollback()
            error = _(refusal.message, **refusal.params)
            errors = {name: translate_field(text) for name, text in (refusal.fields or {}).items()}
            status = refusal.status
        else:
            people.adopt_browser_zone(session, user, _browser_zone())
            start_session(user)
            flash(_("Welcome to the board, %(name)s!", name=user.display_name), "success")
            return redirect(target)
    departments = people.list_departments(session)
    return render_template(
        "register.html",
        next=target,
        form=form,
        errors=errors,
        error=error,
        departments=departments,
        invite=invite,
        domains=board_settings().allowed_email_domains,
    ), status


@web.post("/logout")
def logout():
    # Flask-Login's user_logged_out signal lets the live layer close this session's sockets.
    id_token, company_login = logout_state()
    end_current_session()
    flash(_("You are logged out. See you soon!"), "info")
    # BOARD_OIDC_LOGOUT=1: end the session at the company's provider too.
    return redirect(provider_logout_url(id_token, company_login) or url_for("web.login"))


@web.post("/language")
@login_page
def set_language():
    """The person's language for pages and messages (the same setting PATCH /api/v1/me sets)."""
    language = request.form.get("language")
    session = db_for_request()
    try:
        people.set_language(
            session,
            session.merge(current_user._get_current_object()),
            language if language in LANGUAGES else None,
        )
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    return back("/")
