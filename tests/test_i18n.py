"""Translations: the German catalog is complete, current with the sources, and every
sentence a page shows is marked for translation."""

from __future__ import annotations

import re
import shlex
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
