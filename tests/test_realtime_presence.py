"""Presence: counts of people on the board per department, naming no one, sent on change."""

from __future__ import annotations

import uuid

import pytest

from board.presence import Presence, RedisStore, Throttle, snapshot_of
from board.realtime import flush_presence
from tests.conftest import REDIS_URL, service_or_skip
from tests.realtime_helpers import connect, received


def presence(socket) -> list[dict]:
    return received(socket, "presence")


def test_presence_counts_people_per_department_and_names_no_one(
    app, people_, member, other_member, observer
):
    tabs = [
        connect(app, member),
        connect(app, member),
        connect(app, other_member),
        connect(app, observer),
    ]
    flush_presence()

    expected = {"online": 3, "departments": {"IT": 1, "Marketing": 1, "Sales": 1}}
    for tab in tabs:
        assert presence(tab) == [expected]
    for person in people_.created.values():
        assert person.display_name not in str(expected) and person.email not in str(expected)


def test_presence_is_sent_only_when_the_counts_change(app, member, other_member):
    first, colleague = connect(app, member), connect(app, other_member)
    flush_presence()
    presence(first), presence(colleague)

    flush_presence()
    assert presence(first) == [] and presence(colleague) == []

    second_tab = connect(app, member)  # same person: the counts stay the same
    flush_presence()
    assert presence(first) == [] and presence(colleague) == []
    assert presence(second_tab) == [{"online": 2, "departments": {"IT": 1, "Marketing": 1}}]

    colleague.disconnect()
    flush_presence()
    assert presence(first) == [{"online": 1, "departments": {"Marketing": 1}}]


def test_changes_between_two_flushes_make_one_update(app, member, other_member, observer):
    watcher = connect(app, member)
    for client in (other_member, observer, other_member):
        connect(app, client)
    flush_presence()
    assert len(presence(watcher)) == 1


def test_the_throttle_allows_one_flush_per_interval():
    throttle = Throttle(0.25)
    assert throttle.delay(100.0) == 0
    throttle.ran(100.0)
    assert throttle.delay(100.1) == pytest.approx(0.15)
    assert throttle.delay(100.25) == 0
    assert throttle.delay(101.0) == 0


def test_snapshot_counts_each_person_once():
    assert snapshot_of({1: "IT", 2: "IT", 3: "Sales"}) == {
        "online": 3,
        "departments": {"IT": 2, "Sales": 1},
    }
    assert snapshot_of({}) == {"online": 0, "departments": {}}


# ---- across processes ------------------------------------------------------------------


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    service_or_skip("Redis", client.ping)
    prefix = f"test-presence-{uuid.uuid4().hex}"
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.mark.redis
def test_presence_is_the_union_of_every_live_process(redis_client):
    client, prefix = redis_client
    clock = {"now": 1000.0}
    a = RedisStore(client, prefix, ttl=30, process_id="a", now=lambda: clock["now"])
    b = RedisStore(client, prefix, ttl=30, process_id="b", now=lambda: clock["now"])

    a.count({1: "Marketing", 2: "IT"})
    seen_by_b = b.count({2: "IT", 3: "Sales"})  # person 2 has tabs on both processes
    assert seen_by_b == {"online": 3, "departments": {"IT": 1, "Marketing": 1, "Sales": 1}}

    clock["now"] += 31  # process a died without a word: its entry has expired
    assert b.count({3: "Sales"}) == {"online": 1, "departments": {"Sales": 1}}

    a.count({1: "Marketing"})  # a is back
    b.withdraw()  # b stops cleanly
    assert a.count({1: "Marketing"}) == {"online": 1, "departments": {"Marketing": 1}}


@pytest.mark.redis
def test_an_update_another_process_already_sent_is_not_repeated(redis_client):
    client, prefix = redis_client
    sent: dict[str, list] = {"a": [], "b": []}
    people = {"a": {1: "IT"}, "b": {}}

    def presence_for(name):
        return Presence(
            RedisStore(client, prefix, process_id=name),
            online=lambda: people[name],
            emit=lambda snapshot, to: sent[name].append((snapshot, to)),
        )

    a, b = presence_for("a"), presence_for("b")
    a.flush()
    b.flush()  # b counts the same board: nothing new to say
    assert sent == {"a": [({"online": 1, "departments": {"IT": 1}}, None)], "b": []}

    people["b"] = {2: "Sales"}
    b.changed(newcomer="sid-x")
    b.flush()
    assert sent["b"] == [({"online": 2, "departments": {"IT": 1, "Sales": 1}}, None)]
