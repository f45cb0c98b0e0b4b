"""PostgreSQL restarted or unreachable: requests meanwhile get a clean 503 in the error
envelope within seconds (never a 500, never a hang), and the pool recovers by itself.

The outage is real but private: the app reaches this run's PostgreSQL database through a
TCP proxy on loopback (tests/faultproxy.py) that the test cuts and heals. The shared
PostgreSQL server itself is never stopped.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest
from sqlalchemy import make_url

from board import create_app
from board.settings import Settings
from tests.conftest import JsonClient, make_user, truncate_postgres
from tests.faultproxy import FaultProxy

pytestmark = [pytest.mark.faults, pytest.mark.postgres]
HANG = 30  # seconds: a request still unanswered by then counts as hung


@pytest.fixture
def proxied(postgres_migrated, tmp_path):
    truncate_postgres(postgres_migrated)
    url = make_url(postgres_migrated)
    proxy = FaultProxy(url.host or "127.0.0.1", url.port or 5432)
    settings = Settings(
        instance_path=tmp_path / "instance",
        database_url=url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        ),
        secret_key="test-secret",
        testing=True,
    )
    app = create_app({"TESTING": True}, settings=settings)
    try:
        yield app, proxy
    finally:
        proxy.close()
        app.extensions["board_db"].dispose()


def timed(call):
    """(response, seconds), failing the test if the request hangs."""
    result: list = []
    started = time.monotonic()

    def run():
        try:
            result.append(call())
        except Exception as error:  # noqa: BLE001 - unhandled: a 500 page in production
            result.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG)
    assert result, f"the request hung for more than {HANG} s"
    assert not isinstance(result[0], Exception), f"unhandled (a 500): {result[0]!r}"
    return result[0], time.monotonic() - started


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert int(response.headers["Retry-After"]) > 0


def test_an_outage_answers_503_quickly_and_the_pool_recovers_by_itself(proxied, caplog):
    app, proxy = proxied
    make_user(app, "mara")
    member = JsonClient(app.test_client()).login("mara@example.com")
    page = app.test_client()
    page.post("/login", data={"email": "mara@example.com", "password": "x"})
    assert member.post("ideas", json={"title": "Before", "body": ""}).status_code == 201

    # 1. The server restarts: every connection is closed, new ones are refused.
    proxy.cut()
    caplog.set_level(logging.ERROR, logger="board.errorhandlers")
    for call in (
        lambda: member.get("ideas"),
        lambda: member.post("ideas", json={"title": "During", "body": ""}),
        lambda: member.put("ideas/1/vote"),
    ):
        response, seconds = timed(call)
        assert_unavailable(response)
    html, _seconds = timed(lambda: page.get("/login"))
    assert html.status_code in (200, 503)  # the login page needs no database...
    board_page, _seconds = timed(lambda: member.client.get("/"))
    assert board_page.status_code == 503 and b"Traceback" not in board_page.data
    health, _seconds = timed(lambda: app.test_client().get("/health"))
    # a load balancer sends no one here meanwhile
    assert health.status_code == 503 and int(health.headers["Retry-After"]) > 0

    # 2. The host does not answer at all: the connect timeout still ends the wait.
    proxy.blackhole()
    response, seconds = timed(lambda: member.post("ideas", json={"title": "Lost", "body": ""}))
    assert_unavailable(response)
    outage_notes = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(outage_notes) == 1, [r.getMessage() for r in caplog.records]

    # 3. It is back: the next requests work, with no restart of the app.
    proxy.heal()
    deadline = time.monotonic() + HANG
    while (response := member.get("ideas")).status_code != 200:  # bounded below
        assert time.monotonic() < deadline, "the pool did not recover"
        time.sleep(0.2)
    assert member.post("ideas", json={"title": "After", "body": ""}).status_code == 201
    assert app.test_client().get("/health").get_json()["database"] == "ok"
    titles = [i["title"] for i in member.get("ideas").get_json()["items"]]
    assert sorted(titles) == ["After", "Before"]  # nothing from the outage half-written
