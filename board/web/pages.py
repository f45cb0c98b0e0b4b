from __future__ import annotations

from flask import render_template
from flask_login import login_required

from board.web import web


@web.get("/")
@login_required
def board():
    return render_template("board.html")


@web.get("/login")
def login():
    return render_template("login.html")
