"""Addresses: what none may hold, and one spelling per mailbox.

No address (an e-mail address, a link, a webhook's URL) may hold a control or format
character (`unseen_characters`): "mara\u200b@example.com" or "\u202emara@example.com"
looks like Mara's address and is not.

An e-mail address reaches the same mailbox however it is typed: in capitals, with "ü" composed
(one character) or decomposed ("u" and a combining diaeresis, as macOS pastes it), with
its domain in Unicode ("bücher.de") or in the ASCII form the DNS uses
("xn--bcher-kva.de"). Every door that takes an address (registration, login, a reset
link, the CLI, the company login, the allowed domains) reads it through `normalize_email`
so that one mailbox is one account.

The domain is kept in its ASCII form: it is what mail is sent to, and what the board
compares. Pages show it to people in Unicode where that is readable and cannot pass for
another domain (`shown_email`): a look-alike domain (a Cyrillic "а" for a Latin "a")
shows as what it is ("xn--…"), with its Unicode spelling beside it.
"""

from __future__ import annotations

import functools
import unicodedata

import idna
import regex


def unseen_characters(value: str) -> bool:
    """Whether `value` holds a control or format character (NUL, a zero-width space, a
    bidi control, a soft hyphen): none belongs in an address, where it cannot be seen."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


def normalize_domain(domain: str) -> str:
    """`domain` lower case, in its ASCII form; as typed (lower case) when it is no valid
    domain name, or holds a character that cannot be seen (which IDNA would drop: such an
    address is refused, not quietly made another), for the address check to judge."""
    domain = unicodedata.normalize("NFC", domain.strip()).lower()
    if domain.isascii() and "xn--" not in domain or unseen_characters(domain):
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return domain


def normalize_email(email: str) -> str:
    """`email` trimmed, lower case, composed (NFC), its domain in ASCII form."""
    email = unicodedata.normalize("NFC", email.strip()).lower()
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    return f"{local}@{normalize_domain(domain)}"


# ---- showing an address to a person -----------------------------------------------------------
#
# What is stored, compared and mailed stays the ASCII form. A person reads their address
# with its domain in Unicode ("d@bücher.de", not "d@xn--bcher-kva.de") when that spelling
# cannot pass for another one, by the rules browsers show domain names by (UTS 39's
# "highly restrictive" profile, as Chromium and Firefox apply it): each label written in one
# of the scripts Unicode recommends for identifiers (UTS 31, table 5), or in Latin mixed
# with Han and kana (Japanese), Han and Hangul (Korean) or Han and Bopomofo (Chinese) alone;
# nothing unseen (a zero-width joiner); and no label of Cyrillic or Greek letters that all
# look like Latin ones ("аррӏе" is not "apple") unless the domain ends in that script (".рф").
# Otherwise both spellings are shown, the ASCII one first.

_RECOMMENDED_SCRIPTS = (
    "Arabic", "Armenian", "Bengali", "Bopomofo", "Cyrillic", "Devanagari", "Ethiopic",
    "Georgian", "Greek", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hebrew", "Hiragana",
    "Kannada", "Katakana", "Khmer", "Lao", "Latin", "Malayalam", "Myanmar", "Oriya",
    "Sinhala", "Tamil", "Telugu", "Thaana", "Thai", "Tibetan",
)  # fmt: skip
_IN_SCRIPT = {name: regex.compile(rf"\p{{scx={name}}}") for name in _RECOMMENDED_SCRIPTS}
# Digits, the hyphen and combining marks shared by every script (Common, Inherited).
_ANY_SCRIPT = regex.compile(r"[\p{scx=Common}\p{scx=Inherited}]")
# UTS 39's augmented script sets: Han is written with kana (Jpan), Hangul (Kore) and
# Bopomofo (Hanb), so a Japanese, Korean or Chinese name counts as one script.
_AUGMENTED = {
    "Han": ("Jpan", "Kore", "Hanb"),
    "Hiragana": ("Jpan",),
    "Katakana": ("Jpan",),
    "Hangul": ("Kore",),
    "Bopomofo": ("Hanb",),
}
_LATIN_WITH = ("Jpan", "Kore", "Hanb")
# Cyrillic and Greek letters that look like Latin ones (Chromium's list for Cyrillic).
_LOOK_LATIN = {
    "Cyrillic": set("асԁеһіјӄӏорԗԛѕԝхуъьҽпгѵѡ"),
    "Greek": set("αικνορτυχ"),
}


@functools.cache
def _scripts(ch: str) -> frozenset[str] | None:
    """The recommended scripts `ch` is written in, augmented; None for any script; empty
    when it belongs to none of them."""
    if _ANY_SCRIPT.match(ch):
        return None
    found = {name for name, pattern in _IN_SCRIPT.items() if pattern.match(ch)}
    for name in list(found):
        found.update(_AUGMENTED.get(name, ()))
    return frozenset(found)


def _resolved_scripts(label: str) -> frozenset[str] | None:
    """UTS 39's resolved script set of `label`: the scripts all its characters share
    (None: digits and hyphens only)."""
    resolved = None
    for ch in label:
        scripts = _scripts(ch)
        if scripts is not None:
            resolved = scripts if resolved is None else resolved & scripts
    return resolved


def _one_script_or_cjk(label: str) -> bool:
    resolved = _resolved_scripts(label)
    if resolved is None or resolved:
        return True
    return any(
        all((s := _scripts(ch)) is None or "Latin" in s or script in s for ch in label)
        for script in _LATIN_WITH
    )


def _looks_latin(label: str, top: str) -> bool:
    """A label of Cyrillic or Greek letters that all look like Latin ones, in a domain that
    does not end in that script."""
    resolved = _resolved_scripts(label) or frozenset()
    for script, lookalikes in _LOOK_LATIN.items():
        if script in resolved and script not in (_resolved_scripts(top) or ()):
            letters = [ch for ch in label if _scripts(ch) is not None]
            if letters and all(ch in lookalikes for ch in letters):
                return True
    return False


def _readable_domain(domain: str) -> str | None:
    """The Unicode spelling of an ASCII-form domain when it is safe to show alone."""
    try:
        unicode = idna.decode(domain)
        if idna.encode(unicode).decode("ascii") != domain:
            return None
    except (idna.IDNAError, UnicodeError, ValueError):
        return None
    labels = unicode.split(".")
    if unseen_characters(unicode) or not all(
        all(_scripts(ch) != frozenset() for ch in label) and _one_script_or_cjk(label)
        for label in labels
    ):
        return None
    if any(_looks_latin(label, labels[-1]) for label in labels):
        return None
    return unicode


def _unicode_domain(domain: str) -> str | None:
    try:
        return idna.decode(domain)
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def shown_email(email: str) -> tuple[str, str | None]:
    """A stored address as a person reads it: its domain in Unicode when that spelling is
    safe to show alone, `(spelling, None)`; else the stored spelling and, when it has one,
    the Unicode spelling to show beside it. Never raises: the stored address at worst."""
    local, at, domain = email.rpartition("@")
    if not at or "xn--" not in domain:
        return email, None
    readable = _readable_domain(domain)
    if readable is not None:
        return f"{local}@{readable}", None
    unicode = _unicode_domain(domain)
    return email, (f"{local}@{unicode}" if unicode and unicode != domain else None)
