"""Invite links over JSON: the facilitator makes, lists and revokes them."""

from __future__ import annotations

from flask import url_for

from board import invites
from board.api import api, db, me, ok
from board.requests import Field, json_body, no_body


def _with_link(invite, token: str) -> dict:
    return {
        **invites.invite_dict(invite),
        "token": token,
        "url": url_for("web.register", invite=token, _external=True),
    }


@api.post("/invites")
def create_invite():
    body = json_body(
        {"single_use": Field("bool"), "expires_in_days": Field("int")}, allow_empty=True
    )
    invite, token = invites.create_invite(
        db(),
        me(),
        single_use=body.get("single_use", True),
        days=body.get("expires_in_days", invites.DEFAULT_DAYS),
    )
    return ok(_with_link(invite, token), 201)


@api.get("/invites")
def list_invites():
    return ok({"items": [invites.invite_dict(i) for i in invites.list_invites(db(), me())]})


@api.delete("/invites/<int:invite_id>")
def revoke_invite(invite_id: int):
    no_body()
    return ok(invites.invite_dict(invites.revoke_invite(db(), me(), invite_id)))
