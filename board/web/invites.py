"""The facilitator's invite links as a page: make one (shown once), see them, revoke."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_login import current_user

from board import invites, policy
from board.db import db_for_request
from board.errors import BoardError, Invalid
from board.i18n import _
from board.inputs import whole_number
from board.requests import board_settings
from board.web import web
from board.web.common import flash_refusal, login_page, refused_form

# The session key that carries a new link from the form's answer to the page, once.
NEW_INVITE_URL = "new_invite_url"


@web.get("/invites")
@login_page
def invites_page():
    policy.require(current_user, "invite.list")
    items = [invites.invite_dict(i) for i in invites.list_invites(db_for_request(), current_user)]
    response = make_response(
        render_template(
            "invites.html",
            items=items,
            # the link just made, once: in a field a keyboard can select and copy
            new_url=browser_session.pop(NEW_INVITE_URL, None),
            domains=board_settings().allowed_email_domains,
            max_days=invites.MAX_DAYS,
            default_days=invites.DEFAULT_DAYS,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the link must not stay in a cache
    return response


@web.post("/invites")
@login_page
def create_invite():
    session = db_for_request()
    raw_days = request.form.get("days", "").strip()
    # An empty box is the default; anything else must be a number the service accepts
    # ("0", "abc" or "1000" made a 7-day link without a word).
    days = (whole_number(raw_days, 3) or 0) if raw_days else invites.DEFAULT_DAYS
    try:
        _invite, token = invites.create_invite(
            session,
            current_user,
            single_use=request.form.get("reusable") != "1",
            days=days,
        )
    except Invalid as refusal:
        session.rollback()
        # The service names the API's field; on this page it is the "days" box.
        fields = {
            "days" if name == "expires_in_days" else name: text
            for name, text in (refusal.fields or {}).items()
        }
        return refused_form(
            Invalid(refusal.message, code=refusal.code, fields=fields, **refusal.params),
            "invite",
            default=url_for("web.invites_page"),
        )
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
        return redirect(url_for("web.invites_page") if _may_see() else "/")
    browser_session[NEW_INVITE_URL] = url_for("web.register", invite=token, _external=True)
    return redirect(url_for("web.invites_page"))


@web.post("/invites/<int:invite_id>/revoke")
@login_page
def revoke_invite(invite_id: int):
    session = db_for_request()
    try:
        invites.revoke_invite(session, current_user, invite_id)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
        return redirect(url_for("web.invites_page") if _may_see() else "/")
    flash(_("The invite link no longer works."), "info")
    return redirect(url_for("web.invites_page"))


def _may_see() -> bool:
    return policy.can(current_user, "invite.list")
