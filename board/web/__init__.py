"""Server-rendered pages (Jinja), usable without JavaScript. Thin: parse → service → render."""

from __future__ import annotations

from flask import Blueprint

from board import policy
from board.i18n import current_language

web = Blueprint("web", __name__)


@web.app_context_processor
def template_helpers():
    """What every template may use besides Flask-Babel's `_`/`ngettext`/`pgettext`: the
    page's language and the permission question."""
    return {"current_language": current_language, "can": policy.can}


from board.web import (  # noqa: E402,F401
    account,
    auth,
    calendar_pages,
    cards,
    common,
    content_pages,
    feed,
    form_messages,
    health,
    help_pages,
    idea_pages,
    invites,
    nudge_pages,
    oidc,
    pages,
    people_pages,
    prompt_pages,
    reach_pages,
    task_pages,
    webhook_pages,
)
