"""Translations: the German catalog is complete, current with the sources, and every
sentence a page shows is marked for translation."""

from __future__ import annotations

import re
import shlex
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from board.i18n import EXTRACT_KEYWORDS

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LANGUAGES = [p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir()]


def read_catalog(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def keys(catalog) -> set[tuple[str | None, str]]:
    """(context, msgid) of each live entry; a plural entry by its singular."""
    return {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not getattr(m, "obsolete", False)
    }


def extracted_from_sources() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={**DEFAULT_KEYWORDS, **EXTRACT_KEYWORDS},
    ):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_german_is_a_catalog():
    assert "de" in LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_is_translated_and_none_is_fuzzy(language):
    catalog = read_catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    untranslated = [
        (m.context, m.id)
        for m in catalog
        if m.id and (m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    """A German sentence that drops or renames %(name)s would raise or lose a value."""
    catalog = read_catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        expected = set().union(*(placeholder.findall(i) for i in ids))
        for s in strings:
            found = set(placeholder.findall(s))
            # a singular may leave out %(num)s ("1 Stimme"), never invent one
            if not found <= expected or (expected - found) - {"num"}:
                wrong.append((m.id, s))
    assert wrong == []


def german_sentences() -> list[str]:
    catalog = read_catalog(TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po", "de")
    return [
        text
        for m in catalog
        if m.id
        for text in ([m.string] if isinstance(m.string, str) else m.string)
    ]


def test_german_says_du_in_one_voice():
    """The board says du to everyone, never Sie; it names people in one way (Kolleginnen und
    Kollegen, Beobachtung, Moderation), not with a gender star or colon in some places; and
    a person's @name is their Kurzname everywhere, not a Handle in some sentences."""
    formal = re.compile(r"(?<![.:!?–]\s)(?<!^)\b(Sie|Ihnen|Ihr|Ihre[nmrs]?)\b")
    assert [text for text in german_sentences() if formal.search(text)] == []
    gendered = re.compile(r"\w[*:_]in(nen)?\b|\wInnen\b")
    assert [text for text in german_sentences() if gendered.search(text)] == []
    assert [text for text in german_sentences() if re.search(r"\bHandle\b", text)] == []


def test_catalogs_are_current_with_the_sources():
    """`make messages` was run after the last change to a marked sentence."""
    sources = extracted_from_sources()
    template = keys(read_catalog(TRANSLATIONS / "messages.pot"))
    assert sorted(sources - template, key=str) == [], "new sentences: run `make messages`"
    assert sorted(template - sources, key=str) == [], "gone sentences: run `make messages`"
    for language in LANGUAGES:
        catalog = read_catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
        assert keys(catalog) == template, f"{language}: run `make messages`"


def test_makefile_extracts_with_the_same_keywords():
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    line = re.search(r"^BABEL_KEYWORDS\s*:=(.*)$", makefile, re.MULTILINE).group(1)
    words = shlex.split(line)
    given = {words[i + 1].split(":")[0] for i, w in enumerate(words) if w == "-k"}
    assert given == set(EXTRACT_KEYWORDS)


# ---- templates: no sentence bypasses the catalog ------------------------------------------

# Words that stay the same in every language: the language switch names each language in
# itself, and the tag hint lists channel names.
NOT_TRANSLATED = {"English", "Deutsch", "linkedin, instagram, blog"}
# Attributes a person reads or hears (screen readers), and the data-label-* strings JS shows.
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label", "value"}
# Blocks that hold a class or page name, not text.
NAME_BLOCKS = ("page_name", "main_class")
# An <input type="submit"> shows its value; other values are what a form sends.
SHOWN_VALUES = {("input", "submit"), ("input", "button")}
LETTERS = re.compile(r"[^\W\d_]{2,}")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or name.startswith("data-label")):
                if name == "value" and (tag, dict(attrs).get("type")) not in SHOWN_VALUES:
                    continue  # what a field or <button> sends, not what it shows
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.found.append(data)


def unmarked_text(source: str) -> list[str]:
    """Text with letters a template shows outside `_()`, `{% trans %}` and expressions."""
    source = re.sub(r"{%-?\s*trans\b.*?endtrans\s*-?%}", " ", source, flags=re.S)
    for block in NAME_BLOCKS:
        source = re.sub(r"{%-?\s*block " + block + r"\s*-?%}.*?{%-?\s*endblock", "{%", source)
    source = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"{{.*?}}", " ", source, flags=re.S)
    source = re.sub(r"{%.*?%}", " ", source, flags=re.S)
    parser = _VisibleText()
    parser.feed(source)
    texts = (" ".join(text.split()) for text in parser.found)
    return [t for t in texts if LETTERS.search(t) and t not in NOT_TRANSLATED]


TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_mark_every_sentence_for_translation(path):
    assert unmarked_text(path.read_text()) == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_translate_only_literal_sentences(path):
    """`_(variable)` cannot be extracted: its words would never reach the catalog."""
    calls = re.findall(r"\b(?:_|gettext|ngettext|pgettext)\(\s*([^\s\"'][^,)]*)", path.read_text())
    assert calls == []


def test_the_check_finds_an_unmarked_sentence():
    page = '<p title="Hover me">{{ _("Marked") }} Not marked <b>{{ x }}</b></p>'
    assert unmarked_text(page) == ["Hover me", "Not marked"]
    assert unmarked_text('{% trans %}Marked too{% endtrans %} <img alt="">') == []
