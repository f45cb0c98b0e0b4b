"""My account as pages: /profile (name, department, language, password, sessions, erasing
the account),
/forgot-password (a reset link by e-mail, when mail is set up) and /reset-password/<token>
(that link, or the one IT makes with `flask users reset-password`)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_login import current_user

from board import accounts, clock, mail, people, personal_data
from board.db import db_for_request
from board.errors import BoardError
from board.i18n import N_, _, choices_with, current_language, time_zone_label, translate_field
from board.limits import DISPLAY_NAME_MAX, EMAIL_MAX, PASSWORD_MAX
from board.ratelimit import limit_reset_requests
from board.requests import board_settings
from board.security import (
    end_current_session,
    end_other_session,
    login_age_seconds,
    start_session,
)
from board.web import web
from board.web.common import flash_refusal, form_id, form_text, login_page, refused_form

# A session's browser and system, read from its User-Agent, the first match of each list
# (Edge and Opera also name Chrome, Chrome also names Safari, Android also names Linux).
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


@web.app_template_filter("browser")
def browser(user_agent: str | None) -> str:
    """'Chrome · Linux' for a session's User-Agent, not its 120 characters; '' if unknown."""
    found = [
        next((name for key, name in names if key in (user_agent or "")), None)
        for names in (_BROWSERS, _SYSTEMS)
    ]
    return " · ".join(name for name in found if name)


def _me():
    session = db_for_request()
    return session, session.merge(current_user._get_current_object())


@web.get("/profile")
@login_page
def profile():
    session, me = _me()
    return render_template(
        "profile.html",
        time_zones=choices_with(me.timezone, current_language()),
        board_timezone=time_zone_label(board_settings().timezone, current_language()),
        now=clock.now(),
        departments=people.list_departments(session),
        sessions=accounts.list_sessions(session, me, cookie_session.get("board_sid")),
        has_password=me.password_hash != people.NO_PASSWORD,
        export_file_name=personal_data.export_file_name(current_language()),
    )


@web.post("/profile")
@login_page
def update_profile():
    session, me = _me()
    try:
        accounts.update_profile(
            session,
            me,
            form_text("display_name", DISPLAY_NAME_MAX),
            form_id("department_id") or me.department_id,
        )
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    else:
        flash(_("Your profile is saved."), "success")
    return redirect(url_for("web.profile", _anchor="profile-title"))


# Each form on My account comes back to its own section, where static/js/nav.js shows its
# message: on a phone the page came back at its top, far from the form just used.


@web.post("/profile/time-zone")
@login_page
def update_time_zone():
    """The zone this person's pages show times in; empty: the board's BOARD_TIMEZONE."""
    session, me = _me()
    try:
        zone = form_text("timezone", 64).strip() or None
        people.update_settings(session, me, {"timezone": zone})
    except BoardError as refusal:
        session.rollback()
        return refused_form(refusal, "timezone", default=url_for("web.profile"))
    flash(_("Your time zone is saved."), "success")
    return redirect(url_for("web.profile", _anchor="time-zone"))


@web.post("/profile/password")
@login_page
def change_password():
    session, me = _me()
    try:
        # With only the company login a new password could never be used to log in.
        people.require_password_login(board_settings().password_login)
        user = accounts.change_password(
            session,
            me,
            form_text("current_password", PASSWORD_MAX),
            form_text("new_password", PASSWORD_MAX),
        )
    except BoardError as refusal:
        session.rollback()
        _flash_password_refusal(refusal)
        return redirect(url_for("web.profile", _anchor="password-title"))
    start_session(user)  # the other sessions ended; this one goes on
    flash(_("Your password is changed; you are logged out everywhere else."), "success")
    return redirect(url_for("web.profile", _anchor="password-title"))


# The password form's fields, as the page labels them (a refusal names them by the
# form's own names, which are no words for a person).
_PASSWORD_FIELDS = {
    "current_password": N_("Current password"),
    "new_password": N_("New password"),
}


def _flash_password_refusal(refusal: BoardError) -> None:
    """ "Current password: This is not your current password.", not the form's field names."""
    if not refusal.fields:
        flash_refusal(refusal)
        return
    flash(
        " ".join(
            _(
                "%(field)s: %(problem)s",
                field=_(_PASSWORD_FIELDS.get(name, name)),
                problem=translate_field(text),
            )
            for name, text in refusal.fields.items()
        ),
        "error",
    )


@web.post("/profile/sessions/<int:session_id>/end")
@login_page
def end_session(session_id: int):
    session, me = _me()
    try:
        board_sid = accounts.end_session(session, me, session_id, cookie_session.get("board_sid"))
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    else:
        end_other_session(board_sid)
        flash(_("That session has ended."), "info")
    return redirect(url_for("web.profile", _anchor="sessions-title"))


@web.post("/profile/erase")
@login_page
def erase_account():
    """Erase my account (the same erasure as DELETE /api/v1/me): the box ticked, and my
    password typed (or, for a company account, a company login of the last ten minutes)."""
    session, me = _me()
    # A refusal goes back to the erase form, the page's last section: static/js/nav.js puts
    # its message there and gives it the focus (at the top of the page, the message was far
    # from the form, and the keyboard started again from the menu).
    if request.form.get("confirm") != "1":
        flash(_("Tick the box to confirm that your account is to be erased."), "error")
        return redirect(url_for("web.profile", _anchor="erase-title"))
    company_login = login_age_seconds() if cookie_session.get("oidc") else None
    try:
        personal_data.confirm_erasure(
            me, form_text("password", PASSWORD_MAX) or None, company_login
        )
    except BoardError as refusal:
        if refusal.code == "wrong_password":
            flash(_("That is not your password, so your account is not erased."), "error")
        else:
            flash_refusal(refusal)
        return redirect(url_for("web.profile", _anchor="erase-title"))
    end_current_session()
    personal_data.erase_person(session, me)
    flash(_("Your account is erased. Your ideas and comments stay as “former member”."), "info")
    return redirect(url_for("web.login"))


@web.get("/forgot-password")
def forgot_password():
    try:
        people.require_password_login(board_settings().password_login)
    except BoardError as refusal:
        return _forgot_refused(refusal)
    return render_template(
        "forgot_password.html", by_mail=mail.mail_enabled(board_settings()), sent=False
    )


def _forgot_refused(refusal: BoardError):
    return render_template(
        "forgot_password.html", by_mail=False, sent=False, error=_(refusal.message)
    ), refusal.status


@web.post("/forgot-password")
@limit_reset_requests
def forgot_password_submit():
    session = db_for_request()
    try:
        # With only the company login (BOARD_PASSWORD_LOGIN=0) there is no password to
        # forget: the page refuses as the API does, and no link logs anyone in past it.
        people.require_password_login(board_settings().password_login)
        accounts.mail_reset_link(
            session, current_app._get_current_object(), form_text("email", EMAIL_MAX)
        )
    except BoardError as refusal:
        session.rollback()
        return _forgot_refused(refusal)
    return render_template("forgot_password.html", by_mail=True, sent=True)


@web.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    session = db_for_request()
    if len(token) > 100:
        abort(404)
    error = field_error = None
    status = 200
    try:
        # With only the company login a link made earlier (or by IT) would set a password
        # the board does not take, and log the person in past the company login.
        people.require_password_login(board_settings().password_login)
        user = accounts.find_reset(session, token)
    except BoardError as refusal:
        return render_template(
            "reset_password.html", token=None, error=_(refusal.message), user=None
        ), refusal.status
    if request.method == "POST":
        try:
            user = accounts.reset_password(session, token, form_text("new_password", PASSWORD_MAX))
        except BoardError as refusal:
            session.rollback()
            status = refusal.status
            # The form's one field: its problem stands beneath it, in the person's words.
            problems = [translate_field(text) for text in (refusal.fields or {}).values()]
            if problems:
                field_error = " ".join(problems)
            else:
                error = _(refusal.message)
        else:
            start_session(user)
            flash(
                _("Your new password is set. Welcome back, %(name)s!", name=user.display_name),
                "success",
            )
            return redirect("/")
    return render_template(
        "reset_password.html", token=token, error=error, field_error=field_error, user=user
    ), status
