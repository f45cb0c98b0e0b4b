"""The facilitator's chat connections as a page: list the webhooks, add one (its secret
shown once), send a test message, remove one. The same service as the CLI."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from board import policy, webhooks
from board.db import db_for_request
from board.errors import BoardError, Invalid
from board.i18n import N_, _, translate_field
from board.requests import board_settings
from board.web import web
from board.web.common import FIELD_NAMES, flash_refusal, form_text, login_page, page_goes_live

FIELD_NAMES.update({"format": N_("Kind"), "secret": N_("Secret"), "events": N_("Events")})
FORMAT_NAMES = {
    "slack": N_("Slack"),
    "teams": N_("Microsoft Teams"),
    "mattermost": N_("Mattermost"),
    "json": N_("Any JSON endpoint"),
}
EVENT_NAMES = {
    "idea.created": N_("New ideas"),
    "idea.updated": N_("Edited ideas"),
    "idea.votes_changed": N_("Vote counts (many messages)"),
    "idea.published": N_("Ideas that went live"),
    "idea.withdrawn": N_("Withdrawn ideas"),
    "idea.hidden": N_("Hidden ideas"),
    "idea.unhidden": N_("Ideas shown again"),
    "comment.created": N_("Comments"),
    "comment.updated": N_("Edited comments"),
    "comment.deleted": N_("Deleted comments"),
    "comment.hidden": N_("Hidden comments"),
    "comment.unhidden": N_("Comments shown again"),
    "task.created": N_("New tasks"),
    "task.claimed": N_("Claimed tasks"),
    "task.released": N_("Released tasks"),
    "task.updated": N_("Changed task plans"),
    "task.completed": N_("Completed tasks"),
    "task.reopened": N_("Reopened tasks"),
    "prompt.created": N_("New prompts and challenges"),
    "prompt.phase_changed": N_("Challenges that start voting or close (results)"),
    "person.joined": N_("People who join the board"),
    "person.left": N_("People who leave the board"),
}


@web.get("/webhooks")
@login_page
def webhooks_page():
    return _render()


def _render(*, errors: dict | None = None, secret: str | None = None, status: int = 200):
    if request.method == "POST":
        page_goes_live()  # rendered in answer to the form (its errors, or its new secret)
    items = webhooks.webhooks_overview(db_for_request(), current_user)
    form = request.form if errors else {}
    chosen = form.getlist("events") if errors else list(webhooks.CHAT_DEFAULT_TYPES)
    response = make_response(
        render_template(
            "webhooks.html",
            items=items,
            errors=errors or {},
            form=form,
            chosen=chosen,
            secret=secret,
            formats={key: _(name) for key, name in FORMAT_NAMES.items()},
            event_names={key: _(name) for key, name in EVENT_NAMES.items()},
            event_types=webhooks.public_event_types(),
            counted_up_to=webhooks.COUNTED_UP_TO,
        ),
        status,
    )
    if secret:
        response.headers["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@web.post("/webhooks")
@login_page
def add_webhook():
    session = db_for_request()
    try:
        own_secret = form_text("secret", webhooks.SECRET_MAX).strip()
        secret = own_secret or (webhooks.new_secret() if request.form.get("sign") == "1" else None)
        webhooks.add_webhook(
            session,
            form_text("url", webhooks.URL_MAX),
            request.form.get("format", ""),
            secret,
            [t for t in request.form.getlist("events") if t],
            actor=current_user,
            local_network=board_settings().webhook_local_network,
        )
    except Invalid as error:
        session.rollback()
        if not policy.can(current_user, "webhooks.manage"):
            flash_refusal(error)
            return redirect("/")
        fields = {k: translate_field(v) for k, v in (error.fields or {}).items()}
        return _render(errors=fields or {"form": _(error.message)}, status=400)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
        return redirect("/")
    flash(_("Connected. New events reach it within a few seconds."), "success")
    # Rendered, not redirected: the secret is shown this once and never stored in a cookie.
    return _render(secret=secret)


@web.post("/webhooks/<int:webhook_id>/test")
@login_page
def test_webhook(webhook_id: int):
    session = db_for_request()
    try:
        settings = board_settings()
        problem = webhooks.send_test(
            session,
            current_user,
            webhook_id,
            settings.base_url,
            local_network=settings.webhook_local_network,
        )
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
        return redirect(_back())
    if problem is None:
        flash(_("The test message was delivered."), "success")
    else:
        flash(_("The test message did not arrive: %(problem)s", problem=problem), "error")
    return redirect(url_for("web.webhooks_page") + f"#webhook-{webhook_id}")


@web.post("/webhooks/<int:webhook_id>/remove")
@login_page
def remove_webhook(webhook_id: int):
    session = db_for_request()
    try:
        removed = webhooks.remove_webhook(session, webhook_id, actor=current_user)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
        return redirect(_back())
    if removed:
        flash(_("Removed: nothing more is sent there."), "info")
    else:  # removed meanwhile (another tab, a colleague, the CLI): say so, not nothing
        flash(_("That channel was removed already: nothing is sent there."), "info")
    return redirect(url_for("web.webhooks_page"))


def _back() -> str:
    return url_for("web.webhooks_page") if policy.can(current_user, "webhooks.manage") else "/"
