"""German and English for pages and error messages.

The English sentence is the key; `DE` holds its German. A person's own setting wins,
else the browser's Accept-Language. Error *codes* are never translated.
"""

from __future__ import annotations

LANGUAGES = ("en", "de")

DE: dict[str, str] = {
    # errors
    "Please log in first.": "Bitte melde dich zuerst an.",
    "Observers watch the board and cannot change it.": "Beobachter sehen dem Board zu und können nichts ändern.",
    "Only the facilitator may do this.": "Das darf nur die Moderation.",
    "Only its author may edit an idea.": "Nur die Person, die die Idee gepostet hat, kann sie ändern.",
    "Only the person who claimed a task may release or complete it.": "Nur wer eine Aufgabe übernommen hat, kann sie zurückgeben oder abschließen.",
    "Only a nudge's recipients may mark it read.": "Nur die Empfänger eines Anstoßes können ihn als gelesen markieren.",
    "The request body is not valid JSON.": "Der Inhalt der Anfrage ist kein gültiges JSON.",
    "The request body must be a JSON object.": "Der Inhalt der Anfrage muss ein JSON-Objekt sein.",
    "Some fields are not accepted here.": "Einige Felder sind hier nicht erlaubt.",
    "Some fields are missing or invalid.": "Einige Felder fehlen oder sind ungültig.",
    "A query parameter is invalid.": "Ein Abfrageparameter ist ungültig.",
    "That email address is already registered.": "Diese E-Mail-Adresse ist schon registriert.",
    "Wrong email or password.": "E-Mail oder Passwort falsch.",
    "That department does not exist.": "Diese Abteilung gibt es nicht.",
    "No such idea.": "Diese Idee gibt es nicht.",
    "No such task.": "Diese Aufgabe gibt es nicht.",
    "No such prompt.": "Diesen Impuls gibt es nicht.",
    "No such nudge.": "Diesen Anstoß gibt es nicht.",
    "No such page.": "Diese Seite gibt es nicht.",
    "Someone else has already claimed this task.": "Jemand anderes hat diese Aufgabe schon übernommen.",
    "This task is done and can no longer be claimed.": "Diese Aufgabe ist erledigt und kann nicht mehr übernommen werden.",
    "You already hold {limit} open tasks; finish or release one first.": "Du hast schon {limit} offene Aufgaben; schließe eine ab oder gib eine zurück.",
    "This task is not claimed.": "Diese Aufgabe ist nicht übernommen.",
    "The security token is missing or has expired; reload the page and try again.": "Das Sicherheitstoken fehlt oder ist abgelaufen; lade die Seite neu und versuche es noch einmal.",
    "Too many attempts; please wait and try again.": "Zu viele Versuche; bitte warte kurz und versuche es dann noch einmal.",
    "Something went wrong on our side.": "Bei uns ist etwas schiefgegangen.",
    "This method is not allowed here.": "Diese Methode ist hier nicht erlaubt.",
}


def add_german(entries: dict[str, str]) -> None:
    """Each domain module adds its own sentences at import, so no one file collects them all."""
    DE.update(entries)


def translate(message: str, language: str | None, **params) -> str:
    text = DE.get(message, message) if language == "de" else message
    if params:
        try:
            # gettext-style "%(name)s" placeholders (the catalogs' style) or the older "{name}".
            return text % params if "%(" in text else text.format(**params)
        except (KeyError, IndexError, ValueError, TypeError):
            return text
    return text


def current_language() -> str:
    """The person's setting, else the browser's Accept-Language, else English."""
    from flask import has_request_context, request
    from flask_login import current_user

    if not has_request_context():
        return "en"
    if getattr(current_user, "is_authenticated", False) and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _(message: str, **params) -> str:
    return translate(message, current_language(), **params)
