"""A worker killed: two processes on PostgreSQL + Redis, clients voting, commenting and
claiming, SIGKILL to one in the middle; nothing answered 2xx is lost, nothing doubled,
every board converges on the survivor within 10 s. A short run here; the 100 clients are
`python -m bench.killworker` (docs/reliability.md)."""

from __future__ import annotations

import pytest

from bench import killworker
from tests.conftest import require_redis_server, truncate_postgres

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.postgres]


def test_a_killed_worker_loses_nothing_and_its_boards_converge_on_the_survivor(
    postgres_migrated, tmp_path
):
    require_redis_server()
    truncate_postgres(postgres_migrated)
    outcome = killworker.run(20, 8, postgres_migrated, tmp_path, migrated=True)
    assert outcome.ok > 20, outcome.summary()
    assert outcome.errors == [], (outcome.errors[:5], outcome.server_logs)
    assert outcome.problems == [], outcome.problems[:10]
