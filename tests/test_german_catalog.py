"""The German catalog keeps its rules in every sentence: it says du (lower case) and never
Sie, keeps each placeholder, uses the glossary's word for each thing (docs/translations.md),
German quotes and spacing, and both plural forms. A sentence added later that breaks one of
them fails here, named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parent.parent / "translations/de/LC_MESSAGES/messages.po"

# English words a German speaker would not read on the board, with the glossary's German
# word for each (docs/translations.md), and German words that compete with the glossary's.
NOT_THE_GLOSSARY = {
    r"\bTasks?\b": "Aufgabe",
    r"\bPrompts?\b": "Impuls",
    r"\bNudges?\b": "Anstoß",
    r"\bInbox\b": "Eingang",
    r"\bDigest\b": "Übersicht",
    r"\bFacilitator\b": "Moderation",
    r"\bObserver\b": "Beobachtung",
    r"\bMember\b": "Mitglied",
    r"\bChannels?\b": "Kanal",
    r"\bFlags?\b": "Meldung",
    r"\bClaims?\b": "Übernahme",
    r"\bVotes?\b|\bvoten\b": "Stimme, abstimmen",
    r"\bHandles?\b": "Kurzname",
    r"\bURLs?\b": "Adresse",
    r"\bE?mail\b|\beMail\b|(?<!E-)\bMails?\b": "E-Mail",
    r"\bTask[- ][Ff]orce\b": "Taskforce",
    r"\bPosteingang\b": "Eingang",
    r"\bModerator(in|en|innen)?\b": "Moderation",
    r"\bBeobachter\b": "Beobachtung, Beobachtende",
    r"\bTeilnehmer\b|\bBeitragende\b": "Mitwirkende",
    r"\bAbteilungsleiter\b": "Abteilungsleitung",
    r"\bMentor(en)?notiz\b|\bMentor-Hinweis": "Mentoren-Hinweis",
    r"\bSchlagworte\b": "Schlagwörter",
    r"\bSieger\w*": "Gewinneridee",
    r"\bStupser\b": "Anstoß",
    r"[üÜ]berarbeit": "bearbeiten",
    r"[zZ]ugewiesen|[zZ]uweisen": "zuteilen",
    r"[aA]bschließen|[aA]bgeschlossen|schließe \w+ ab": "erledigen (a task), beendet (a challenge)",
    r"\b(ein|aus)(ge)?logg": "anmelden, abmelden",
}

# Sentences that are the same in English and German: loan words the glossary keeps, product
# names, and sentences of placeholders alone.
SAME_IN_BOTH = {
    "Board",
    "Challenge",
    "Challenge:",
    "Details",
    "Feed",
    "Filter",
    "Link",
    "Live",
    "Mattermost",
    "Microsoft Teams",
    "Name",
    "Person",
    "Slack",
    "Status",
    "Text",
    "Top",
    "%(field)s: %(problem)s",
    "%(start)s – %(end)s",
}

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%%")
YOU = re.compile(r"\byou(r|rs|rself)?\b", re.IGNORECASE)
SENTENCE_START = r"(?:^|(?<=[.:!?–„(]\s)|(?<=[„(]))"
# Sie, Ihnen, Ihr… inside a sentence are always the formal you; at the start of one, "Sie"
# is formal with a plural verb ("Sie haben"), not with a singular one ("Sie steht": it).
FORMAL_INSIDE = re.compile(r"(?<![.:!?–„(]\s)(?<![„(])(?<!^)\b(Sie|Ihnen|Ihr|Ihre[nmrs]?)\b")
FORMAL_AT_START = re.compile(SENTENCE_START + r"(Sie (\w+en|sind)\b|Ihnen\b)")
YOUR = re.compile(r"^(?!.*\b(its|their|her)\b).*\byour\b", re.IGNORECASE)
YOUR_AT_START = re.compile(SENTENCE_START + r"Ihre?[mnrs]?\b")
# du, dich, dir, dein…, euch, euer… in capitals inside a sentence (the old letter style)
CAPITAL_DU = re.compile(
    r"(?<![.:!?–„(]\s)(?<![„(])(?<!^)\b(Du|Dich|Dir|Dein(e[mnrs]?)?|Euch|Euer|Eure[mnrs]?)\b"
)


def entries(path: Path = CATALOG):
    """(msgid, msgstr) pairs, one per form of each live entry."""
    with path.open("rb") as f:
        catalog = read_po(f, locale="de")
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for i, text in enumerate(strings):
            yield ids[min(i, len(ids) - 1)], text, isinstance(m.id, tuple) and i == 0


def formal_address(path: Path = CATALOG) -> list[str]:
    """German sentences that say Sie, Ihnen or Ihr to the reader (inside a sentence, or at
    its start where the English says you), or du with a capital D inside one."""
    return [
        text
        for english, text, _singular in entries(path)
        if FORMAL_INSIDE.search(text)
        or (YOU.search(english) and FORMAL_AT_START.search(text))
        or (YOUR.search(english) and YOUR_AT_START.search(text))
        or CAPITAL_DU.search(text)
    ]


def lost_placeholders(path: Path = CATALOG) -> list[tuple[str, str]]:
    """Sentences whose placeholders are not exactly the English ones (a singular may say
    "eine" instead of its count)."""
    wrong = []
    for english, text, singular in entries(path):
        expected = sorted(PLACEHOLDER.findall(english))
        found = sorted(PLACEHOLDER.findall(text))
        if singular:
            expected = [p for p in expected if p != "%(num)s"]
            found = [p for p in found if p != "%(num)s"]
        if found != expected:
            wrong.append((english, text))
    return wrong


def off_glossary(path: Path = CATALOG) -> list[tuple[str, str]]:
    """(sentence, the glossary's word) for each sentence that uses a word the glossary
    replaces."""
    return [
        (text, word)
        for _english, text, _singular in entries(path)
        for pattern, word in NOT_THE_GLOSSARY.items()
        if re.search(pattern, PLACEHOLDER.sub(" ", text))
    ]


def left_in_english(path: Path = CATALOG) -> list[str]:
    return [
        text
        for english, text, _singular in entries(path)
        if text == english and re.search(r"[A-Za-z]{2}", text) and text not in SAME_IN_BOTH
    ]


def not_german_typography(path: Path = CATALOG) -> list[str]:
    """English quotes, three dots for an ellipsis, a number glued to its unit."""
    wrong = []
    for _english, text, _singular in entries(path):
        if (
            '"' in text
            or "”" in text
            or text.count("„") != text.count("“")
            or "..." in text
            or re.search(r"\d(%|MB|KB|GB|km|Pixel)", text)
        ):
            wrong.append(text)
    return wrong


def test_german_says_du_everywhere():
    assert formal_address() == []


def test_german_keeps_every_placeholder():
    assert lost_placeholders() == []


def test_german_uses_the_glossary_words():
    assert off_glossary() == []


def test_nothing_is_left_in_english_but_the_glossary_loan_words():
    assert left_in_english() == []


def test_german_typography():
    assert not_german_typography() == []


def test_every_plural_has_both_forms_and_the_plural_its_count():
    with CATALOG.open("rb") as f:
        catalog = read_po(f, locale="de")
    plurals = [m for m in catalog if m.id and isinstance(m.id, tuple)]
    assert plurals
    for m in plurals:
        assert len(m.string) == 2 and all(m.string), m.id
        counts = set(PLACEHOLDER.findall(m.id[1]))
        assert counts <= set(PLACEHOLDER.findall(m.string[1])), m.id


@pytest.mark.parametrize(
    ("english", "german", "check"),
    [
        ("Can you claim it?", "Können Sie sie übernehmen?", formal_address),
        ("You voted.", "Sie haben abgestimmt.", formal_address),
        ("Your idea is in.", "Ihre Idee ist eingereicht.", formal_address),
        ("Thanks, %(name)s", "Danke Dir, %(name)s", formal_address),
        ("Claimed by %(name)s", "Übernommen von %(person)s", lost_placeholders),
        ("10 %% of %(n)s", "10 Prozent von %(n)s", lost_placeholders),
        ("Edited ideas", "Überarbeitete Ideen", off_glossary),
        ("Turn all mail off", "Alle Mails abbestellen", off_glossary),
        ("New prompt", "Neuer Prompt", off_glossary),
        ("Vote", "Vote", left_in_english),
        ("Reply", "Reply", left_in_english),
        ("“%(title)s” is done", "“%(title)s” ist fertig", not_german_typography),
        ("Loading...", "Wird geladen...", not_german_typography),
        ("At most 5 MB", "Höchstens 5MB", not_german_typography),
    ],
)
def test_each_check_finds_what_it_guards_against(tmp_path, english, german, check):
    catalog = tmp_path / "messages.po"
    catalog.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        f"#, python-format\nmsgid {quote(english)}\nmsgstr {quote(german)}\n",
        encoding="utf-8",
    )
    assert check(catalog) != []


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
