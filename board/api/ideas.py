from __future__ import annotations

from board import corrections, ideas, moderation, publications
from board.api import api, db, kept_ok, me, ok
from board.db import writes_at_once
from board.requests import (
    Field,
    json_body,
    no_body,
    query_choice,
    query_cursor,
    query_given,
    query_int,
    query_limit,
    query_text,
    text,
    title,
)
from board.security import person_as_reader


@api.get("/ideas")
@person_as_reader
def list_ideas():
    page = ideas.page_ideas(
        db(),
        me(),
        sort=query_choice("sort", ideas.SORTS, "top"),
        department_id=query_int("department"),
        tag=query_text("tag", 40),
        q=query_text("q"),
        prompt_id=query_int("prompt_id"),
        limit=query_limit(),
        cursor=query_cursor(),
    )
    return kept_ok(page.key(), lambda: {"items": page.items(), "next_cursor": page.next_cursor})


@api.post("/ideas")
def create_idea():
    body = json_body(
        {
            "title": title(),
            "body": text(required=True),
            "tags": Field("tags"),
            "prompt_id": Field("int", nullable=True),
        }
    )
    data = ideas.create_idea(
        db(), me(), body["title"], body["body"], body.get("tags"), body.get("prompt_id")
    )
    return ok(data, 201)


@api.get("/ideas/<int:idea_id>")
def get_idea(idea_id: int):
    return ok(ideas.get_idea(db(), me(), idea_id))


@api.patch("/ideas/<int:idea_id>")
def update_idea(idea_id: int):
    body = json_body({"title": title(required=False), "body": text(), "tags": Field("tags")})
    return ok(ideas.update_idea(db(), me(), idea_id, body))


@api.put("/ideas/<int:idea_id>/vote")
@person_as_reader
@writes_at_once
def vote(idea_id: int):
    no_body()
    return ok(ideas.vote(db(), me(), idea_id))


@api.delete("/ideas/<int:idea_id>/vote")
@person_as_reader
@writes_at_once
def unvote(idea_id: int):
    no_body()
    return ok(ideas.unvote(db(), me(), idea_id))


@api.get("/ideas/<int:idea_id>/comments")
def list_comments(idea_id: int):
    """Every comment as a plain list; with `limit` and/or `cursor`, a page of them oldest
    first, `{"items", "next_cursor"}` as the other lists (docs/tour.md)."""
    if not query_given("limit", "cursor"):
        return ok(ideas.list_comments(db(), me(), idea_id))
    items, next_cursor = ideas.page_comments(
        db(), me(), idea_id, limit=query_limit(), cursor=query_cursor()
    )
    return ok({"items": items, "next_cursor": next_cursor})


@api.post("/ideas/<int:idea_id>/comments")
def add_comment(idea_id: int):
    body = json_body({"body": text(required=True), "mentor_note": Field("bool")})
    data = ideas.add_comment(db(), me(), idea_id, body["body"], body.get("mentor_note", False))
    return ok(data, 201)


@api.post("/ideas/<int:idea_id>/publications")
def record_publication(idea_id: int):
    body = json_body(
        {
            "url": Field("str", required=True, max_length=2000),
            "channel": Field("str", required=True, max_length=40),
            "published_at": Field("datetime", nullable=True),
        }
    )
    data = publications.record_publication(
        db(), me(), idea_id, body["url"], body["channel"], body.get("published_at")
    )
    return ok(data, 201)


@api.put("/ideas/<int:idea_id>/done")
def mark_idea_done(idea_id: int):
    no_body()
    return ok(publications.mark_done(db(), me(), idea_id, True))


@api.delete("/ideas/<int:idea_id>/done")
def unmark_idea_done(idea_id: int):
    no_body()
    return ok(publications.mark_done(db(), me(), idea_id, False))


# ---- fixing mistakes and moderation in the open (board/corrections.py, moderation.py) ----

FLAG_FIELDS = {
    "reason": Field("str", required=True, max_length=20),
    "note": Field("str", max_length=300),
}
HIDE_FIELDS = {"reason": Field("str", required=True, max_length=300)}


@api.post("/ideas/<int:idea_id>/withdraw")
def withdraw_idea(idea_id: int):
    no_body()
    return ok(corrections.withdraw_idea(db(), me(), idea_id))


@api.post("/ideas/<int:idea_id>/flags")
def flag_idea(idea_id: int):
    body = json_body(FLAG_FIELDS)
    data = moderation.flag(db(), me(), "idea", idea_id, body["reason"], body.get("note", ""))
    return ok(data, 201)


@api.put("/ideas/<int:idea_id>/hidden")
def hide_idea(idea_id: int):
    body = json_body(HIDE_FIELDS)
    return ok(moderation.hide(db(), me(), "idea", idea_id, body["reason"]))


@api.delete("/ideas/<int:idea_id>/hidden")
def unhide_idea(idea_id: int):
    no_body()
    return ok(moderation.unhide(db(), me(), "idea", idea_id))
