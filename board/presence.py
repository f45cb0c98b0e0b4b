"""Presence: how many people are on the board now, per department. Counts only, no names.

Each server process knows its own sockets. With one process the count is local; with
several (BOARD_MESSAGE_QUEUE) every process keeps its own online people in a Redis hash
that expires unless the process refreshes it, and the board-wide count is the union of
the live hashes, so a crashed process drops out by itself after PRESENCE_TTL_SECONDS.

Changes are coalesced: a burst of connects and disconnects produces at most one update
per FLUSH_INTERVAL_SECONDS per process, and an update that would repeat the last one
sent (by any process) is not sent at all.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS = 0.25  # at most four updates a second from one process
HEARTBEAT_SECONDS = 10.0  # refresh this process's entry; notice processes that died
PRESENCE_TTL_SECONDS = 30

Online = Mapping[int, str]  # user id → department name, for the people on one process
Snapshot = dict  # {"online": int, "departments": {name: int}}


def snapshot_of(online: Online) -> Snapshot:
    """The presence payload: distinct people, and how many of them per department."""
    per_department = Counter(online.values())
    return {"online": len(online), "departments": dict(sorted(per_department.items()))}


def encode(snapshot: Snapshot) -> str:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"))


class LocalStore:
    """One server process: its own sockets are the whole board."""

    def __init__(self) -> None:
        self._last: str | None = None
        self._lock = threading.Lock()

    def count(self, online: Online) -> Snapshot:
        return snapshot_of(online)

    def swap_last(self, encoded: str) -> str | None:
        """Remember `encoded` as the last update sent; return the one before."""
        with self._lock:
            previous, self._last = self._last, encoded
            return previous

    def withdraw(self) -> None:
        pass


class RedisStore:
    """Several processes: each one's online people in a hash that expires, and a sorted
    set of the processes with the time their entry expires."""

    def __init__(
        self,
        redis_client,
        prefix: str,
        ttl: int = PRESENCE_TTL_SECONDS,
        process_id: str | None = None,
        now: Callable[[], float] = time.time,
    ):
        self.redis = redis_client
        self.ttl = ttl
        self.process_id = process_id or uuid.uuid4().hex
        self._now = now
        self._processes = f"{prefix}:presence:processes"
        self._last = f"{prefix}:presence:last"
        self._prefix = prefix

    def _entry(self, process_id: str) -> str:
        return f"{self._prefix}:presence:process:{process_id}"

    def count(self, online: Online) -> Snapshot:
        """Publish this process's people, then count everyone on live processes."""
        now = self._now()
        mine = self._entry(self.process_id)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(mine)
            if online:
                pipe.hset(mine, mapping={str(uid): dept for uid, dept in online.items()})
                pipe.expire(mine, self.ttl)
            pipe.zadd(self._processes, {self.process_id: now + self.ttl})
            pipe.zremrangebyscore(self._processes, "-inf", now)
            pipe.zrange(self._processes, 0, -1)
            live = pipe.execute()[-1]
        with self.redis.pipeline(transaction=False) as pipe:
            for process_id in live:
                pipe.hgetall(self._entry(_text(process_id)))
            entries = pipe.execute()
        everyone: dict[int, str] = {}
        for entry in entries:
            for uid, dept in entry.items():
                everyone[int(uid)] = _text(dept)
        return snapshot_of(everyone)

    def swap_last(self, encoded: str) -> str | None:
        previous = self.redis.set(self._last, encoded, get=True, ex=self.ttl)
        return _text(previous) if previous is not None else None

    def withdraw(self) -> None:
        """A process that stops cleanly leaves the count at once."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._entry(self.process_id))
            pipe.zrem(self._processes, self.process_id)
            pipe.delete(self._last)  # the next count by anyone is sent out
            pipe.execute()


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Throttle:
    """At most one flush per `interval` seconds; the clock is a parameter for tests."""

    def __init__(self, interval: float):
        self.interval = interval
        self._last: float | None = None

    def delay(self, now: float) -> float:
        """Seconds to wait before the next flush may run."""
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.interval - now)

    def ran(self, now: float) -> None:
        self._last = now


class Presence:
    """Coalesces presence changes and sends the counts when they differ from the last.

    `emit(snapshot, to)` sends to one socket id, or to the whole board when `to` is None.
    `online()` returns this process's people. `flush()` does the work; `run()` is the
    background loop that calls it (tests call `flush()` directly).
    """

    def __init__(
        self,
        store,
        online: Callable[[], Online],
        emit: Callable[[Snapshot, str | None], None],
        on_heartbeat: Callable[[], None] | None = None,
        interval: float = FLUSH_INTERVAL_SECONDS,
        heartbeat: float = HEARTBEAT_SECONDS,
        on_error: Callable[[Exception], None] | None = None,
        on_ok: Callable[[], None] | None = None,
    ):
        self.store = store
        self._on_error = on_error
        self._on_ok = on_ok
        self._online = online
        self._emit = emit
        self._on_heartbeat = on_heartbeat
        self.throttle = Throttle(interval)
        self.heartbeat = heartbeat
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._newcomers: set[str] = set()

    def changed(self, newcomer: str | None = None) -> None:
        """Someone connected or left; a newcomer socket gets the counts even if unchanged."""
        if newcomer is not None:
            with self._lock:
                self._newcomers.add(newcomer)
        self._dirty.set()

    def flush(self) -> Snapshot:
        with self._lock:
            newcomers, self._newcomers = self._newcomers, set()
        snapshot = self.store.count(self._online())
        encoded = encode(snapshot)
        if self.store.swap_last(encoded) != encoded:
            self._emit(snapshot, None)
        else:
            for sid in sorted(newcomers):
                self._emit(snapshot, sid)
        return snapshot

    def run(self) -> None:
        """Flush soon after changes, at most once per interval; refresh on a heartbeat."""
        next_beat = time.monotonic() + self.heartbeat
        while not self._stop.is_set():
            changed = self._dirty.wait(timeout=max(0.0, next_beat - time.monotonic()))
            if self._stop.is_set():
                break
            if changed:
                wait = self.throttle.delay(time.monotonic())
                if wait and self._stop.wait(wait):
                    break
            self._dirty.clear()
            self.throttle.ran(time.monotonic())
            try:
                self.flush()
                if self._on_ok is not None:
                    self._on_ok()
            except Exception as error:
                if self._on_error is not None:
                    self._on_error(error)  # e.g. Redis away: noted once, not every beat
                else:
                    log.exception("presence update failed")
            try:
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.heartbeat
                    if self._on_heartbeat is not None:
                        self._on_heartbeat()
            except Exception:
                log.exception("re-checking the open sockets failed")

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        try:
            self.store.withdraw()
        except Exception:
            log.exception("could not withdraw presence")
