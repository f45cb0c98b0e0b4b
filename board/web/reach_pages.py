"""The inbox, following from the idea page, a person's page (where @mentions link) and
a person's own notification settings. Thin: parse → service → render."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from board import directory, ideas, mail, notifications, people, policy
from board.csrf import csrf
from board.db import db_for_request
from board.errors import BoardError
from board.i18n import _, current_language
from board.requests import INT_MAX, query_int
from board.web import web
from board.web.common import (
    back,
    flash_refusal,
    form_id,
    login_page,
    refused_form,
    remember_badges,
)


@web.app_context_processor
def unread_badges():
    """`unread_nudges` and `unread_notifications` for the navigation's badges on every page,
    in one statement, once per page (a kept frame's key asks them before its render)."""
    from flask import g, has_request_context

    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return {"unread_nudges": 0, "unread_notifications": 0}
    asked = g.get("board_badges")
    if asked is not None and asked[0] == current_user.id:
        return asked[1]
    try:
        nudges, inbox = notifications.unread_badges(db_for_request(), current_user)
    except SQLAlchemyError:  # never let the badges break an (error) page
        return {"unread_nudges": 0, "unread_notifications": 0}
    return remember_badges(current_user.id, nudges, inbox)


@web.get("/notifications")
@login_page
def inbox_page():
    session = db_for_request()
    page = notifications.list_notifications(
        session, current_user, current_language(), limit=notifications.INBOX_PAGE
    )
    return render_template(
        "notifications.html",
        groups=notifications.inbox_groups(page["items"]),
        unread=page["unread"],
        last_id=max((item["id"] for item in page["items"]), default=0),
    )


@web.get("/notifications/updates")
@login_page
def inbox_updates():
    """What changed since the inbox page showed notifications up to `after`: the newer ones
    as HTML for static/js/notifications.js to put on top (the page's own template), which
    older ones are still unread, and the badges' counts."""
    after = query_int("after", 0, minimum=0, maximum=INT_MAX)
    news = notifications.inbox_since(db_for_request(), current_user, current_language(), after)
    html = render_template(
        "notifications_groups.html", groups=notifications.inbox_groups(news["items"])
    )
    response = jsonify(
        {
            "html": html,
            "last_id": max((item["id"] for item in news["items"]), default=after),
            "unread_ids": news["unread_ids"],
            "unread": news["unread"],
            "nudges_unread": news["nudges_unread"],
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@web.post("/notifications/read")
@login_page
def inbox_mark_read():
    session = db_for_request()
    one = form_id("id")
    try:
        notifications.mark_read(session, current_user, [one] if one is not None else None)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    return back("/notifications")


@web.post("/ideas/<int:idea_id>/follow")
@login_page
def follow_form(idea_id: int):
    session = db_for_request()
    following = request.form.get("following") == "1"
    try:
        notifications.set_following(session, current_user, idea_id, following)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    return back(f"/ideas/{idea_id}")


PERSON_IDEAS = 20  # a person's page lists their newest ideas


@web.get("/people/<handle>")
@login_page
def person_page(handle: str):
    session = db_for_request()
    person = people.find_by_handle(session, current_user, handle)
    return render_template(
        "person.html",
        profile=person,
        tasks=directory.tasks_held_by(session, current_user, person),
        ideas=ideas.ideas_by_author(session, current_user, person.id, limit=PERSON_IDEAS),
        # how many each list shows, for the ones that arrive live (static/js/person.js)
        tasks_shown=directory.TASKS_SHOWN,
        ideas_shown=PERSON_IDEAS,
    )


# What someone who is told of nothing as it happens may choose (observers, by
# policy.receives_notifications): the feed's weekly summary or nothing; any other setting of
# theirs sends nothing.
SUMMARY_ONLY = ("off", "weekly")


@web.get("/settings")
@login_page
def settings_page():
    told = policy.receives_notifications(current_user)
    choices = people.EMAIL_CHOICES if told else SUMMARY_ONLY
    chosen = current_user.email_notifications
    return render_template(
        "settings.html",
        choices=choices,
        chosen=chosen if chosen in choices else "off",
        summary_only=not told,
    )


@web.post("/settings")
@login_page
def save_settings():
    session = db_for_request()
    changes = {}
    if "handle" in request.form:
        changes["handle"] = request.form.get("handle", "")[:64]
    if request.form.get("email_notifications") is not None:
        changes["email_notifications"] = request.form.get("email_notifications")
    try:
        people.update_settings(session, current_user._get_current_object(), changes)
    except BoardError as refusal:
        session.rollback()
        # Back as typed, each error beside its field (a flash and a redirect lost both).
        return refused_form(refusal, "settings", default="/settings")
    flash(_("Your settings are saved."), "success")
    return redirect("/settings#settings-title")  # nav.js gives the message the focus


# ---- one-click unsubscribe (RFC 8058): no login, the signed token is the permission ----


@web.get("/mail/unsubscribe/<token>")
def unsubscribe_page(token: str):
    """A GET only asks (mail scanners follow links); the POST turns mail off. A link that
    cannot work says so at once, not after the person has pressed the button."""
    settings = current_app.extensions["board_settings"]
    if mail.unsubscribe_reader(db_for_request(), settings.secret_key, token) is None:
        return render_template("unsubscribe.html", done=False, bad=True), 400
    return render_template("unsubscribe.html", done=False, bad=False)


@web.post("/mail/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    settings = current_app.extensions["board_settings"]
    user = mail.unsubscribe(db_for_request(), settings.secret_key, token)
    status = 200 if user is not None else 400
    return render_template("unsubscribe.html", done=user is not None, bad=user is None), status
