from __future__ import annotations

from flask_login import current_user

from board import ideas
from board.api import api, db, ok
from board.requests import (
    Field,
    json_body,
    no_body,
    query_choice,
    query_cursor,
    query_int,
    query_limit,
    query_text,
    text,
    title,
)


@api.get("/ideas")
def list_ideas():
    items, next_cursor = ideas.page_ideas(
        db(),
        current_user,
        sort=query_choice("sort", ideas.SORTS, "top"),
        department_id=query_int("department"),
        tag=query_text("tag", 40),
        q=query_text("q"),
        prompt_id=query_int("prompt_id"),
        limit=query_limit(),
        cursor=query_cursor(),
    )
    return ok({"items": items, "next_cursor": next_cursor})


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
        db(), current_user, body["title"], body["body"], body.get("tags"), body.get("prompt_id")
    )
    return ok(data, 201)


@api.get("/ideas/<int:idea_id>")
def get_idea(idea_id: int):
    return ok(ideas.get_idea(db(), current_user, idea_id))


@api.patch("/ideas/<int:idea_id>")
def update_idea(idea_id: int):
    body = json_body({"title": title(required=False), "body": text(), "tags": Field("tags")})
    return ok(ideas.update_idea(db(), current_user, idea_id, body))


@api.put("/ideas/<int:idea_id>/vote")
def vote(idea_id: int):
    no_body()
    return ok(ideas.vote(db(), current_user, idea_id))


@api.delete("/ideas/<int:idea_id>/vote")
def unvote(idea_id: int):
    no_body()
    return ok(ideas.unvote(db(), current_user, idea_id))


@api.get("/ideas/<int:idea_id>/comments")
def list_comments(idea_id: int):
    return ok(ideas.list_comments(db(), current_user, idea_id))


@api.post("/ideas/<int:idea_id>/comments")
def add_comment(idea_id: int):
    body = json_body({"body": text(required=True), "mentor_note": Field("bool")})
    data = ideas.add_comment(
        db(), current_user, idea_id, body["body"], body.get("mentor_note", False)
    )
    return ok(data, 201)
