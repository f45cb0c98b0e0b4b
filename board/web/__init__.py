"""Server-rendered pages (Jinja), usable without JavaScript. Thin: parse → service → render."""

from __future__ import annotations

from flask import Blueprint

web = Blueprint("web", __name__)

from board.web import pages  # noqa: E402,F401
