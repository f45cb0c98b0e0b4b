"""The facilitator's invite links as a page: make one (shown once), see them, revoke."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from board import invites, policy
from board.db import db_for_request
from board.errors import BoardError
from board.i18n import _, add_german
from board.requests import board_settings
from board.web import web
from board.web.common import flash_refusal, login_page

add_german(
    {
        # board/invites.py's refusals
        "This invite link is not valid any more; ask for a new one.": "Dieser Einladungslink "
        "gilt nicht mehr; bitte um einen neuen.",
        "Registration is open to addresses at %(domains)s only; ask the facilitator for an "
        "invite link.": "Registrieren können sich nur Adressen bei %(domains)s; bitte die "
        "Moderation um einen Einladungslink.",
        "No such invite.": "Diese Einladung gibt es nicht.",
        # register.html
        "You were invited to the board: welcome!": "Du wurdest zum Board eingeladen: willkommen!",
        "Registration is open to addresses at %(domains)s.": "Registrieren können sich "
        "Adressen bei %(domains)s.",
        # invites.html
        "Anyone with an address at %(domains)s may register. An invite link lets someone "
        "else join too.": "Alle mit einer Adresse bei %(domains)s können sich registrieren. "
        "Mit einem Einladungslink kommen auch andere dazu.",
        "Anyone may register. An invite link is a handy way to bring a colleague in.": "Alle "
        "können sich registrieren. Mit einem Einladungslink holst du Kolleginnen und Kollegen "
        "bequem dazu.",
        "Valid for (days)": "Gültig für (Tage)",
        "Reusable until it expires (otherwise: one registration)": "Mehrfach nutzbar, bis er "
        "abläuft (sonst: eine Registrierung)",
        "Make an invite link": "Einladungslink erstellen",
        "Made": "Erstellt",
        "By": "Von",
        "Kind": "Art",
        "Used": "Genutzt",
        "Expires": "Läuft ab",
        "Status": "Status",
        "IT (command line)": "IT (Kommandozeile)",
        "single use": "einmalig",
        "reusable": "mehrfach",
        "active": "aktiv",
        "used": "genutzt",
        "expired": "abgelaufen",
        "revoked": "widerrufen",
        "Revoke": "Widerrufen",
        "No invite links yet.": "Noch keine Einladungslinks.",
        "Invite links": "Einladungslinks",
        "New invite link, shown only now: %(url)s": "Neuer Einladungslink, nur jetzt sichtbar: %(url)s",
        "The invite link no longer works.": "Der Einladungslink funktioniert nicht mehr.",
    }
)


@web.get("/invites")
@login_page
def invites_page():
    policy.require(current_user, "invite.list")
    items = [invites.invite_dict(i) for i in invites.list_invites(db_for_request(), current_user)]
    return render_template(
        "invites.html",
        items=items,
        domains=board_settings().allowed_email_domains,
        max_days=invites.MAX_DAYS,
        default_days=invites.DEFAULT_DAYS,
    )


@web.post("/invites")
@login_page
def create_invite():
    session = db_for_request()
    raw_days = request.form.get("days", "").strip()
    try:
        days = int(raw_days) if raw_days.isdigit() and len(raw_days) < 4 else 0
        _invite, token = invites.create_invite(
            session,
            current_user,
            single_use=request.form.get("reusable") != "1",
            days=days or invites.DEFAULT_DAYS,
        )
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
        return redirect(url_for("web.invites_page") if _may_see() else "/")
    url = url_for("web.register", invite=token, _external=True)
    flash(_("New invite link, shown only now: %(url)s", url=url), "success")
    return redirect(url_for("web.invites_page"))


@web.post("/invites/<int:invite_id>/revoke")
@login_page
def revoke_invite(invite_id: int):
    session = db_for_request()
    try:
        invites.revoke_invite(session, current_user, invite_id)
    except BoardError as refusal:
        session.rollback()
        flash_refusal(refusal)
        return redirect(url_for("web.invites_page") if _may_see() else "/")
    flash(_("The invite link no longer works."), "info")
    return redirect(url_for("web.invites_page"))


def _may_see() -> bool:
    return policy.can(current_user, "invite.list")
