"""The JSON API under /api/v1: parse → call a service → serialize. Thin by design."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from board import idempotency, policy
from board.db import db_for_request
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
    if request.endpoint in policy.PUBLIC_API_ENDPOINTS or request.endpoint is None:
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
