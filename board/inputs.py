"""One rule for input at every door: JSON bodies, page forms, query strings and URL parts.

- Text with a NUL character or an unpaired surrogate is bad input everywhere (PostgreSQL
  refuses NUL in text, SQLite would store it): a `400` in the contract's envelope, or the
  error page, before any view or query sees it. JSON bodies name the field (board/requests.py
  asks `text_problem` for every string); forms, query strings and URL parts are checked here
  by one `before_request` hook for the whole app.
- The JSON API takes JSON only: a body of another type (`text/plain`, a form) is a `415`,
  so a page on another site cannot post to it without the browser asking first (CORS).
- Login and registration through the API also refuse requests a browser marks as coming
  from another site (`Sec-Fetch-Site`, `Origin`): a `403`. Clients that send neither
  header (scripts, the CLI, tests) are let through; they have no victim's cookies to abuse.
- Names, titles, tags and department names lose bidirectional control characters (they
  let "\u202egnp.exe" read as "exe.png" and reverse whole lines of the feed), and one that
  would show as nothing (zero-width spaces and the like) is refused; tags are folded with
  NFKC, so "ｉｎｓｔａｇｒａｍ" is "instagram". Every text that must not be empty (a
  comment, a nudge, a hiding reason, a required form field) asks `shows_nothing`, not
  `strip()`, which keeps zero-width characters.
- An e-mail address holds no character that shows nothing or moves the text around it
  (`unseen_characters`): "mara\u200b@example.com" or "\u202emara@example.com" looked
  exactly like mara's address, became a second account, and no mail reaches it.
- A number in a query string, a form field or a URL part is ASCII digits (`whole_number`):
  `str.isdigit()` also holds for "²", which `int()` refuses, and for "１", which it reads
  as 1. A signed one takes one sign ("+-1" passed a check that stripped every sign, and
  `int()` refused it), and no number has more digits than an id needs (`int()` refuses
  more than 4,300).
- A time with a UTC offset must be one UTC can hold (`utc_time`): year 1 at +01:00 is
  still the year 0 in UTC, year 9999 at -01:00 already 10000, and converting either
  raises instead of answering.
- An address goes through `url_parts`, which answers None where `urlsplit` raises (an
  unclosed "[" of an IPv6 host: "//[", "https://[x") and where the port is no port
  ("https://a.com:abc", ":99999"; urllib's InvalidURL is no ValueError, and a webhook
  with such a port broke every round of deliveries), and where a character cannot be seen
  (the same `unseen_characters` as for e-mail addresses).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import SplitResult, urlsplit

from flask import Flask, request
from sqlalchemy import event as sa_event

from board.addresses import unseen_characters
from board.errors import Denied, Invalid, UnsupportedMediaType
from board.i18n import N_
from board.limits import whole_number  # noqa: F401 - the rule's name here: inputs.whole_number
from board.settings import Settings
from models import Department, Idea, IdeaTag, Prompt, Task, User

UNCLEAN = N_("Text must not contain NUL characters or unpaired surrogates.")

# LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI; LRM, RLM; ALM.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    if "\x00" in value:
        return UNCLEAN
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return UNCLEAN
    return None


def iso_time(raw: str) -> datetime | None:
    """The time `raw` spells in ISO 8601 (with or without an offset, as written; "Z" is
    UTC), else None. An offset must leave a time UTC can hold (see `utc_time`)."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if value.tzinfo is not None and utc_time(value) is None:
        return None
    return value


def utc_time(value: datetime) -> datetime | None:
    """The aware `value` in UTC, or None when UTC cannot hold it (year 1 at +01:00 is the
    year 0 in UTC; the database's UTC column would raise OverflowError on it)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None


def url_parts(raw: str) -> SplitResult | None:
    """`raw` split as an address, or None when it cannot be ("//[" or "https://[x": an IPv6
    host left open, which `urlsplit` answers with ValueError; "https://a.com:abc" or
    ":99999": a port that is no port, which `.port` answers with ValueError when read)."""
    if unseen_characters(raw):
        return None  # "https://ex\u200bample.com" looks like example.com and reaches nothing
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - read for its ValueError
    except ValueError:
        return None
    return parts


def without_bidi_controls(value: str) -> str:
    """`value` without the characters that reorder the text around them."""
    return BIDI_CONTROLS.sub("", value)


def tag_key(raw: str) -> str:
    """A tag as stored and looked up: NFKC-folded, no bidi controls, no '#', lowercase."""
    folded = unicodedata.normalize("NFKC", without_bidi_controls(raw))
    return folded.strip().lstrip("#").strip().lower()


def shows_nothing(value: str) -> bool:
    """Whether `value` is only white space and invisible format characters (a zero-width
    space, a joiner, a byte order mark, a soft hyphen): it would show as nothing."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value)


def _plain_line(target, value, _old, initiator):
    """Whatever path sets a name or title (API, form, CLI, company login, demo), it is
    stored without bidi controls; one made of nothing else, or of nothing visible, is
    refused."""
    if not isinstance(value, str):
        return value
    # Bidi controls are format characters too. Blank text is left to the field's own
    # "must not be empty" (or to whoever allows it).
    if value.strip() and shows_nothing(value):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={initiator.key: N_("This must not be empty.")},
        )
    return without_bidi_controls(value)


for _attribute in (
    User.display_name,
    Idea.title,
    Task.title,
    Prompt.title,
    Department.name,
    IdeaTag.tag,
):
    sa_event.listen(_attribute, "set", _plain_line, retval=True)


# ---- the app-wide checks -------------------------------------------------------------------


def _unclean_part() -> tuple[str, str] | None:
    """(where, name) of the first unclean query parameter, URL part or form field."""
    asked = request._get_current_object()  # not the proxy: see db.db_for_request
    if text_problem(asked.path):
        return "path", "path"
    for name, value in (asked.view_args or {}).items():
        if isinstance(value, str) and text_problem(value):
            return "path", name
    for name, value in asked.args.items(multi=True):
        if text_problem(name) or text_problem(value):
            return "query", name
    if asked.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in asked.form.items(multi=True):
            if text_problem(name) or text_problem(value):
                return "form", name
    return None


def refuse_unclean_input() -> None:
    """Every request: NUL characters and broken Unicode in the URL or a form are a 400."""
    found = _unclean_part()
    if found is None:
        return
    where, name = found
    code = {"path": "invalid_path", "query": "invalid_parameter", "form": "invalid_fields"}[where]
    raise Invalid("Some fields are missing or invalid.", code=code, fields={name: UNCLEAN})


JSON_TYPES = ("application/json",)
UPLOAD_ENDPOINTS = {"api.upload_image"}
UPLOAD_PATHS = {"/api/v1/images"}


def is_json_type(mimetype: str) -> bool:
    return mimetype in JSON_TYPES or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def require_json_bodies() -> None:
    """API requests: a body that is not declared as JSON is a 415, before CSRF or login."""
    asked = request._get_current_object()  # not the proxy: see db.db_for_request
    if not asked.path.startswith("/api/"):
        return
    if asked.content_length == 0 or (
        asked.content_length is None and not asked.headers.get("Transfer-Encoding")
    ):
        return
    if asked.path in UPLOAD_PATHS and asked.mimetype == "multipart/form-data":
        return  # the one API route that takes a file (board/api/images.py), and only that way
    if asked.endpoint in UPLOAD_ENDPOINTS and asked.mimetype == "multipart/form-data":
        return  # an image upload: the one API route that takes a file
    if not is_json_type(asked.mimetype):
        raise UnsupportedMediaType(
            N_("Send the request body as JSON (Content-Type: application/json).")
        )


# ---- login and registration from another site ----------------------------------------------

_CROSS_SITE = ("cross-site", "same-site")


def _origin_of(url: str) -> str:
    return url.rstrip("/").lower()


def require_same_origin(settings: Settings) -> None:
    """Login and registration only from the board's own pages or from clients that are not
    browsers: another site must not log a visitor into an account of its choosing."""
    fetch_site = (request.headers.get("Sec-Fetch-Site") or "").lower()
    if fetch_site in _CROSS_SITE:
        raise _cross_site()
    origin = request.headers.get("Origin")
    if origin is None:
        return
    allowed = {_origin_of(request.host_url)}
    allowed.update(_origin_of(o) for o in (settings.cors_origins or []))
    if _origin_of(origin) not in allowed:
        raise _cross_site()


def _cross_site() -> Denied:
    return Denied("Log in on the board's own page.", code="cross_site")


def init_inputs(app: Flask) -> None:
    """First of all before_request hooks: nothing reads input the rule has not seen."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unclean_input)
    app.before_request_funcs[None].insert(0, require_json_bodies)
