"""German and English through Flask-Babel: gettext catalogs under `translations/`.

English is the source language; `translations/<lang>/LC_MESSAGES/messages.po` holds the
other languages (README: "Adding a language"). Placeholders are gettext-style,
`_("Claimed by %(name)s", name=...)`. A person's own setting wins, else the language chosen
in this browser (the `board_language` cookie, set on any page before login too), else the
browser's Accept-Language, else English. Error *codes* are never translated.

This module is a thin re-export so that code says `from board.i18n import _`; it adds only
the locale and time zone selectors, `translate` for a language other than the reader's
(Atom feeds, mail), and the catalog compilation the setup relies on.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
import zoneinfo
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import (
    Babel,
    force_locale,
    get_locale,
    get_translations,
    lazy_gettext,
    lazy_ngettext,
    lazy_pgettext,
    ngettext,
    npgettext,
    pgettext,
    refresh,
)
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

log = logging.getLogger(__name__)

LANGUAGES = ("en", "de")
# The language chosen in this browser with the language switch (POST /language): what the
# pages before login speak, and everyone's who has no setting of their own.
LANGUAGE_COOKIE = "board_language"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def gettext(string: str, **variables) -> str:
    """Flask-Babel's `gettext`, with the catalog found once per request (`_catalog`)."""
    translated = _catalog().ugettext(string)
    return translated % variables if variables else translated


_ = gettext

# Calls besides Babel's defaults (_, gettext, ngettext, pgettext, N_, …) whose English
# argument is a sentence to translate: `make messages` passes them to `pybabel extract`.
EXTRACT_KEYWORDS = {
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
    "FieldMessage": None,
    "BoardError": None,
    "Invalid": None,
    "NotFound": None,
    "Denied": None,
    "Conflict": None,
    "Unauthenticated": None,
    "TooManyRequests": None,
    "plural_forms": (1, 2),
}


def N_(message: str) -> str:
    """Marks a sentence for extraction where it is stored (tables, exceptions); `_` at
    the place it is shown translates it."""
    return message


def plural_forms(singular: str, plural: str) -> tuple[str, str]:
    """`N_` for a sentence with a number: marks both forms for extraction where they are
    stored; `ngettext(*forms, n)` at the place it is shown translates them."""
    return singular, plural


def select_locale() -> str:
    """The person's setting, else the language chosen in this browser, else the browser's
    Accept-Language, else English. A cookie naming no language of ours is passed over."""
    if not has_request_context():
        return "en"
    user = current_user
    if getattr(user, "is_authenticated", False) and getattr(user, "language", None) in LANGUAGES:
        return user.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows (Europe/Berlin, America/New_York, UTC…),
    sorted; not "localtime" (whatever this server's clock says) nor "Factory"."""
    import pytz  # Flask-Babel converts times with pytz: a zone must be known to both

    names = zoneinfo.available_timezones() - {"localtime", "Factory", "posixrules"}
    return tuple(sorted(names & pytz.all_timezones_set))


def is_time_zone(name: object) -> bool:
    """Whether `name` is an IANA zone name the board can show times in."""
    return isinstance(name, str) and name in _zone_set()


@functools.cache
def _zone_set() -> frozenset[str]:
    return frozenset(time_zone_names())


# Where each zone lies: the continents and oceans of IANA's own names. A zone named
# otherwise (US/Eastern, EST5EDT, Egypt) is an old alias; the list offers its modern name.
_REGIONS = (
    "Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/",
    "Europe/", "Indian/", "Pacific/",
)  # fmt: skip


def time_zone_choices(language: str) -> tuple[tuple[str, str], ...]:
    """The zones a person picks from, as (IANA name, what a reader knows it by in
    `language`): "Deutschland (Berlin)", "Ägypten (Kairo)", sorted by that name as the
    language sorts (Ä with A). One entry for a zone and its aliases, none for the zones of
    no place (Etc/GMT+5) but UTC. Every zone stays valid (`is_time_zone`); a stored one
    left out here is shown by `choices_with`."""
    return _choices(language if language in LANGUAGES else "en")[0]


def time_zone_label(zone: str, language: str) -> str:
    """`zone` as a reader of `language` knows it; its IANA name if it is of no place."""
    return _choices(language if language in LANGUAGES else "en")[1].get(zone, zone)


def choices_with(zone: str | None, language: str) -> tuple[tuple[str, str], ...]:
    """`time_zone_choices`, where a stored `zone` that is an alias of a listed one (a
    browser that says Asia/Calcutta) stands in for it, and any other is added at the top:
    the person's own zone is always there to be selected, under its own name."""
    choices = time_zone_choices(language)
    values = {value for value, _label in choices}
    if not zone or zone in values:
        return choices
    listed = _listed_as().get(zone)
    if listed not in values:
        return ((zone, time_zone_label(zone, language)), *choices)
    return tuple((zone if value == listed else value, label) for value, label in choices)


@functools.cache
def _listed_as() -> dict[str, str]:
    """Each zone's name in the list: itself, or the listed zone it is an alias of."""
    from babel.core import get_global

    aliases = get_global("zone_aliases")
    listed: dict[str, str] = {}
    first = sorted(  # Babel's own (current) name first, then a region's name
        time_zone_names(), key=lambda z: (aliases.get(z, z) != z, not z.startswith(_REGIONS), z)
    )
    for zone in first:
        canonical = aliases.get(zone, zone)
        listed[zone] = listed.setdefault(canonical, zone)
    return listed


@functools.lru_cache(maxsize=len(LANGUAGES))
def _choices(language: str) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """Computed once per language and process: some 420 names from Babel's CLDR data."""
    from babel import Locale
    from babel.core import get_global

    locale, aliases = Locale.parse(language), get_global("zone_aliases")
    labels = {}
    for zone in time_zone_names():
        canonical = aliases.get(zone, zone)
        label = _place(locale, canonical)
        if label is not None:
            labels[zone] = label
    listed = {(value, labels[value]) for value in set(_listed_as().values()) if value in labels}
    return tuple(sorted(listed, key=lambda choice: _sort_key(choice[1]))), labels


def _place(locale, zone: str) -> str | None:
    """'Deutschland (Berlin)', 'UTC (Koordinierte Weltzeit)'; None for zones of no place."""
    from babel.core import get_global

    info = locale.time_zones.get(zone, {})
    if zone == "Etc/UTC":
        return f"UTC ({info.get('long', {}).get('standard', 'UTC')})"
    territory = get_global("zone_territories").get(zone)
    if territory in (None, "ZZ", "001"):  # a zone newer than Babel's CLDR (America/Coyhaique)
        territory = _zone_countries().get(zone)
    if territory not in locale.territories:
        return None
    city = info.get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{locale.territories[territory]} ({city})"


@functools.cache
def _zone_countries() -> dict[str, str]:
    """Each zone's country after IANA's zone.tab, as pytz (updated with tzdata) has it."""
    import pytz

    return {zone: country for country, zones in pytz.country_timezones.items() for zone in zones}


def _sort_key(label: str) -> tuple[str, str]:
    """Letters with their accents after the same letters without, as German and English
    dictionaries sort ("Ägypten" beside "Agypten", before "Albanien")."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c))
    return bare.casefold(), label


def select_timezone() -> str | None:
    """The person's time zone (their browser's, or one they chose), else BOARD_TIMEZONE;
    outside a request, the zone `force_timezone` names (a mail's reader's)."""
    if not has_request_context() and has_app_context():
        forced = g.get("board_forced_timezone")
        if forced:
            return forced
    zone = getattr(current_user, "timezone", None) if has_request_context() else None
    if zone and is_time_zone(zone):
        return zone
    settings = current_app.extensions.get("board_settings")
    zone = getattr(settings, "timezone", None)
    return getattr(zone, "key", None) or (zone if isinstance(zone, str) else None)


@contextmanager
def force_timezone(zone: str | None):
    """Show times in `zone` for a while outside a request, as force_locale does for the
    language: a mail in its reader's zone. None or a name the board does not know keeps
    BOARD_TIMEZONE."""
    previous = g.get("board_forced_timezone")
    g.board_forced_timezone = zone if is_time_zone(zone) else None
    refresh()  # Flask-Babel keeps the zone it found; a forced locale stays
    try:
        yield
    finally:
        g.board_forced_timezone = previous
        refresh()


def current_language() -> str:
    """The language this request is rendered in ("en" outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def translate_field(message: str) -> str:
    """A field message in the reader's language; a FieldMessage brings its own values."""
    template = getattr(message, "template", None)
    if template is not None:
        return gettext(template, **message.params)
    return gettext(message)


def translate(message: str, language: str | None, **params) -> str:
    """`message` in `language` rather than the reader's (an Atom feed, a mail)."""
    with force_locale(language or "en"):
        return gettext(message, **params)


def catalog_for(language: str):
    """`language`'s catalog, found once per request (app context) and language: the feed's
    CSV told each of its 10,000 sentences and their parts under `force_locale`, where
    Flask-Babel parses the locale and finds its catalog anew for every sentence (~25 µs,
    most of a row). `translate` and `force_locale` give the same words."""
    here = g._get_current_object() if has_app_context() else None
    found = here.get("board_catalogs") if here is not None else None
    if found is None:
        found = {}
        if here is not None:
            here.board_catalogs = found
    catalog = found.get(language)
    if catalog is None:
        with force_locale(language):
            catalog = found[language] = get_translations()
    return catalog


def compile_catalogs(directory: Path = TRANSLATIONS) -> None:
    """Compile each messages.po to its .mo when the .mo is missing or older (the setup
    does this too: `make run`/`make test`; this covers `pytest` and `flask` run directly)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            with po_path.open("rb") as po:
                catalog = read_po(po, locale=po_path.parent.parent.name)
            tmp = mo_path.with_suffix(".mo.tmp")
            with tmp.open("wb") as mo:
                write_mo(mo, catalog)
            tmp.replace(mo_path)
        except OSError as error:  # a read-only install: the setup compiled them already
            log.warning("could not compile %s: %s", po_path, error)


def _catalog():
    """The reader's catalog, found once per request and locale. A board page translates a
    few hundred sentences; Flask-Babel looks the catalog up again for each of them (its
    context, the locale, the locale's name as a key), which cost a tenth of the page.
    Keyed by the locale object itself, so `force_locale` (mails) gets its own catalog."""
    locale = get_locale()
    if locale is None:
        return get_translations()
    cached = g.get("board_catalog")
    if cached is None or cached[0] is not locale:
        cached = g.board_catalog = (locale, get_translations())
    return cached[1]


def init_i18n(app: Flask) -> None:
    compile_catalogs()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks: whitespace folded
    # Flask-Babel's template callables, with the catalog looked up once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.context_processor(_page_gettext)


def _page_gettext() -> dict:
    """A page's `_()` and `gettext` with the reader's catalog found once for the page: the
    board page calls `_()` about 80 times, and each looked the locale and catalog up again
    through two calls of Jinja's (≈ 8 of a call's ≈ 18 µs). What Jinja's newstyle gettext
    does otherwise (jinja2.ext._make_new_gettext): Markup where the template autoescapes,
    and always `% variables`. Rendered under `force_locale` (mails), it takes that
    locale's catalog, as the context processor runs inside it."""
    catalog = _catalog()

    @pass_context
    def gettext(__context, __string, **variables):
        rv = catalog.ugettext(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    return {"_": gettext, "gettext": gettext}


__all__ = [
    "LANGUAGES",
    "LANGUAGE_COOKIE",
    "N_",
    "catalog_for",
    "_",
    "current_language",
    "force_locale",
    "gettext",
    "is_time_zone",
    "init_i18n",
    "lazy_gettext",
    "lazy_ngettext",
    "lazy_pgettext",
    "ngettext",
    "npgettext",
    "pgettext",
    "plural_forms",
    "time_zone_names",
    "translate",
    "translate_field",
]
