"""`GET /health`: whether this process can serve, for a load balancer, a monitor or the
checks after a deploy. No login: it names nothing of the board, only whether its parts
answer. The database must (an unreachable one answers 503 with Retry-After, as every
request then does: board/errorhandlers.py); the message queue, where there is one, is
reported but does not fail the check, since without it a process still serves every
page and write (docs/reliability.md)."""

from __future__ import annotations

from board import realtime
from board.db import db_for_request, ping
from board.requests import board_settings
from board.web import web


@web.get("/health")
def health():
    ping(db_for_request())
    if not board_settings().message_queue:
        queue = "none"
    else:
        queue = "unreachable" if realtime.redis_health.down else "ok"
    answer = {"status": "ok", "database": "ok", "message_queue": queue}
    return answer, 200, {"Cache-Control": "no-store"}
