"""Prompts and idea challenges: the facilitator's open questions and time-boxed contests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from board import clock, policy
from board.errors import Invalid
from models import Prompt


def phase_of(prompt: Prompt, now: datetime | None = None) -> str:
    """The phase the clock says a prompt is in (the stored phase may lag until announced)."""
    now = now or clock.now()
    if prompt.submissions_close_at is not None and now < prompt.submissions_close_at:
        return "collecting"
    if prompt.submissions_close_at is None and prompt.voting_close_at is None:
        return "collecting"
    if prompt.voting_close_at is not None and now < prompt.voting_close_at:
        return "voting"
    if prompt.voting_close_at is None:
        return "voting"
    return "closed"


def tallies_hidden(prompt: Prompt | None, now: datetime | None = None) -> bool:
    return (prompt is not None and prompt.kind == "challenge" and prompt.hide_tallies
            and phase_of(prompt, now) != "closed")


def prompt_dict(prompt: Prompt) -> dict:
    return {
        "id": prompt.id,
        "kind": prompt.kind,
        "title": prompt.title,
        "body": prompt.body,
        "phase": phase_of(prompt),
        "submissions_close_at": clock.iso(prompt.submissions_close_at),
        "voting_close_at": clock.iso(prompt.voting_close_at),
        "hide_tallies": prompt.hide_tallies,
        "votes_per_person": prompt.votes_per_person,
        "created_at": clock.iso(prompt.created_at),
    }


def get_prompt_for_idea(session: Session, prompt_id: int | None) -> Prompt | None:
    """The prompt an idea is posted under; a missing one is bad input."""
    if prompt_id is None:
        return None
    prompt = session.get(Prompt, prompt_id)
    if prompt is None:
        raise Invalid("Some fields are missing or invalid.", code="invalid_fields",
                      fields={"prompt_id": "No such prompt."})
    return prompt


def list_prompts(session: Session, viewer) -> list[dict]:
    """All prompts and challenges, newest first (everyone logged in may read them)."""
    policy.require(viewer, "board.read")
    rows = session.scalars(select(Prompt).order_by(Prompt.created_at.desc(), Prompt.id.desc()))
    return [prompt_dict(p) for p in rows]
