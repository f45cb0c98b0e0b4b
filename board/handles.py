"""Handles: the short names that @mentions use, and finding mentions in text.

A handle is lowercase, 2 to 30 characters of a-z, 0-9, dot, underscore and dash, and
starts and ends with a letter or digit (so "@jonas." at the end of a sentence names jonas).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MIN_LENGTH, MAX_LENGTH = 2, 30
HANDLE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,28}[a-z0-9])$")
# An @ that does not follow a word character (so e-mail addresses are no mentions).
MENTION = re.compile(r"(?<![\w@./-])@([A-Za-z0-9](?:[A-Za-z0-9._-]{0,28}[A-Za-z0-9])?)(?![\w@])")


def is_valid(handle: str) -> bool:
    return bool(HANDLE.match(handle))


# German spells a missing umlaut out ("Jörg" is "Joerg"); other marks are left off ("é" is "e").
_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _ascii_letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_SPELLED_OUT))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def handle_from_email(email: str, is_taken: Callable[[str], bool]) -> str:
    """The e-mail's local part made into a handle ("jörg.groß" becomes "joerg.gross", not
    "jrg.gro"); a number appended while it is taken."""
    local = _ascii_letters(email.partition("@")[0])
    base = re.sub(r"[^a-z0-9._-]", "", local)
    base = re.sub(r"^[._-]+|[._-]+$", "", base)[: MAX_LENGTH - 4].rstrip("._-")
    if len(base) < MIN_LENGTH:
        base = (base + "user")[: MAX_LENGTH - 4]
    if not is_taken(base):
        return base
    number = 2
    while is_taken(f"{base}{number}"):
        number += 1
    return f"{base}{number}"


def mentioned_handles(text: str | None) -> list[str]:
    """The handles `@named` in `text`, lowercase, each once, in order of appearance."""
    found: list[str] = []
    for match in MENTION.finditer(text or ""):
        handle = match.group(1).lower()
        if MIN_LENGTH <= len(handle) <= MAX_LENGTH and handle not in found:
            found.append(handle)
    return found
