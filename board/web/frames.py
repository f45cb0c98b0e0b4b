"""A page's frame, everything around its lists of cards, rendered once for everything it is
made from and kept, as the cards are (board/web/cards.py).

The board page's frame (navigation, the account menu, the prompt strip, filters, the compose
forms, the column heads, the <template>s for live cards, ~80 translated sentences) cost
about as much as the floor's whole page, for the same bytes on every load of one reader.
`kept_page` renders it once per key: the page's own data (counts, filters, prompts, …), the
reader as the frame shows them (`reader_facts`), the answers of the policy it asks, the
unread badges, the language, zone and the time texts it prints. Per load it puts in what
changes with every load (CSRF token, path, the log's last seq) and the card lists.

While the frame is rendered, the template sees a reader with only the facts in the key and
a `can` with only the answers in the key: a template that reads anything else of the reader
fails loudly instead of being kept for the wrong people. Flashes and a refused form are
made for one load only: such a page is rendered as a whole, never kept. So is a page whose
frame read what its key leaves out: the reader gets their page, the log an error naming
what was read.
"""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace

from flask import current_app, g, render_template, request, session
from flask.globals import request_ctx
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from board import policy
from board.i18n import get_locale
from board.kept import keep
from board.requests import reader_tz
from board.tasks import allowed_channels
from board.web.cards import _plain
from board.web.common import current_path
from board.web.reach_pages import unread_badges

log = logging.getLogger(__name__)

FRAMES_KEPT = 256  # ~40 KB each, per app
keep_frames = True  # tests switch it off to compare with the page rendered as a whole

# Where a kept frame takes what each load puts in. No text of the frame can hold one: every
# value it prints has its "<" escaped (as a kept card's FORM_FIELDS).
_SLOT = re.compile(r"<!--frame:([a-z0-9_-]+)-->")


def _mark(name: str) -> Markup:
    return Markup(f"<!--frame:{name}-->")


class OutsideTheKey(RuntimeError):
    """The frame read something of the reader or the request that its key leaves out."""


class _Only(SimpleNamespace):
    """The reader or request as the frame sees it: only what the key holds."""

    def __getattr__(self, name: str):
        raise OutsideTheKey(f"the kept frame reads {name!r}, which its key leaves out")


# What a frame may read of its reader (base.html's navigation and account menu), besides
# their department's name: the reader's part of its key.
READER_FACTS = ("id", "role", "display_name", "department_id", "timezone")


def reader_facts(user, departments: list[dict] | None = None) -> dict:
    """The reader as a frame shows them: READER_FACTS and the department's name, found in
    `departments` (a page's list of every department's id and name) when the page has one:
    a reader read as a plain row (people.Reader) has no department object to ask."""
    facts = {name: getattr(user, name) for name in READER_FACTS}
    names = {department["id"]: department["name"] for department in departments or ()}
    if facts["department_id"] in names:
        facts["department"] = {"name": names[facts["department_id"]]}
    else:
        department = user.department
        facts["department"] = None if department is None else {"name": department.name}
    return facts


def page_form_fields() -> str:
    """What the `csrf_field() ~ next_field()` macros print (partials/cards.html): a page's
    own hidden fields, which every form on it carries."""
    return (
        f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
        f'<input type="hidden" name="next" value="{escape(current_path())}">'
    )


def kept_page(template: str, page: dict, cards: dict[str, str], asks: tuple, also=()) -> str:
    """`template` rendered with `page` (its data, plain) and `cards` (rendered lists, by
    the name the template prints them under: `cards[name]`), its frame kept. `asks`: every
    action the frame asks `can(current_user, action)` about; `also`: whatever else the
    frame prints that `page` does not hold (time texts, controls of a <template>)."""
    content = _plain(page)
    if not keep_frames or content is None or _for_this_load_only():
        return render_template(template, cards=cards, **page)
    user = current_user._get_current_object()
    reader = reader_facts(user, page.get("departments"))
    badges = unread_badges()
    answers = {action: policy.can(user, action) for action in asks}
    key = (
        template,
        content,
        _plain(reader),
        _plain(badges),
        tuple(answers.items()),
        str(get_locale()),
        reader_tz().key,
        request.path,
        request.script_root,
        allowed_channels(),
        _plain(also),
    )
    kept = kept_frames()
    parts = kept.get(key)
    if parts is None:
        try:
            frame = _render_frame(template, page, cards, reader, answers)
        except OutsideTheKey:
            log.exception("%s rendered whole: its frame cannot be kept", template)
            return render_template(template, cards=cards, **page)
        parts = keep(kept, key, frame, FRAMES_KEPT)
    seq = g.get("page_last_seq")
    values = {
        **cards,
        "csrf": escape(generate_csrf()),
        "path": escape(current_path()),
        "seq": "" if seq is None else str(seq),
    }
    filled = list(parts)
    filled[1::2] = [values[name] for name in parts[1::2]]
    return "".join(filled)


def kept_frames() -> dict:
    """This app's kept frames (an app's context processors and settings are its own)."""
    return current_app.extensions.setdefault("board_frames", {})


def _for_this_load_only() -> bool:
    """Flashes waiting, or a refused form shown again: this page is not anyone's next."""
    return bool(g.get("failed_form") or "_flashes" in session or request_ctx.flashes)


def _render_frame(template, page, cards, reader, answers) -> tuple[str, ...]:
    """The frame as literal text and slot names, in turn (a slot after each text)."""
    reader_seen = _Only(
        is_authenticated=True,
        **{
            **reader,
            "department": None if reader["department"] is None else _Only(**reader["department"]),
        },
    )

    def can(user, action, target=None):
        if user is not reader_seen or target is not None or action not in answers:
            raise OutsideTheKey(f"the kept frame asks can(…, {action!r}, {target!r})")
        return answers[action]

    html = render_template(  # the badges come from their context processors, as always
        template,
        cards={name: _mark(name) for name in cards},
        **page,
        current_user=reader_seen,
        can=can,
        request=_Only(path=request.path),
        csrf_token=lambda: _mark("csrf"),
        current_path=lambda: _mark("path"),
        page_last_seq=_mark("seq"),
    )
    return tuple(_SLOT.split(html))
