"""GET /api/v1/openapi.json: the API's own description (public, like the contract says)."""

from __future__ import annotations

from board import openapi as openapi_spec
from board.api import api, ok


@api.get("/openapi.json")
def openapi():
    return ok(openapi_spec.spec())
