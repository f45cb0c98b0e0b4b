"""The activity feed as files: the CSV export and the private Atom feed, built from the
feed's items (board/feed.py) in the reader's language."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date
from zoneinfo import ZoneInfo

from board import clock
from board.feed import KIND_LABELS, TYPE_LABELS, FeedItem, Person, person_of
from board.i18n import force_locale, lazy_pgettext

CSV_COLUMNS = (
    lazy_pgettext("CSV column", "Time"),
    lazy_pgettext("CSV column", "Activity"),
    lazy_pgettext("CSV column", "Department"),
    lazy_pgettext("CSV column", "Person"),
    lazy_pgettext("CSV column", "Sentence"),
    lazy_pgettext("CSV column", "Title"),
    lazy_pgettext("CSV column", "Link"),
)
# The separator a spreadsheet of the language expects: German Excel (and LibreOffice with a
# German locale) reads a comma as the decimal sign and splits a file at semicolons; opened
# there, a comma-separated file came out as one column. Other languages: the comma.
CSV_DELIMITERS = {"de": ";"}
# The file's name as saved, in ASCII (a name with umlauts is mangled by some browsers).
CSV_FILE_NAMES = {"en": "board-activity", "de": "aktivitaet"}
# A cell starting like a formula would run as one in a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry at all; user titles could contain them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ATOM_NS = "http://www.w3.org/2005/Atom"


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a leading apostrophe when a spreadsheet would read a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_file_name(language: str, day: date) -> str:
    """ "board-activity-2026-05-04.csv" / "aktivitaet-2026-05-04.csv" """
    return f"{CSV_FILE_NAMES.get(language, CSV_FILE_NAMES['en'])}-{day.isoformat()}.csv"


def feed_csv(items: list[FeedItem], language: str, base_url: str, tz: ZoneInfo) -> str:
    """UTF-8 text with a byte order mark (so spreadsheets detect it), RFC 4180 quoting,
    separated as the language's spreadsheets expect (`CSV_DELIMITERS`)."""
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=CSV_DELIMITERS.get(language, ","),
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
    )
    with force_locale(language):
        header = [str(column) for column in CSV_COLUMNS]
        activities = {type_: str(label) for type_, label in TYPE_LABELS.items()}
    header[0] = f"{header[0]} ({tz.key})"
    writer.writerow(header)
    base = base_url.rstrip("/")
    for item in items:
        actor = item.actor
        person = item.parts.get("actor")  # the sentence's, else made anew as it was
        if actor and not isinstance(person, Person):
            person = person_of(actor)
        links = item.links  # the title and the link are the first link's
        writer.writerow(
            spreadsheet_safe(cell)
            for cell in (
                item.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                activities[item.type],
                (item.department or {}).get("name", ""),
                person.name or "" if actor else "",
                item.text(language),
                links[0].title if links else "",
                base + links[0].path if links and links[0].path else "",
            )
        )
    return "\ufeff" + out.getvalue()


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def feed_atom(
    items: list[FeedItem],
    *,
    language: str,
    title: str,
    feed_id: str,
    entry_id_prefix: str,
    self_url: str,
    page_url: str,
    base_url: str,
) -> bytes:
    """An Atom 1.0 document (RFC 4287) for `items`, newest first."""
    root = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": language})

    def add(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
        if text is not None:
            element.text = _xml_text(text)
        return element

    updated = max((item.at for item in items), default=None) or clock.now()
    add(root, "id", feed_id)
    add(root, "title", title)
    add(root, "updated", clock.iso(updated))
    add(root, "link", rel="self", type="application/atom+xml", href=self_url)
    add(root, "link", rel="alternate", type="text/html", href=page_url)
    add(add(root, "author"), "name", title)
    add(root, "generator", "Task-force board")
    base = base_url.rstrip("/")
    with force_locale(language):
        kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
    for item in items:
        entry = add(root, "entry")
        sentence = item.text(language)
        add(entry, "id", f"{entry_id_prefix}{item.seq}")
        add(entry, "title", sentence, type="text")
        add(entry, "updated", clock.iso(item.at))
        add(entry, "published", clock.iso(item.at))
        add(
            entry,
            "link",
            rel="alternate",
            type="text/html",
            href=base + item.path if item.path else page_url,
        )
        if item.actor:
            add(add(entry, "author"), "name", person_of(item.actor).text())
        add(entry, "category", term=item.kind, label=kinds[item.kind])
        add(entry, "summary", sentence, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
