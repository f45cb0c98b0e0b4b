"""What every page view shares: login redirects, safe `next` targets, refusals as flash
messages, form input checks and the small Jinja filters the templates use."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import flash, g, redirect, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from board import clock
from board.db import db_for_request
from board.errors import BoardError, Invalid
from board.i18n import _, current_language, translate
from board.web import web
from models import Event

TITLE_MAX = 200
TEXT_MAX = 20_000

# Page-friendly wording for refusals whose service message reads like an API's.
FRIENDLY = {
    "already_claimed": "Someone else claimed this task first.",
    "claim_limit": "You already hold {limit} open tasks; finish or release one first.",
    "task_done": "This task is already done.",
    "read_only": "Observers watch the board and cannot change it.",
    "not_claimant": "Only the person who claimed a task may release or complete it.",
    "not_author": "Only its author may edit an idea.",
    "voting_closed": "Voting on this challenge has closed.",
    "vote_budget_spent": "You have used all your votes in this challenge.",
    "submissions_closed": "This challenge no longer takes ideas.",
}
FIELD_NAMES = {
    "title": "Title",
    "body": "Text",
    "tags": "Tags",
    "description": "Description",
    "email": "Email",
    "password": "Password",
    "display_name": "Name",
    "department_id": "Department",
    "idea_id": "Idea",
    "prompt_id": "Prompt",
}


# ---- where to go -----------------------------------------------------------------------


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site, else `default` (no open redirects)."""
    if not target or not isinstance(target, str):
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return default
    return target


def current_path() -> str:
    """This request's path and query, for `next` fields and login redirects."""
    return request.full_path.rstrip("?") if request.query_string else request.path


def back(default: str = "/", anchor: str | None = None):
    """Post/Redirect/Get: back to the page the form came from (its `next` field)."""
    target = safe_next(request.form.get("next"), default)
    if anchor and "#" not in target:
        target = f"{target}#{anchor}"
    return redirect(target)


def login_page(view: Callable) -> Callable:
    """A page that needs a login sends the visitor to /login and brings them back."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            if request.method == "GET":
                target = current_path()
            else:
                target = safe_next(request.form.get("next"), "/")
            flash(_("Please log in first."), "info")
            return redirect(url_for("web.login", next=target))
        return view(*args, **kwargs)

    return wrapper


# ---- refusals and input ------------------------------------------------------------------


def flash_refusal(error: BoardError) -> None:
    """A service's refusal as a friendly flash message in the person's language."""
    message = _(FRIENDLY.get(error.code, error.message), **error.params)
    if error.fields:
        details = "; ".join(
            f"{_(FIELD_NAMES.get(name, name))}: {_(text)}" for name, text in error.fields.items()
        )
        message = f"{message} ({details})"
    flash(message, "error")


def form_text(name: str, max_length: int, required: bool = False) -> str:
    """One text field of a posted form, length-checked like the JSON API does."""
    value = request.form.get(name, "")
    if len(value) > max_length:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={name: "This text is too long."},
        )
    if required and not value.strip():
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={name: "This must not be empty."},
        )
    return value


def form_tags(name: str = "tags") -> list[str]:
    """Tags typed as "linkedin, blog #video" become ["linkedin", "blog", "video"]."""
    raw = form_text(name, 500)
    return [part for part in re.split(r"[,#\n]+", raw) if part.strip()]


def form_int(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={name: "Expected a whole number."},
        ) from None
    return value if 0 < value < 2**31 else None


def query_int(name: str) -> int | None:
    """A page's optional integer filter; nonsense is simply ignored."""
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def as_target(data: dict) -> SimpleNamespace:
    """A serialized idea or task as the object `can(user, action, target)` asks about."""
    return SimpleNamespace(
        id=data.get("id"),
        author_id=(data.get("author") or {}).get("id"),
        claimed_by_id=(data.get("claimed_by") or {}).get("id"),
    )


# ---- the live layer's starting point ------------------------------------------------------


@web.before_app_request
def remember_last_seq():
    """Read the log's last seq BEFORE a page reads its data: the browser replays every
    event after it, so a change that lands while the page renders is never lost."""
    g.page_last_seq = None
    if request.method == "GET" and request.blueprint == "web" and current_user.is_authenticated:
        g.page_last_seq = db_for_request().scalar(select(func.max(Event.seq))) or 0


@web.app_context_processor
def page_helpers():
    # One language decision per rendered page: a board page asks `_` a few hundred times.
    language = current_language()

    def translate_for_page(message: str, **params) -> str:
        return translate(message, language, **params)

    return {
        "as_target": as_target,
        "page_last_seq": g.get("page_last_seq"),
        "current_path": current_path,
        "_": translate_for_page,
    }


# ---- Jinja filters ------------------------------------------------------------------------


def _parse(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@web.app_template_filter("ago")
def ago(value) -> str:
    """'5 minutes ago' / 'vor 5 Minuten', the same whatever the reader's time zone."""
    moment = _parse(value)
    if moment is None:
        return ""
    seconds = (clock.now() - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for limit, unit_one, unit_many, size in (
        (60, "", "", 1),
        (3600, "1 minute", "{n} minutes", 60),
        (86400, "1 hour", "{n} hours", 3600),
        (86400 * 45, "1 day", "{n} days", 86400),
        (float("inf"), "1 month", "{n} months", 86400 * 30),
    ):
        if seconds < limit:
            if size == 1:
                return _("just now")
            n = int(seconds // size)
            amount = _(unit_one) if n == 1 else _(unit_many, n=n)
            return _("in {amount}", amount=amount) if future else _("{amount} ago", amount=amount)
    return ""


@web.app_template_filter("when")
def when(value) -> str:
    """A full date and time in UTC, for title attributes."""
    moment = _parse(value)
    if moment is None:
        return ""
    if current_language() == "de":
        return moment.strftime("%d.%m.%Y, %H:%M UTC")
    return moment.strftime("%d %b %Y, %H:%M UTC")


_LIST_ITEM = re.compile(r"^\s*(?:[-+*]|\d+\.)\s+", re.MULTILINE)
_MARKDOWN_NOISE = re.compile(r"[*_`>#~\[\]]|\(https?://[^)]*\)")


@web.app_template_filter("excerpt")
def excerpt(text: str | None, length: int = 180) -> str:
    """Plain text for a card: Markdown marks dropped, list items joined with "·", cut at a
    word. Jinja still escapes it. static/js/render.js has the same for live cards."""
    plain = _MARKDOWN_NOISE.sub("", _LIST_ITEM.sub("· ", text or ""))
    plain = " ".join(plain.split())
    if len(plain) <= length:
        return plain
    return plain[:length].rsplit(" ", 1)[0] + "…"


@web.app_template_filter("plural")
def plural(n: int | None, one: str, many: str) -> str:
    return _(one, n=n) if n == 1 else _(many, n=n)


@web.app_template_global("dept_class")
def dept_class(department: dict | None) -> str:
    """A stable colour class per department, so people can scan who backs what."""
    return f"dept-c{(department or {}).get('id', 0) % 8}"


@web.app_template_global("tojson_attr")
def tojson_attr(value) -> Markup:
    """JSON for a data-* attribute (escaped by the attribute, never executed)."""
    from flask import json

    return Markup.escape(json.dumps(value))


# Sentences the browser code shows; {n} and {name} are filled in there.
JS_STRINGS = {
    "connecting": "Connecting…",
    "live": "Live",
    "reconnecting": "Reconnecting…",
    "offline": "Offline: the page still works, reload to see changes.",
    "logged_out": "You were logged out.",
    "caught_up_one": "Caught up: 1 change",
    "caught_up_many": "Caught up: {n} changes",
    "presence_one": "1 person on the board now",
    "presence_many": "{n} people on the board now",
    "vote": "vote",
    "votes": "votes",
    "hidden": "hidden",
    "no_votes": "No votes yet",
    "hidden_tallies": "Tallies hidden until the challenge closes",
    "departments_one": "backed by 1 department",
    "departments_many": "backed by {n} departments",
    "comments_one": "1 comment",
    "comments_many": "{n} comments",
    "status_open": "Open",
    "status_in_progress": "In progress",
    "status_done": "Done",
    "status_claimed": "Claimed",
    "claimed_by": "Claimed by",
    "done_by": "Done by",
    "free": "Free to claim",
    "you": "you",
    "idea_n": "Idea #{id}",
    "vote_for": "Vote for: {title}",
    "unvote_for": "Voted for: {title} (press to take it back)",
    "answers": "Answers: {title}",
    "error": "Something went wrong. Please try again.",
    "unreachable": "The board cannot be reached right now; trying again…",
    "claimed_ok": "The task is yours. Good luck!",
    "released_ok": "You released the task; someone else can pick it up.",
    "completed_ok": "Done! Thank you.",
    "new_nudge": "You have a new nudge.",
    "just_now": "just now",
    "kind_prompt": "Prompt",
    "kind_challenge": "Idea challenge",
    "phase_collecting": "Open for ideas",
    "phase_voting": "Voting",
    "phase_closed": "Closed",
    "notification_open": "Open",
    "mention_people": "People to mention",
}


@web.app_template_global("js_strings")
def js_strings() -> dict[str, str]:
    return {key: _(text) for key, text in JS_STRINGS.items()}
