"""What every page view shares: login redirects, safe `next` targets, refusals as flash
messages, form input checks and the small Jinja filters the templates use."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from functools import wraps
from types import SimpleNamespace
from weakref import WeakKeyDictionary

from babel.dates import (
    TIMEDELTA_UNITS,
    format_skeleton,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from babel.dates import format_timedelta as format_babel_timedelta
from flask import current_app, flash, g, make_response, redirect, request, url_for
from flask_babel import format_timedelta, get_locale, get_timezone, get_translations
from flask_login import current_user
from markupsafe import Markup

from board import clock, images, moderation, notifications, policy, prompts, publications
from board.addresses import shown_email
from board.db import db_for_request
from board.errors import BoardError, Denied, FieldMessage, Invalid, NotFound
from board.i18n import N_, _, current_language, lazy_pgettext, time_zone_label, translate_field
from board.inputs import iso_time, shows_nothing, url_parts, utc_time, whole_number
from board.kept import keep
from board.limits import INT_MAX, INT_MIN, TAG_LIST_MAX
from board.requests import parse_date, reader_tz
from board.tasks import allowed_channels, channel_label, publish_on_bounds
from board.text import plain_text
from board.web import web

# Page-friendly wording for refusals whose service message reads like an API's.
FRIENDLY = {
    "already_claimed": N_("Someone else claimed this task first."),
    "claim_limit": N_(
        "You hold as many open tasks as one person may (%(limit)s); finish or release one first."
    ),
    "task_done": N_("This task is already done."),
    "read_only": N_("Observers watch the board and cannot change it."),
    "not_claimant": N_("Only the person who claimed a task may release or complete it."),
    "not_author": N_("Only its author may edit an idea."),
    "voting_closed": N_("Voting on this challenge has closed."),
    "vote_budget_spent": N_("You have used all your votes in this challenge."),
    "submissions_closed": N_("This challenge no longer takes ideas."),
    "idea_withdrawn": N_("Its author has withdrawn this idea."),
    "idea_hidden": N_("This idea is hidden."),
    "comment_deleted": N_("This comment was deleted."),
}
FIELD_NAMES = {
    "title": N_("Title"),
    "body": N_("Text"),
    "tags": N_("Tags"),
    "description": N_("Description"),
    "email": N_("Email"),
    "password": N_("Password"),
    "display_name": N_("Name"),
    "department_id": N_("Department"),
    "idea_id": N_("Idea"),
    "prompt_id": N_("Prompt"),
    "channels": N_("Channels"),
    "publish_on": N_("Publishing day"),
    "url": N_("Link"),
    "channel": N_("Channel"),
    "published_at": N_("Published"),
    "file": N_("Image"),
    "image": N_("Image"),
    "reason": N_("Reason"),
    "note": N_("Note"),
}

# ---- where to go -----------------------------------------------------------------------


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site, else `default` (no open redirects)."""
    if not target or not isinstance(target, str):
        return default
    target = target.strip()
    parts = url_parts(target)
    if (
        parts is None
        or parts.scheme
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
            f"{_(FIELD_NAMES.get(name, name))}: {translate_field(text)}"
            for name, text in error.fields.items()
        )
        message = f"{message} ({details})"
    flash(message, "error")


def refused_form(refusal: BoardError, form: str, default: str = "/", action: str = "", target=None):
    """A refused form comes back as it was typed: the page it was sent from (its `next`
    field, else `default`) is rendered again in this response (400) with the typed values,
    the form open and each field's error beside it (templates/partials/forms.html).
    Someone who may not do `action` (to `target`) at all sees why instead: there is no form
    for them to fix."""
    page = safe_next(request.form.get("next"), default)
    if action and not isinstance(refusal, (Denied, NotFound)):
        refusal = policy.why_not(current_user, action, target) or refusal
    if isinstance(refusal, (Denied, NotFound)):  # not the input's fault: nothing to fix in it
        flash_refusal(refusal)
        return redirect(page)
    g.failed_form = {
        "form": form,
        "values": request.form.to_dict(flat=False),
        "errors": {name: translate_field(text) for name, text in (refusal.fields or {}).items()},
        "message": _(FRIENDLY.get(refusal.code, refusal.message), **refusal.params),
    }
    environ = request.environ
    with current_app.test_request_context(
        page,
        base_url=request.host_url,
        headers={"Cookie": environ.get("HTTP_COOKIE", "")},
        environ_base={"REMOTE_ADDR": environ.get("REMOTE_ADDR", "")},
    ):
        try:
            response = make_response(
                current_app.preprocess_request() or current_app.dispatch_request()
            )
        except Exception:  # the page itself cannot be shown
            response = None
    if response is None or response.status_code != 200 or not g.failed_form.get("shown"):
        # The page is gone or no longer holds that form: the refusal as a message, then.
        g.failed_form = None
        flash_refusal(refusal)
        return redirect(page)
    response.status_code = 400
    return response


def form_values(form: str) -> dict | None:
    """What was typed into `form` when it was just refused, else None."""
    state = g.get("failed_form")
    return state if state and state["form"] == form else None


@web.app_template_global("typed")
def typed(form: str, field: str, default="") -> str:
    """The value typed into a refused form's field, else `default` (for value=…)."""
    state = form_values(form)
    if state is None:
        return default
    return (state["values"].get(field) or [""])[0]


@web.app_template_global("typed_all")
def typed_all(form: str, field: str, default=()) -> list:
    """Every value of a refused form's multi-valued field (ticked boxes), else `default`."""
    state = form_values(form)
    return list(default) if state is None else state["values"].get(field, [])


@web.app_template_global("invalid_attrs")
def invalid_attrs(form: str, field: str) -> Markup:
    """A refused field's attributes: marked invalid, described by its error, focused."""
    state = form_values(form)
    if state is None or not state["errors"].get(field):
        return Markup("")
    return Markup(' aria-invalid="true" aria-describedby="{}-{}-error" autofocus').format(
        form, field
    )


@web.app_template_global("form_refusal")
def form_refusal(form: str) -> dict | None:
    """{"message", "errors"} when `form` was just refused, else None."""
    state = form_values(form)
    if state is not None:
        state["shown"] = True  # the page holds the form: its errors are on it
    return state


def _invalid(name: str, problem: str) -> Invalid:
    return Invalid(
        "Some fields are missing or invalid.", code="invalid_fields", fields={name: problem}
    )


def form_text(name: str, max_length: int, required: bool = False) -> str:
    """One text field of a posted form, length-checked like the JSON API does."""
    value = request.form.get(name, "")
    if len(value) > max_length:
        raise _invalid(name, FieldMessage("At most %(limit)s characters.", limit=max_length))
    if required and shows_nothing(value):
        raise _invalid(name, N_("This must not be empty."))
    return value


def form_image_markdown(session, name: str = "image") -> str:
    """An image chosen in a page form (no JavaScript needed): checked and stored like the
    API's upload; its Markdown, to add to the text it belongs to ("" when none was chosen)."""
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        return ""
    try:
        stored = images.upload_image(
            session, current_user, upload.stream.read(images.MAX_BYTES + 1)
        )
    except Invalid as refusal:
        # The API names its upload "file"; here the reason goes beside this form's field.
        fields = {
            name if key == "file" else key: text for key, text in (refusal.fields or {}).items()
        }
        raise Invalid(refusal.message, code=refusal.code, fields=fields, **refusal.params) from None
    return stored["markdown"]


def with_image(body: str, markdown: str) -> str:
    return f"{body.rstrip()}\n\n{markdown}" if markdown and body.strip() else (markdown or body)


def form_tags(name: str = "tags") -> list[str]:
    """Tags typed as "linkedin, blog #video" become ["linkedin", "blog", "video"]; a "#"
    inside a word stays ("c#")."""
    raw = form_text(name, TAG_LIST_MAX)
    return [part for part in re.split(r"[,\n]+|\s+(?=#)", raw) if part.strip().strip("#")]


def form_number(name: str) -> int | None:
    """A whole number (any sign, as the database can store it); empty is None."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    value = whole_number(raw, signed=True)
    if value is None:
        raise _invalid(name, N_("Expected a whole number."))
    if not INT_MIN <= value <= INT_MAX:
        raise _invalid(name, N_("This number is out of range."))
    return value


def form_id(name: str) -> int | None:
    """An optional id chosen in a form (a department, a prompt, an idea): empty is None;
    any whole number goes on to the service, which refuses one that names no row, as the
    API does (an out-of-range idea is "No such idea.", never a task without an idea)."""
    return form_number(name)


def form_time(name: str) -> datetime | None:
    """A datetime-local field, in the person's time zone (the one the pages show times in);
    for someone whose zone is not stored yet, the browser's (tz_offset, set by prompts.js),
    else BOARD_TIMEZONE."""
    raw = request.form.get(name, "").strip()
    value = iso_time(raw) if raw else None
    if value is not None and value.tzinfo is None:
        offset = form_number("tz_offset")
        if getattr(current_user, "timezone", None) or offset is None:
            value = value.replace(tzinfo=reader_tz())
        else:
            if not -16 * 60 <= offset <= 16 * 60:
                offset = 0
            value = value.replace(tzinfo=timezone(timedelta(minutes=-offset)))
        value = utc_time(value)  # the same rule as a time typed with its offset
    if raw and value is None:
        raise _invalid(name, N_("Expected a date and time."))
    return value


def form_date(name: str):
    """A date field (<input type=date> sends YYYY-MM-DD); empty is None."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    parsed = parse_date(raw)
    if parsed is None:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={name: "Expected a date like 2026-05-01."},
        )
    return parsed


LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what a datetime-local field shows and sends


def input_bounds(field: str, keep: date | str | None = None) -> Markup:
    """` min=… max=…` for the date or datetime-local input of `field`: the server's own rule
    now, so that the browser's date picker offers only days the server takes (the server
    still decides and says why beside the field). Close times are in the zone `form_time`
    reads them in; while the person's zone is not stored, the browser's is (prompts.js
    moves the bounds there from `data-min-at`/`data-max-at`). `keep`, a day stored
    before, stays allowed: the plan form must still send it when only a channel changes."""
    now = clock.now()
    if field == "publish_on":
        first, last = publish_on_bounds(now)
    elif field == "published_on":
        first, last = publications.publication_day_bounds(now)
    else:
        earliest, latest = prompts.close_time_bounds(now)[field]
        zone = reader_tz()
        attrs = (
            f' min="{earliest.astimezone(zone).strftime(LOCAL_MINUTE)}"'
            f' max="{latest.astimezone(zone).strftime(LOCAL_MINUTE)}"'
        )
        if not getattr(current_user, "timezone", None):
            attrs += f' data-min-at="{clock.iso(earliest)}" data-max-at="{clock.iso(latest)}"'
        return Markup(attrs)
    keep = parse_date(keep) if isinstance(keep, str) else keep
    if keep is not None:
        first, last = min(first, keep), max(last, keep)
    return Markup(f' min="{first.isoformat()}" max="{last.isoformat()}"')


def form_channels(name: str = "channels") -> list[str]:
    """The ticked channel boxes (the service checks them against BOARD_CHANNELS)."""
    return [value for value in request.form.getlist(name) if value.strip()][:50]


def query_int(name: str) -> int | None:
    """A page's optional integer filter; nonsense is simply ignored."""
    return whole_number(request.args.get(name, "").strip(), 9)


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
    event after it, so a change that lands while the page renders is never lost. The
    navigation's unread badges come with it, in the same statement."""
    g.page_last_seq = None
    asked = request._get_current_object()  # every request asks: see db.db_for_request
    if asked.method == "GET" and asked.blueprint == "web" and current_user.is_authenticated:
        page_goes_live()


def page_goes_live() -> None:
    """This request's page starts the live layer (the log's last seq, read before the page
    reads its data, and the unread badges): every GET page does, and a page rendered in
    answer to a form (the webhooks page with its new secret or its errors), which would
    otherwise stand still and say that live updates need JavaScript."""
    seq, nudge_count, inbox = notifications.last_seq_and_badges(db_for_request(), current_user)
    g.page_last_seq = seq
    remember_badges(current_user.id, nudge_count, inbox)


def remember_badges(user_id: int, nudge_count: int, inbox: int) -> dict:
    """The unread badges of `user_id` for this request (reach_pages.unread_badges)."""
    badges = {"unread_nudges": nudge_count, "unread_notifications": inbox}
    g.board_badges = (user_id, badges)
    return badges


@web.app_context_processor
def page_helpers():
    return {
        "as_target": as_target,
        # a flag's reason as people read it, in the reader's language
        "flag_reason_labels": {code: _(label) for code, label in moderation.REASON_LABELS.items()},
        "channel_label": channel_label,
        "board_channels": allowed_channels(),
        "page_last_seq": g.get("page_last_seq"),
        "current_path": current_path,
        # the zone times are shown in (static/js/ui.js formats live ones in it too)
        "reader_timezone": reader_tz().key,
        "input_bounds": input_bounds,
    }


# ---- Jinja filters ------------------------------------------------------------------------


def _parse(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# A page's times as words: `when` is the same text for the same moment, locale and zone
# whatever the hour; `ago` the same for the same locale, direction, unit and number. Both
# made once per process (up to TEXTS_KEPT of each, then started afresh), not for every
# card of every page: Babel's formatting was a fifth of an idea card.
TEXTS_KEPT = 4096
AGO_THRESHOLD = 0.85
_WHEN_TEXTS: dict = {}
_AGO_TEXTS: dict = {}


@web.app_template_filter("zone_name")
def zone_name(zone: str) -> str:
    """A time zone as the reader knows it: "Deutschland (Berlin)" rather than Europe/Berlin."""
    return time_zone_label(zone, current_language())


@web.app_template_filter("ago")
def ago(value) -> str:
    """'5 minutes ago' / 'vor 5 Minuten' (Babel's relative time in the reader's language)."""
    return ago_at(value, clock.now())


def ago_at(value, now: datetime, locale=None) -> str:
    """`ago` for a page that formats many times: `now` and the reader's locale given once."""
    moment = _parse(value)
    if moment is None:
        return ""
    delta = moment - now
    if 0 < delta.total_seconds() < 60:  # a deadline seconds away has not passed yet
        return _("in less than a minute")
    if abs(delta.total_seconds()) < 60:
        return _("just now")
    if locale is None:
        return format_timedelta(delta, add_direction=True)
    # What Flask-Babel's format_timedelta does, without looking up the locale again. Its
    # text depends only on the locale, the direction and the unit and number it picks
    # (Babel's own choice, made the same way here), so each such text is made once.
    seconds = delta.days * 86400 + delta.seconds
    for unit, per_unit in TIMEDELTA_UNITS:
        number = abs(seconds) / per_unit
        if number >= AGO_THRESHOLD or unit == "second":
            if unit == "second" and number > 0:
                number = max(1, number)
            key = (locale, seconds >= 0, unit, int(round(number)))
            break
    text = _AGO_TEXTS.get(key)
    if text is None:
        text = format_babel_timedelta(
            delta, "second", threshold=AGO_THRESHOLD, add_direction=True, locale=locale
        )
        keep(_AGO_TEXTS, key, text, TEXTS_KEPT)
    return text


@web.app_template_filter("when")
def when(value) -> str:
    """A full date and time in the reader's language and time zone ("Oct 21, 2026, 2:05 PM",
    "21.10.2026, 14:05"), for title attributes."""
    return when_in(value, when_formats())


def when_in(value, formats: tuple) -> str:
    """`when` with the reader's locale, zone and patterns given (`when_formats()`)."""
    locale, zone, pattern, day, clock_time = formats
    key = (value, locale, zone)  # the patterns are the locale's
    text = _WHEN_TEXTS.get(key)
    if text is not None:
        return text
    moment = _parse(value)
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    if hasattr(zone, "normalize"):  # pytz
        local = zone.normalize(local)
    # What Flask-Babel's format_date(…, "medium") and format_time(…, "short") give, without
    # looking up the locale, zone and patterns again for each of a page's 50 cards.
    text = pattern.replace("{1}", day.apply(local.date(), locale)).replace(
        "{0}", clock_time.apply(local.timetz(), locale, reference_date=moment.date())
    )
    # CLDR puts a narrow no-break space before "PM"; browsers' Intl (static/js/ui.js
    # fullTime) write a plain one, and a live item must read as a loaded one.
    return keep(_WHEN_TEXTS, key, text.replace("\u202f", " "), TEXTS_KEPT)


def when_formats() -> tuple:
    """The reader's locale (`kept_locale`) and zone and the patterns `when` uses, once per
    request."""
    locale, zone = get_locale(), get_timezone()
    cached = g.get("board_when_formats")
    if cached is None or cached[0] is not locale or cached[1] is not zone:
        same = kept_locale(locale)
        cached = g.board_when_formats = (
            locale,
            zone,
            (
                same,
                zone,
                get_datetime_format("medium", locale=same),
                parse_pattern(get_date_format("medium", locale=same)),
                parse_pattern(get_time_format("short", locale=same)),
            ),
        )
    return cached[2]


# One Locale object per language for the process. Flask-Babel makes a new one for every
# request; the kept texts and cards have it in their keys, and two Babel Locales compare
# field by field in Python (a fifth of the board page's card keys), the same one at once.
_LOCALES: dict = {}


def kept_locale(locale):
    """The process's Locale object equal to `locale`."""
    if locale is None:
        return None
    fields = (locale.language, locale.territory, locale.script, locale.variant, locale.modifier)
    return _LOCALES.setdefault(fields, locale)


@web.app_template_filter("excerpt")
def excerpt(text: str | None, length: int = 180) -> str:
    """Plain text for a card: Markdown marks dropped, list items joined with "·", cut at a
    word. Jinja still escapes it. static/js/render.js has the same for live cards."""
    plain = plain_text(text)  # pictures show beside the excerpt, not in it
    if len(plain) <= length:
        return plain
    return plain[:length].rsplit(" ", 1)[0] + "…"


# A stored value (phase, kind, status) as the word a reader sees; the context tells the
# translator which thing the word names ("closed" challenge, "open" task).
LABELS = {
    "collecting": lazy_pgettext("challenge phase", "collecting ideas"),
    "voting": lazy_pgettext("challenge phase", "voting"),
    "closed": lazy_pgettext("challenge phase", "closed"),
    "prompt": lazy_pgettext("kind of prompt", "prompt"),
    "challenge": lazy_pgettext("kind of prompt", "idea challenge"),
    "open": lazy_pgettext("task status", "open"),
    "claimed": lazy_pgettext("task status", "claimed"),
    "done": lazy_pgettext("task status", "done"),
}


@web.app_template_global("label")
def label(value: str) -> str:
    return str(LABELS.get(value, value))


@web.app_template_global("dept_class")
def dept_class(department: dict | None) -> str:
    """A stable colour class per department, so people can scan who backs what."""
    return f"dept-c{((department or {}).get('id') or 0) % 8}"  # the pool of small ones: 0


@web.app_template_global("tojson_attr")
def tojson_attr(value) -> Markup:
    """JSON for a data-* attribute (escaped by the attribute, never executed)."""
    from flask import json

    return Markup.escape(json.dumps(value))


# Sentences the browser code shows; %(n)s and %(name)s are filled in there (ui.js `t`).
JS_STRINGS = {
    "connecting": N_("Connecting…"),
    "live": N_("Live"),
    "reconnecting": N_("Reconnecting…"),
    "offline": N_("Offline: the page still works, reload to see changes."),
    "logged_out": N_("You were logged out."),
    "caught_up_one": N_("Caught up: 1 change"),
    "caught_up_many": N_("Caught up: %(n)s changes"),
    "presence_one": N_("1 person on the board now"),
    "presence_many": N_("%(n)s people on the board now"),
    "vote": N_("vote"),
    "votes": N_("votes"),
    "no_votes": N_("No votes yet"),
    "hidden_tallies": N_("Tallies hidden until the challenge closes"),
    "departments_one": N_("backed by 1 department"),
    "departments_many": N_("backed by %(n)s departments"),
    "comments_one": N_("1 comment"),
    "comments_many": N_("%(n)s comments"),
    "status_open": N_("Open"),
    "status_in_progress": N_("In progress"),
    "status_done": N_("Done"),
    "status_claimed": N_("Claimed"),
    "claimed_by": N_("Claimed by %(person)s"),
    "done_by": N_("Done by %(person)s"),
    "you_after_by": lazy_pgettext("after by", "you"),
    "free": N_("Free to claim"),
    "you": N_("You"),
    "idea_n": N_("Idea #%(id)s"),
    "vote_for": N_("Vote for: %(title)s"),
    "unvote_for": N_("Voted for: %(title)s (press to take it back)"),
    "answers": N_("Answers: %(title)s"),
    "error": N_("Something went wrong. Please try again."),
    "unreachable": N_("The board cannot be reached right now; trying again…"),
    "claimed_ok": N_("The task is yours. Good luck!"),
    "released_ok": N_("You released the task; someone else can pick it up."),
    "completed_ok": N_("Done! Thank you."),
    "new_nudge": N_("You have a new nudge."),
    "just_now": N_("just now"),
    "in_under_a_minute": N_("in less than a minute"),
    "kind_prompt": N_("Prompt"),
    "kind_challenge": N_("Idea challenge"),
    "phase_collecting": N_("Open for ideas"),
    "phase_voting": N_("Voting"),
    "phase_closed": N_("Closed"),
    # the "Now on the board" strip (templates/board.html says the same)
    "strip_collecting_closes": N_("Collecting ideas · closes %(when)s"),
    "strip_voting_closes": N_("Voting · closes %(when)s"),
    "tallies_hidden_rule": N_("tallies hidden until it closes"),
    # a challenge's phase badge and deadline on the prompt list (templates/prompts_macros.html)
    "phase_label_collecting": lazy_pgettext("challenge phase", "collecting ideas"),
    "phase_label_voting": lazy_pgettext("challenge phase", "voting"),
    "phase_label_closed": lazy_pgettext("challenge phase", "closed"),
    "deadline_collecting": N_("Collecting ideas until %(when)s"),
    "deadline_voting": N_("Voting until %(when)s"),
    "deadline_closed": N_("Closed on %(when)s"),
    # a challenge's own page, open while its phase moves on (static/js/phase.js): what
    # changed, or, when the page could not be fetched anew, a reload link
    "phase_followed_voting": N_("Voting has started: this challenge takes no more ideas."),
    "phase_followed_closed": N_("The challenge has closed: its results are below."),
    "idea_form_closed": N_(
        "This challenge no longer takes ideas. What you wrote stays here, so that you can copy it."
    ),
    "phase_moved_voting": N_("Voting has started: reload the page to vote."),
    "phase_moved_closed": N_("The challenge has closed: reload the page for its results."),
    "reload_page": N_("Reload"),
    "help_wanted": N_("Help wanted"),
    "tasks_done": N_("Tasks done: %(done)s / %(total)s"),
    "notification_open": lazy_pgettext("a notification's link", "Open"),
    "mention_people": N_("People to mention"),
    "more_loading": N_("Loading more ideas…"),
    "more_loaded_one": N_("1 more idea shown."),
    "more_loaded_many": N_("%(n)s more ideas shown."),
    "more_failed": N_("More ideas could not be loaded. Try the link again."),
    "reopened_ok": N_("The task is open again, and still yours."),
    # the idea page's follow button (static/js/actions.js), as templates/idea.html says it
    "follow": N_("Follow"),
    "following_unfollow": N_("Following · unfollow"),
    "hidden_idea": N_("Hidden idea"),
    "hidden_by_facilitator": N_("Hidden by the facilitator: %(reason)s"),
    "hidden_by_flags": N_("Hidden after flags from several departments: %(reason)s"),
    "comment_deleted": N_("Deleted by its author."),
    # an idea page open while its author withdraws or edits it (templates/idea.html)
    "idea_withdrawn_when": N_(
        "Its author withdrew this idea %(when)s. It is no longer on the board; its tasks stay"
        " with the people who claimed them."
    ),
    "no_comments": N_("No comments yet."),
    # a challenge page's vote buttons (templates/prompts_detail.html), following the
    # person's votes elsewhere (static/js/budget.js)
    "vote_button": N_("Vote"),
    "take_back_vote": N_("Take back my vote"),
    # a board filtered by department, tag or words, as an edited idea enters or leaves it
    # (static/js/apply.js), said by its status line
    "filter_entered": N_("“%(title)s” now matches the filters and was added to the list."),
    "filter_left": N_("“%(title)s” no longer matches the filters and left the list."),
    # a person's page, as what they do arrives live (static/js/person.js), said by its
    # status line
    "person_took_task": N_("Now working on “%(title)s”."),
    "person_left_task": N_("No longer working on “%(title)s”."),
    "person_new_idea": N_("New idea: “%(title)s”."),
    # the people page: whose tasks or ideas just changed (static/js/people.js)
    "people_changed": N_("Updated: %(names)s."),
    # ... and who joined the board or left it (person.joined, person.left)
    "people_joined": N_("New on the board: %(names)s."),
    "people_left": N_("No longer on the board: %(names)s."),
    "edited": N_("edited"),
    **{f"flag_{code}": label for code, label in moderation.REASON_LABELS.items()},
}


# Sentences with a number whose form the language chooses (ngettext in the templates).
JS_PLURALS = {
    "votes_per_person": ("%(num)s vote per person", "%(num)s votes per person"),
    "ideas": ("%(num)s idea", "%(num)s ideas"),
    # a challenge page's votes line (templates/prompts_detail.html)
    "idea_votes": ("%(num)s vote", "%(num)s votes"),
    "idea_departments": ("%(num)s department", "%(num)s departments"),
    # its budget line; %(used)s is filled in by static/js/budget.js
    "votes_used": (
        "You have used %(used)s of your %(num)s vote.",
        "You have used %(used)s of your %(num)s votes.",
    ),
}


# js_strings per catalog and channel list: the same ~120 sentences for every page in one
# language, translated once instead of on every page (they hold nothing of the reader's).
_JS_STRINGS: WeakKeyDictionary = WeakKeyDictionary()


@web.app_template_global("js_strings")
def js_strings() -> dict[str, str]:
    """The browser's sentences in the reader's language; static/js/ui.js fills in the
    %(name)s placeholders. Channel names (brands) come as they are written. Read only."""
    by_channels = _JS_STRINGS.setdefault(get_translations(), {})
    channels = allowed_channels()
    if channels not in by_channels:
        by_channels[channels] = _translated_js_strings(channels)
    return by_channels[channels]


def _translated_js_strings(channels: tuple[str, ...]) -> dict[str, str]:
    strings = {
        key: _(text) if isinstance(text, str) else str(text) for key, text in JS_STRINGS.items()
    }
    strings.update({f"channel_{name}": channel_label(name) for name in channels})
    # ngettext's two forms, unfilled ("%(num)s votes per person"), for ui.js `plural`
    for key, (singular, plural_form) in JS_PLURALS.items():
        for suffix, n in (("one", 1), ("many", 2)):
            text = get_translations().ngettext(singular, plural_form, n)
            strings[f"{key}_{suffix}"] = text.replace("%(num)s", "%(n)s")
    return strings


@web.app_template_filter("plan_day")
def plan_day(value, skeleton: str = "yMMMd") -> str:
    """A calendar day (a date or YYYY-MM-DD) in the reader's language: "May 4, 2026" /
    "4. Mai 2026"; `skeleton` is a CLDR skeleton (MMMd, MMMEd, yMMMM…). Days have no zone."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_skeleton(skeleton, value, locale=get_locale())


@web.app_template_filter("address_text")
def address_text(email: str | None) -> str:
    """A stored e-mail address as plain text in the spelling its owner reads (for a form's
    value, where a password manager keeps it): the domain in Unicode where that is safe."""
    return shown_email(email)[0] if email else ""


@web.app_template_filter("address")
def address(email: str | None) -> Markup:
    """A stored e-mail address as its owner reads it: the domain in Unicode where that is
    safe, else both spellings, the stored one first (board/addresses.py `shown_email`)."""
    if not email:
        return Markup("")
    shown, beside = shown_email(email)
    spelling = Markup('<bdi class="address">%s</bdi>')
    if beside is None:
        return spelling % shown
    return spelling % shown + Markup(" (") + spelling % beside + Markup(")")
