"""GET /health: whether a process can serve, for a load balancer or a monitor."""

from __future__ import annotations

from tests.conftest import BOTH_DATABASES


@BOTH_DATABASES
def test_the_health_check_answers_without_a_login_and_names_nothing(app, member):
    """(The database's outage and the message queue's: tests/test_database_outage.py and
    tests/test_redis_outage.py, with the real services cut.)"""
    member.post("ideas", json={"title": "Secret launch plan", "body": "Only for us"})
    answer = app.test_client().get("/health")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": "ok", "message_queue": "none"}
    assert answer.headers["Cache-Control"] == "no-store"  # a proxy never answers for us
    assert b"Secret" not in answer.data and "Set-Cookie" not in answer.headers
