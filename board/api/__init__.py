"""The JSON API under /api/v1: parse → call a service → serialize. Thin by design."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from board import idempotency, policy
from board.compression import KeptBody
from board.db import db_for_request
from board.kept import keep
from board.privacy import current_mask
from board.requests import board_settings

api = Blueprint("api", __name__, url_prefix="/api/v1")


def me():
    """The person asking (or Flask-Login's anonymous user) as the object itself, for the
    services: through the `current_user` proxy every attribute read asks Flask-Login for the
    user again, and a write reads its actor's attributes hundreds of times (the policy, the
    event's person shapes, one notification per follower)."""
    return current_user._get_current_object()  # noqa: SLF001 - Flask-Login's documented way


@api.before_request
def require_login():
    endpoint = request._get_current_object().endpoint  # not the proxy: db.db_for_request
    if endpoint in policy.PUBLIC_API_ENDPOINTS or endpoint is None:
        return None
    policy.require(me(), "board.read")
    return None


api.before_request(idempotency.before_write)  # after the login check: keys are per person
api.after_request(idempotency.after_write)


db = db_for_request


settings = board_settings


def ok(payload, status: int = 200):
    response = jsonify(payload)
    response.status_code = status
    return response


# Answers kept by what they are made of (`kept_ok`): a page of 50 ideas is about 40 KiB of
# JSON and 5 KiB of gzip, held with its key's rows (about as much again): ~11 MB at most.
_KEPT: dict[Hashable, KeptBody] = {}
KEPT_ANSWERS = 128


def kept_ok(key: Hashable, payload: Callable[[], dict]):
    """`ok(payload())`, kept: a request whose `key` (everything its payload is made of,
    the reader's language included where it shows, but the works-council mask) is a kept
    answer's gets that answer's bytes, and its gzip, without shaping or encoding anything
    again. Only the view's own work is skipped: every hook runs before and after it as for
    any answer. An answer for a reader who sees departments instead of names is made
    afresh each time. Kept per view: two views' keys never meet."""
    if current_mask() is not None:
        return ok(payload())
    key = (request._get_current_object().endpoint, key)  # not the proxy: db.db_for_request
    kept = _KEPT.get(key)
    if kept is None:
        response = ok(payload())
        kept = keep(_KEPT, key, KeptBody(response.get_data(), list(response.headers)), KEPT_ANSWERS)
    else:
        response = current_app._get_current_object().response_class(kept.body, headers=kept.headers)
    response.board_kept = kept
    return response


# Route modules register on import.
from board.api import (  # noqa: E402,F401
    auth,
    calendar,
    comments,
    directory,
    docs,
    events,
    feed,
    ideas,
    images,
    insights,
    invites,
    notifications,
    nudges,
    prompts,
    tasks,
)
