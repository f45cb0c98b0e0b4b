from __future__ import annotations

from board import notifications
from board.api import api, db, me, ok
from board.errors import Invalid
from board.i18n import current_language
from board.requests import INT_MAX, json_object, no_body, query_flag, query_int


@api.put("/ideas/<int:idea_id>/follow")
def follow_idea(idea_id: int):
    no_body()
    return ok(notifications.set_following(db(), me(), idea_id, True))


@api.delete("/ideas/<int:idea_id>/follow")
def unfollow_idea(idea_id: int):
    no_body()
    return ok(notifications.set_following(db(), me(), idea_id, False))


@api.get("/notifications")
def list_notifications():
    from flask import request

    return ok(
        notifications.list_notifications(
            db(),
            me(),
            current_language(),
            unread_only=query_flag("unread"),
            limit=query_int("limit", 50, minimum=1, maximum=200, clamp=True),
            cursor=notifications.parse_cursor(request.args.get("cursor")),
        )
    )


def _ids(payload: dict) -> list[int] | None:
    unknown = sorted(set(payload) - {"ids"})
    if unknown:
        raise Invalid(
            "Some fields are not accepted here.",
            code="unknown_field",
            fields={name: "Unknown field." for name in unknown},
        )
    ids = payload.get("ids")
    if ids is None:
        return None
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 < i <= INT_MAX for i in ids
    ):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"ids": "Expected a list of notification ids."},
        )
    if len(ids) > 1000:
        raise Invalid(
            "Some fields are missing or invalid.",
            code="invalid_fields",
            fields={"ids": "At most 1000 ids at once."},
        )
    return ids


@api.post("/notifications/read")
def mark_notifications_read():
    return ok(notifications.mark_read(db(), me(), _ids(json_object(allow_empty=True))))
