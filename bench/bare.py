"""The floor of this stack: a bare Flask-SocketIO server that only broadcasts.

Every socket joins one room; `PUT /vote/<n>` emits one `activity` event of the same
shape and size as the board's `idea.votes_changed` to that room. No login, no database,
no event log: whatever the board costs on top of this is the board's own. It runs with
the same interpreter settings as a board process (board.realtime.tune_server_process),
so that the comparison is of the board's work, not of the tuning.
"""

from __future__ import annotations

import gc
import itertools
import sys

from flask import Flask
from flask_socketio import SocketIO, join_room


def create_bare_app(async_mode: str) -> Flask:
    app = Flask(__name__)
    socketio = SocketIO(app, async_mode=async_mode)
    seq = itertools.count(1)

    @socketio.on("connect")
    def on_connect(auth=None):
        join_room("board")

    @app.put("/vote/<int:idea_id>")
    def vote(idea_id: int):
        envelope = {
            "seq": next(seq),
            "type": "idea.votes_changed",
            "at": "2026-01-01T00:00:00+00:00",
            "actor": None,
            "data": {"idea_id": idea_id, "votes": 1, "departments_supporting": 1},
        }
        socketio.emit("activity", envelope, to="board")
        return {"idea_id": idea_id, "votes": 1, "voted": True, "departments_supporting": 1}

    from board.realtime import GIL_SWITCH_INTERVAL_SECONDS

    if async_mode == "threading":
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)
    gc.freeze()
    return app
