"""The forms for fixing one's mistakes (edit or delete a comment, withdraw an idea, reopen
a task), for moderation in the open (flag, hide, show again, the facilitator's list of
flags) and the image files themselves. Post/Redirect/Get; refusals become flash messages."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from board import corrections, images, moderation, tasks
from board.db import db_for_request
from board.errors import BoardError
from board.i18n import _
from board.limits import TEXT_MAX
from board.web import web
from board.web.common import (
    back,
    flash_refusal,
    form_image_markdown,
    form_text,
    login_page,
    refused_form,
    safe_next,
    with_image,
)


def _idea_of_comment(comment_id: int) -> int | None:
    try:
        return corrections.get_comment(db_for_request(), current_user, comment_id)["idea_id"]
    except BoardError:
        return None


def _back_to_comment(comment_id: int):
    idea_id = _idea_of_comment(comment_id)
    if idea_id is None:
        return redirect("/")
    return redirect(url_for("web.idea_page", idea_id=idea_id, _anchor=f"comment-{comment_id}"))


def _back_from_moderation(kind: str, target_id: int):
    """A flag or hide form goes back to the page it was sent from, at what it was about:
    the flags list at that item (a hidden comment sent the facilitator off to its idea's
    page, a hidden idea to the top of the list), else the idea's page, at the comment or at
    the idea's controls."""
    if kind == "comment":
        idea_id = _idea_of_comment(target_id)
        home = "/" if idea_id is None else url_for("web.idea_page", idea_id=idea_id)
    else:
        home = url_for("web.idea_page", idea_id=target_id)
    target = safe_next(request.form.get("next"), home)
    if "#" not in target:
        path = urlsplit(target).path
        if path == url_for("web.moderation_page"):
            target += f"#flagged-{kind}-{target_id}"
        elif path == home:
            # at the comment, or at the idea's own controls (below a long idea, on a phone)
            target += f"#comment-{target_id}" if kind == "comment" else "#idea-controls"
    return redirect(target)


def _attempt(action, success: str | None) -> None:
    session = db_for_request()
    try:
        action(session)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    else:
        if success:
            flash(success, "success")


# ---- fixing mistakes ------------------------------------------------------------------


@web.post("/comments/<int:comment_id>/edit")
@login_page
def edit_comment(comment_id: int):
    def action(session):
        body = form_text("body", TEXT_MAX)
        picture = form_image_markdown(session)
        corrections.edit_comment(session, current_user, comment_id, with_image(body, picture))

    _attempt(action, _("Your comment is updated."))
    return _back_to_comment(comment_id)


@web.post("/comments/<int:comment_id>/delete")
@login_page
def delete_comment(comment_id: int):
    _attempt(
        lambda session: corrections.delete_comment(session, current_user, comment_id),
        _("Your comment is deleted."),
    )
    return _back_to_comment(comment_id)


@web.post("/ideas/<int:idea_id>/withdraw")
@login_page
def withdraw_idea(idea_id: int):
    _attempt(
        lambda session: corrections.withdraw_idea(session, current_user, idea_id),
        _("You withdrew your idea. It is no longer on the board; its tasks stay as they are."),
    )
    return redirect(url_for("web.idea_page", idea_id=idea_id))


@web.post("/tasks/<int:task_id>/reopen")
@login_page
def reopen_task(task_id: int):
    _attempt(
        lambda session: tasks.reopen_task(session, current_user, task_id),
        _("The task is open again, and still yours."),
    )
    return back(url_for("web.task_page", task_id=task_id))


# ---- moderation in the open -----------------------------------------------------------


def _moderate(action, form: str, success: str, done):
    """A flag or hide form: on success its message and the way back (`done()`); refused, the
    page it came from again, the form open as typed and the error beside its field."""
    session = db_for_request()
    try:
        action(session)
    except BoardError as refusal:
        session.rollback()
        return refused_form(refusal, form, default=done().location)
    flash(success, "success")
    return done()


def _flag(kind: str, target_id: int, done):
    return _moderate(
        lambda session: moderation.flag(
            session,
            current_user,
            kind,
            target_id,
            request.form.get("reason", ""),
            form_text("note", 300),
        ),
        f"flag-{kind}-{target_id}",
        _("Thank you. The facilitator will have a look."),
        done,
    )


def _hide_or_show(kind: str, target_id: int, done):
    if request.form.get("hide") == "0":
        _attempt(
            lambda session: moderation.unhide(session, current_user, kind, target_id),
            _("It is shown again."),
        )
        return done()
    return _moderate(
        lambda session: moderation.hide(
            session, current_user, kind, target_id, form_text("reason", 300)
        ),
        f"hide-{kind}-{target_id}",
        _("It is hidden, with your reason for everyone to read."),
        done,
    )


@web.post("/ideas/<int:idea_id>/flag")
@login_page
def flag_idea(idea_id: int):
    return _flag("idea", idea_id, lambda: _back_from_moderation("idea", idea_id))


@web.post("/comments/<int:comment_id>/flag")
@login_page
def flag_comment(comment_id: int):
    return _flag("comment", comment_id, lambda: _back_from_moderation("comment", comment_id))


@web.post("/ideas/<int:idea_id>/hide")
@login_page
def hide_idea(idea_id: int):
    return _hide_or_show("idea", idea_id, lambda: _back_from_moderation("idea", idea_id))


@web.post("/comments/<int:comment_id>/hide")
@login_page
def hide_comment(comment_id: int):
    return _hide_or_show(
        "comment", comment_id, lambda: _back_from_moderation("comment", comment_id)
    )


@web.get("/moderation")
@login_page
def moderation_page():
    items = moderation.list_flags(db_for_request(), current_user)
    return render_template("moderation.html", items=items, reason_labels=moderation.REASON_LABELS)


# ---- the image files --------------------------------------------------------------------

# A picture is only ever a picture: the stored format's type, never sniffed, shown inline,
# and sandboxed so that even a browser that took it for a page would run nothing.
IMAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, max-age=86400",
}


@web.get("/images/<int:image_id>")
@login_page
def image_file(image_id: int):
    stored = images.open_image(db_for_request(), current_user, image_id)
    # The board answers with the bytes whichever store holds them (never a redirect to a
    # bucket): same login check, same headers.
    response = send_file(
        io.BytesIO(stored.data),
        mimetype=stored.content_type,
        conditional=True,
        etag=stored.etag,
    )
    response.headers.update(IMAGE_HEADERS)
    response.headers["Content-Disposition"] = f'inline; filename="{stored.filename}"'
    return response
