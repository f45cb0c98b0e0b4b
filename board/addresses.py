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

The domain is kept in its ASCII form: it is what mail is sent to, and a look-alike
domain (a Cyrillic "а" for a Latin "a") shows as what it is ("xn--…") instead of as a
colleague's address.
"""

from __future__ import annotations

import unicodedata

import idna


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
