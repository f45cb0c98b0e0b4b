"""The JSON API under /api/v1: parse → call a service → serialize. Thin by design."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from board import policy
from board.db import db_for_request

api = Blueprint("api", __name__, url_prefix="/api/v1")

# Endpoints that answer without a session (the contract's list).
PUBLIC_ENDPOINTS = {
    "api.list_departments",
    "api.register",
    "api.login",
    "api.openapi",
}


@api.before_request
def require_login():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    policy.require(current_user, "board.read")
    return None


db = db_for_request


def settings():
    return current_app.extensions["board_settings"]


def ok(payload, status: int = 200):
    response = jsonify(payload)
    response.status_code = status
    return response


# Route modules register on import.
from board.api import (  # noqa: E402,F401
    auth,
    docs,
    events,
    feed,
    ideas,
    insights,
    notifications,
    nudges,
    prompts,
    tasks,
)
