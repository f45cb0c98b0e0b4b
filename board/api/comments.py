"""One comment: its author edits or deletes it; anyone taking part flags it; the
facilitator hides it with a reason, or shows it again."""

from __future__ import annotations

from board import corrections, moderation
from board.api import api, db, me, ok
from board.api.ideas import FLAG_FIELDS, HIDE_FIELDS
from board.requests import json_body, no_body, text


@api.get("/comments/<int:comment_id>")
def get_comment(comment_id: int):
    return ok(corrections.get_comment(db(), me(), comment_id))


@api.patch("/comments/<int:comment_id>")
def edit_comment(comment_id: int):
    body = json_body({"body": text(required=True)})
    return ok(corrections.edit_comment(db(), me(), comment_id, body["body"]))


@api.delete("/comments/<int:comment_id>")
def delete_comment(comment_id: int):
    no_body()
    return ok(corrections.delete_comment(db(), me(), comment_id))


@api.post("/comments/<int:comment_id>/flags")
def flag_comment(comment_id: int):
    body = json_body(FLAG_FIELDS)
    data = moderation.flag(db(), me(), "comment", comment_id, body["reason"], body.get("note", ""))
    return ok(data, 201)


@api.put("/comments/<int:comment_id>/hidden")
def hide_comment(comment_id: int):
    body = json_body(HIDE_FIELDS)
    return ok(moderation.hide(db(), me(), "comment", comment_id, body["reason"]))


@api.delete("/comments/<int:comment_id>/hidden")
def unhide_comment(comment_id: int):
    no_body()
    return ok(moderation.unhide(db(), me(), "comment", comment_id))


@api.get("/flags")
def list_flags():
    return ok({"items": moderation.list_flags(db(), me())})
