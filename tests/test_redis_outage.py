"""Redis stopped, and Redis paused (CLIENT PAUSE), under two server processes on
PostgreSQL: writes keep succeeding (the database is the truth), every open board
converges within 60 s of Redis returning, each process logs the outage once, and
logouts and login limits stay safe meanwhile.

The Redis is this test's own (`redis-server` on a free port in a temporary directory);
the shared one is never touched.
"""

from __future__ import annotations

import time

import pytest
import requests

from bench.faultkit import BoardProcess, OwnRedis, prepare_board
from bench.follower import Follower, close_all, wait_converged
from tests.conftest import require_redis_server, truncate_postgres

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.postgres]
CONVERGE = 60  # seconds after Redis returns (the bound)
TIMEOUT = 30


@pytest.fixture
def outage_board(postgres_migrated, tmp_path):
    require_redis_server()
    truncate_postgres(postgres_migrated)
    own = OwnRedis(tmp_path)
    own.start()
    board = prepare_board(
        tmp_path, 8, database_url=postgres_migrated, message_queue=own.url, migrated=True
    )
    servers = [BoardProcess(board.env) for _ in range(2)]
    followers: list[Follower] = []
    try:
        for server in servers:
            server.wait_until_serving()
        yield board, servers, own, followers
    finally:
        close_all(followers)
        for server in servers:
            server.stop()
        own.stop()


def writer(board, n: int, server) -> requests.Session:
    http = requests.Session()
    http.headers.update({"Cookie": board.logins[n].cookie, "X-CSRF-Token": board.logins[n].csrf})
    http.base = f"{server.url}/api/v1"
    return http


def write_some(writers: list[requests.Session], label: str) -> list[int]:
    """Ideas, votes and comments through both processes; every one must succeed."""
    statuses = []
    for n, http in enumerate(writers):
        idea = http.post(
            f"{http.base}/ideas", json={"title": f"{label} {n}", "body": ""}, timeout=TIMEOUT
        )
        statuses.append(idea.status_code)
        if idea.status_code != 201:
            continue
        other = writers[(n + 1) % len(writers)]
        statuses.append(
            other.put(f"{other.base}/ideas/{idea.json()['id']}/vote", timeout=TIMEOUT).status_code
        )
        statuses.append(
            http.post(
                f"{http.base}/ideas/{idea.json()['id']}/comments",
                json={"body": label},
                timeout=TIMEOUT,
            ).status_code
        )
    return statuses


def test_writes_go_on_and_boards_converge_when_redis_stops_and_pauses(outage_board):
    board, (a, b), own, followers = outage_board
    for n in range(6):
        follower = Follower((a, b)[n % 2].url, board.logins[n].cookie)
        follower.connect()
        followers.append(follower)
    writers = [writer(board, 6, a), writer(board, 7, b)]
    check = writer(board, 6, a)

    assert set(write_some(writers, "before")) <= {200, 201}
    problems, _ = wait_converged(followers, check, a.url, TIMEOUT)
    assert not problems, problems

    # 1. Redis stops. Writes through both processes go on.
    own.stop()
    assert set(write_some(writers, "while stopped")) <= {200, 201}
    # The health check says so, and still passes: the process serves every page and write.
    health = requests.get(f"{a.url}/health", timeout=TIMEOUT)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "message_queue": "unreachable"}

    # Sessions stay safe: a logout through A holds on B too (the database remembers it).
    leaving = requests.Session()
    leaving.headers.update({"Cookie": board.logins[5].cookie, "X-CSRF-Token": board.logins[5].csrf})
    assert leaving.post(f"{a.url}/api/v1/auth/logout", timeout=TIMEOUT).status_code == 204
    copy = requests.get(
        f"{b.url}/api/v1/me", headers={"Cookie": board.logins[5].cookie}, timeout=TIMEOUT
    )
    assert copy.status_code == 401
    followers.pop(5).close_in_background()  # out of the comparisons from here on

    # Login limits still count (in each process's memory meanwhile): guessing is stopped.
    guesses = [
        requests.post(
            f"{a.url}/api/v1/auth/login",
            json={"email": board.logins[4].email, "password": "wrong-guess-123"},
            timeout=TIMEOUT,
        ).status_code
        for _ in range(22)
    ]
    assert guesses[:20] == [401] * 20 and guesses[-1] == 429, guesses

    # The outage is real: boards on A miss what B writes last (nothing written on A
    # after it lets them notice a gap).
    time.sleep(1)  # the gap checks of the writes above are done
    last = writers[1].post(f"{writers[1].base}/ideas", json={"title": "Last", "body": ""})
    assert last.status_code == 201
    problems, _ = wait_converged(followers, check, a.url, 3)
    assert problems, "every board converged without Redis: the outage did not cut delivery"

    # 2. Redis returns: without any further write, every board converges.
    own.start()
    problems, seconds = wait_converged(followers, check, a.url, CONVERGE)
    assert not problems, problems
    assert requests.get(f"{a.url}/health", timeout=TIMEOUT).json()["message_queue"] == "ok"

    # 3. Redis pauses (CLIENT PAUSE ALL): writes still succeed, boards converge after.
    own.pause(6)
    started = time.monotonic()
    assert set(write_some(writers, "while paused")) <= {200, 201}
    time.sleep(1)
    last = writers[1].post(f"{writers[1].base}/ideas", json={"title": "Paused", "body": ""})
    assert last.status_code == 201
    time.sleep(max(0.0, 6 - (time.monotonic() - started)))  # the pause runs out
    problems, seconds = wait_converged(followers, check, a.url, CONVERGE)
    assert not problems, problems

    # Each process noted each outage once, clearly, not once per event.
    for server in (a, b):
        log = server.log()
        downs = log.count("Redis unreachable")
        assert 1 <= downs <= 2, log[-3000:]
        assert log.count("Redis is back") >= 1, log[-3000:]
        assert "Cannot publish to redis" not in log and "Cannot receive from redis" not in log
