from __future__ import annotations

from flask import current_app
from flask import session as cookie_session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from board import accounts, people, personal_data
from board.api import api, db, ok, settings
from board.csrf import csrf
from board.i18n import current_language
from board.inputs import require_same_origin
from board.limits import DISPLAY_NAME_MAX, EMAIL_MAX, PASSWORD_MAX
from board.person_json import department_dict
from board.ratelimit import limit_login, limit_registration, limit_reset_requests
from board.requests import Field, json_body, no_body, query_text
from board.security import (
    end_current_session,
    end_other_session,
    login_age_seconds,
    start_session,
)


@api.get("/departments")
def list_departments():
    return ok([department_dict(d) for d in people.list_departments(db())])


def _start_session(user) -> dict:
    start_session(user)  # a fresh session: nothing from before, CSRF token included, survives
    return {"user": people.user_dict(user), "csrf_token": generate_csrf()}


@api.post("/auth/register")
@limit_registration
@csrf.exempt
def register():
    require_same_origin(settings())  # exempt from the CSRF token: another site must not use it
    people.require_password_login(settings().password_login)
    body = json_body(
        {
            "email": Field("str", required=True, max_length=EMAIL_MAX),
            "password": Field("str", required=True, max_length=PASSWORD_MAX),
            "display_name": Field("str", required=True, max_length=DISPLAY_NAME_MAX),
            "department_id": Field("int", required=True),
            "invite": Field("str", nullable=True, max_length=200),
        }
    )
    user = people.register(
        db(),
        body["email"],
        body["password"],
        body["display_name"],
        body["department_id"],
        invite=body.get("invite"),
        allowed_domains=settings().allowed_email_domains,
    )
    return ok(_start_session(user), 201)


@api.post("/auth/login")
@limit_login
@csrf.exempt
def login():
    require_same_origin(settings())  # exempt from the CSRF token: another site must not use it
    people.require_password_login(settings().password_login)
    body = json_body(
        {
            "email": Field("str", required=True, max_length=EMAIL_MAX),
            "password": Field("str", required=True, max_length=PASSWORD_MAX),
        }
    )
    user = people.authenticate(db(), body["email"], body["password"])
    return ok(_start_session(user))


@api.post("/auth/password-reset")
@limit_reset_requests
@csrf.exempt
def request_password_reset():
    """Extension: "forgot password". A link goes by e-mail to the address if it has an
    account here; the answer is the same either way (204). Without mail set up: 403."""
    require_same_origin(settings())
    people.require_password_login(settings().password_login)
    body = json_body({"email": Field("str", required=True, max_length=EMAIL_MAX)})
    accounts.mail_reset_link(db(), current_app._get_current_object(), body["email"])
    return "", 204


@api.post("/auth/password-reset/confirm")
@csrf.exempt
def confirm_password_reset():
    """Extension: a new password with the link's token; logs the person in (old sessions end)."""
    require_same_origin(settings())
    body = json_body(
        {
            "token": Field("str", required=True, max_length=100),
            "new_password": Field("str", required=True, max_length=PASSWORD_MAX),
        }
    )
    user = accounts.reset_password(db(), body["token"], body["new_password"])
    return ok(_start_session(user))


@api.post("/auth/logout")
def logout():
    no_body()
    end_current_session()  # a copy of the old cookie no longer logs anyone in
    return "", 204


@api.get("/me")
def me():
    return ok({"user": people.user_dict(current_user), "csrf_token": generate_csrf()})


@api.patch("/me")
def update_me():
    """A person's own settings: language, handle, e-mail notifications, time zone; and their own
    name and department (My account)."""
    body = json_body(
        {
            "language": Field("str", nullable=True, max_length=5),
            "handle": Field("str", max_length=64),
            "email_notifications": Field("str", max_length=10),
            "timezone": Field("str", nullable=True, max_length=64),
            "display_name": Field("str", max_length=DISPLAY_NAME_MAX),
            "department_id": Field("int"),
        }
    )
    me = current_user._get_current_object()
    account = {k: body.pop(k) for k in ("display_name", "department_id") if k in body}
    if account:
        accounts.update_profile(db(), me, account.get("display_name"), account.get("department_id"))
    if body or not account:
        people.update_settings(db(), me, body)
    return ok({"user": people.user_dict(current_user), "csrf_token": generate_csrf()})


@api.get("/me/export")
def export_me():
    """Everything the board holds about the caller (GDPR), their own votes included."""
    data = personal_data.export_data(db(), current_user._get_current_object())
    response = ok(data)
    name = personal_data.export_file_name(current_language())
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@api.delete("/me")
def erase_me():
    """Erase the caller (GDPR): confirmed by their password, or by a company login less
    than ten minutes old for an account without one."""
    body = json_body({"password": Field("str", max_length=PASSWORD_MAX)}, allow_empty=True)
    me = current_user._get_current_object()
    company_login = login_age_seconds() if cookie_session.get("oidc") else None
    personal_data.confirm_erasure(me, body.get("password"), company_login)
    end_current_session()
    personal_data.erase_person(db(), db().merge(me))
    return "", 204


@api.get("/people")
def search_people():
    """Extension: people one may @mention whose handle or name starts with `q`."""
    return ok({"items": people.search_people(db(), current_user, query_text("q", 40) or "")})


@api.post("/me/password")
def change_password():
    # With only the company login a new password could never be used to log in.
    people.require_password_login(settings().password_login)
    body = json_body(
        {
            "current_password": Field("str", required=True, max_length=PASSWORD_MAX),
            "new_password": Field("str", required=True, max_length=PASSWORD_MAX),
        }
    )
    user = accounts.change_password(
        db(), current_user._get_current_object(), body["current_password"], body["new_password"]
    )
    # Every other session has ended; this one goes on with a fresh id and CSRF token.
    return ok(_start_session(user))


@api.get("/me/sessions")
def list_my_sessions():
    items = accounts.list_sessions(db(), current_user, cookie_session.get("board_sid"))
    return ok({"items": items})


@api.delete("/me/sessions/<int:session_id>")
def end_my_session(session_id: int):
    no_body()
    board_sid = accounts.end_session(
        db(), current_user, session_id, cookie_session.get("board_sid")
    )
    end_other_session(board_sid)
    return "", 204
