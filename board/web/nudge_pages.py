"""Nudges as pages: the inbox (received and sent), sending one from the help page (the
facilitator) and marking one read (its unread badge: reach_pages.unread_badges)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from board import nudges
from board.db import db_for_request
from board.errors import BoardError
from board.i18n import _
from board.limits import TEXT_MAX
from board.web import web
from board.web.common import (
    flash_refusal,
    form_number,
    form_text,
    login_page,
    refused_form,
    safe_next,
)


@web.get("/nudges")
@login_page
def nudges_page():
    session = db_for_request()
    items = nudges.list_nudges(session, current_user)
    sent = [n for n in items if not n["received"]]
    return render_template(
        "nudges.html",
        received=[n for n in items if n["received"]],
        sent=sent,
        receipts=nudges.read_receipts(session, current_user, [n["id"] for n in sent]),
    )


@web.post("/nudges")
@login_page
def send_nudge():
    session = db_for_request()
    back = safe_next(request.form.get("next"), url_for("web.help_page"))
    target = request.form.get("target", "")
    ids = {name: None for name in nudges.TARGETS}
    try:
        if target in nudges.TARGETS:
            ids[target] = form_number(target)
        nudges.send_nudge(session, current_user, form_text("message", TEXT_MAX), **ids)
    except BoardError as refusal:
        session.rollback()
        # The form is named by the target it suggested: a department chosen in its list
        # other than the suggested one still finds its form, with what was typed in it.
        suggested = request.form.get("suggested") or request.form.get(target, "")
        form = f"nudge-{target}-{suggested}"
        return refused_form(refusal, form, back, "nudge.send")
    flash(_("Nudge sent."), "success")
    return redirect(back)


@web.post("/nudges/<int:nudge_id>/read")
@login_page
def mark_nudge_read(nudge_id: int):
    session = db_for_request()
    try:
        nudges.mark_read(session, current_user, nudge_id)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
    else:
        # Said where the nudge was (nav.js moves it there), and the focus goes on from it:
        # without it, the button was gone and the keyboard started again at the top.
        flash(_("Marked as read."), "success")
    return redirect(url_for("web.nudges_page") + f"#nudge-{nudge_id}")
