"""Prompts and idea challenges over JSON: list, post (the facilitator), read, results."""

from __future__ import annotations

from board import prompts
from board.api import api, db, me, ok
from board.requests import Field, json_body, text, title
from board.security import person_as_reader


@api.get("/prompts")
@person_as_reader
def list_prompts():
    return ok(prompts.list_prompts(db(), me()))


@api.post("/prompts")
def create_prompt():
    body = json_body(
        {
            "kind": Field("str", required=True, max_length=20),
            "title": title(),
            "body": text(),
            "submissions_close_at": Field("datetime", nullable=True),
            "voting_close_at": Field("datetime", nullable=True),
            "hide_tallies": Field("bool", nullable=True),
            "votes_per_person": Field("int", nullable=True),
        }
    )
    data = prompts.create_prompt(
        db(),
        me(),
        body["kind"],
        body["title"],
        body.get("body") or "",
        submissions_close_at=body.get("submissions_close_at"),
        voting_close_at=body.get("voting_close_at"),
        hide_tallies=body.get("hide_tallies"),
        votes_per_person=body.get("votes_per_person"),
    )
    return ok(data, 201)


@api.get("/prompts/<int:prompt_id>")
def get_prompt(prompt_id: int):
    """Extension: one prompt."""
    return ok(prompts.get_prompt(db(), me(), prompt_id))


@api.get("/prompts/<int:prompt_id>/results")
def challenge_results(prompt_id: int):
    """Extension: a closed challenge's ranking and participation (`409 results_not_ready`)."""
    return ok(prompts.challenge_results(db(), me(), prompt_id))
