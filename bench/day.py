"""A day of load: `python -m bench.day` (500 clients, 100 writes/s, 10 minutes, on the
embedded default and on PostgreSQL + Redis with two processes).

Clients: python-socketio's asyncio client over aiohttp (WebSocket), logged in with signed
session cookies (bench/faultkit.py), spread evenly over the server processes and over
`--client-processes` client processes (each its own asyncio loop, so the load side is
not one core's worth of Python); like the browser (static/js/live.js) they ask for
`activity.batch` at connect, so a server that is behind sends what piled up in one frame
(`--no-batch`: one frame per envelope). Writes: one more process sends the target rate
through the HTTP API by 20 writers, each alternating new ideas and comments on the run's
recent ideas, so every server process gets the same mix (before 4 December, evening, the
odd writes, all ideas, went to one process and the even ones, all comments on one idea
that ten writers followed, to the other). Each write carries the moment it was sent in
its text; a client's delivery time is its arrival minus that moment (one monotonic clock
for the machine), kept in a fixed-size histogram per client process, not one number per
delivery.

Prints p50/p95/p99 of the writes and of event delivery (send → arrival at a client),
errors, delivered share, each client process's CPU share (near 1.0: that process, not
the server, was the limit), each server process's CPU seconds and its memory (VmRSS) once
the writes are warmed up and at the end; a progress line every 30 s.

Checks (exit code 1 when one fails): every client connected; no write error; at least
99.9 % of the deliveries arrive; each process's memory grows by at most MEMORY_BOUND_MIB (a
leak of a few hundred bytes per event, 60,000 events in 10 minutes, shows; caches that
fill once do not). Stopped by Ctrl-C or SIGTERM, it still stops its servers, its
`redis-server` and its client processes and drops its database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import queue
import random
import re
import signal
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench.faultkit import BoardProcess, OwnRedis, describe_machine, prepare_board

MEMORY_BOUND_MIB = 150
WRITERS = 20
MAX_IN_FLIGHT = 200
DRAIN_SECONDS = 20
PROGRESS_SECONDS = 30
# A server's log line worth showing: an outage note, an exception, a traceback.
_TELLS_AN_ERROR = re.compile(r"next note in|Error|Exception|Traceback")
RECENT_IDEAS = 50  # comments go to one of the run's newest ideas
CONNECT_GROUP = 50  # clients of one process connecting at once
STARTUP_SECONDS = 300  # every client connected and the writers ready within this


class Histogram:
    """Latencies in fixed buckets: 1 ms wide up to 10 s, 100 ms wide up to 10 minutes,
    one bucket beyond. Percentiles are a bucket's upper edge (1 ms or 100 ms coarse)."""

    FINE_MS = 10_000
    COARSE_MS = 100
    LIMIT_MS = 600_000
    SIZE = FINE_MS + (LIMIT_MS - FINE_MS) // COARSE_MS + 1

    def __init__(self, counts: list[int] | None = None, highest: float = 0.0):
        self.counts = counts or [0] * self.SIZE
        self.highest = highest  # seconds

    def add(self, seconds: float) -> None:
        ms = int(seconds * 1000)
        if ms < self.FINE_MS:
            self.counts[ms if ms > 0 else 0] += 1
        else:
            self.counts[
                min(self.FINE_MS + (ms - self.FINE_MS) // self.COARSE_MS, self.SIZE - 1)
            ] += 1
        if seconds > self.highest:
            self.highest = seconds

    def merge(self, other: Histogram) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.highest = max(self.highest, other.highest)

    def state(self) -> tuple[list[int], float]:
        return self.counts, self.highest

    def _edge_ms(self, index: int) -> float:
        if index < self.FINE_MS:
            return index + 1
        return self.FINE_MS + (index - self.FINE_MS + 1) * self.COARSE_MS

    def summary(self) -> dict:
        n = sum(self.counts)
        if not n:
            return {"n": 0}
        wanted = {q: max(1, int(q * n + 0.999999)) for q in (0.50, 0.95, 0.99)}
        found: dict[float, float] = {}
        seen = 0
        for index, count in enumerate(self.counts):
            if not count:
                continue
            seen += count
            for q, rank in wanted.items():
                if q not in found and seen >= rank:
                    found[q] = min(self._edge_ms(index), self.highest * 1000)
            if len(found) == len(wanted):
                break
        return {
            "n": n,
            "p50_ms": round(found[0.50], 1),
            "p95_ms": round(found[0.95], 1),
            "p99_ms": round(found[0.99], 1),
            "max_ms": round(self.highest * 1000, 1),
        }


def sent_mark(text_: str) -> float | None:
    """The send moment a write put at the start of its text ("L<monotonic> …")."""
    if text_[:1] != "L":
        return None
    try:
        return float(text_[1 : text_.index(" ")])
    except ValueError:
        return None


# ---- client processes -------------------------------------------------------------------


def client_process(index, targets, batch, messages, go, writes_done, expected, bye) -> None:
    """One client process: `targets` are (server url, cookie); runs until `bye`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it (Ctrl-C goes to all)
    asyncio.run(_clients(index, targets, batch, messages, go, writes_done, expected, bye))


async def _clients(index, targets, batch, messages, go, writes_done, expected, bye) -> None:
    import socketio

    parent = os.getppid()
    clock = time.monotonic
    latency = Histogram()
    add = latency.add
    counts = {"delivered": 0, "disconnects": 0, "batches": 0, "batched": 0}

    def take(envelope: dict, arrived: float) -> None:
        data = envelope.get("data")
        if not data:
            return
        item = data.get("idea") or data.get("comment")
        if not item:
            return
        text_ = item.get("title") or item.get("body") or ""
        if text_[:1] != "L":
            return
        sent = sent_mark(text_)
        if sent is not None:
            add(arrived - sent)
            counts["delivered"] += 1

    def on_activity(envelope):
        take(envelope, clock())

    def on_batch(envelopes):
        arrived = clock()  # one clock read for the frame
        for envelope in envelopes:
            take(envelope, arrived)
        counts["batches"] += 1
        counts["batched"] += len(envelopes)

    def on_disconnect(*_):
        counts["disconnects"] += 1

    sockets = []
    failed: list[str] = []
    for first in range(0, len(targets), CONNECT_GROUP):
        group = []
        for url, cookie in targets[first : first + CONNECT_GROUP]:
            # The standard json: engineio's wrapper parses every integer through a Python
            # function (a guard against huge numbers), a third of the decoding per envelope.
            client = socketio.AsyncClient(reconnection=True, json=json)
            client.on("activity", on_activity)
            client.on("activity.batch", on_batch)
            client.on("disconnect", on_disconnect)
            group.append(
                client.connect(
                    url,
                    headers={"Cookie": cookie},
                    transports=["websocket"],
                    auth={"batch": True} if batch else None,  # as browsers do (live.js)
                    wait_timeout=60,
                )
            )
            sockets.append(client)
        for outcome in await asyncio.gather(*group, return_exceptions=True):
            if isinstance(outcome, BaseException):
                failed.append(f"{type(outcome).__name__}: {outcome}")
    messages.put(
        (
            "connected",
            index,
            {"clients": len(sockets), "failed": failed[:3], "failures": len(failed)},
        )
    )

    async def wait_for(flag) -> bool:
        while not flag.is_set():
            if os.getppid() != parent:
                return False  # the parent is gone: nobody will read a result
            await asyncio.sleep(0.2)
        return True

    if not await wait_for(go):
        return
    began, cpu_began = clock(), time.process_time()
    window_at, window_cpu = began, cpu_began
    while not writes_done.is_set():
        if os.getppid() != parent:
            return
        await asyncio.sleep(0.2)
        if clock() - window_at >= PROGRESS_SECONDS:
            now, cpu = clock(), time.process_time()
            messages.put(
                (
                    "progress",
                    index,
                    {
                        "delivered": counts["delivered"],
                        "disconnects": counts["disconnects"],
                        "cpu_share": round((cpu - window_cpu) / (now - window_at), 2),
                    },
                )
            )
            window_at, window_cpu = now, cpu
    writes_ended, cpu_writes = clock(), time.process_time()
    wanted = expected.value * len(sockets)
    drain_until = clock() + DRAIN_SECONDS
    while counts["delivered"] < wanted and clock() < drain_until:
        await asyncio.sleep(0.2)
    ended, cpu_ended = clock(), time.process_time()
    messages.put(
        (
            "result",
            index,
            {
                "clients": len(sockets),
                "connect_failures": len(failed),
                "delivered": counts["delivered"],
                "expected": wanted,
                "disconnects": counts["disconnects"],  # before the clients' own goodbyes below
                "batches": counts["batches"],
                "batched": counts["batched"],
                "latency": latency.state(),
                "cpu_share_writes": round(
                    (cpu_writes - cpu_began) / max(writes_ended - began, 1e-9), 2
                ),
                # The drain's share only when it lasted (a second's share is noise).
                "drain_seconds": round(ended - writes_ended, 1),
                "cpu_share_drain": round((cpu_ended - cpu_writes) / (ended - writes_ended), 2)
                if ended - writes_ended >= 2
                else None,
            },
        )
    )
    if await wait_for(bye):
        await asyncio.gather(*(client.disconnect() for client in sockets), return_exceptions=True)


# ---- the writer process -----------------------------------------------------------------


def writer_process(targets, rate, seconds, messages, go) -> None:
    """The writes: `targets` are (server url, cookie, csrf), one per writer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_writes(targets, rate, seconds, messages, go))


async def _writes(targets, rate, seconds, messages, go) -> None:
    import aiohttp

    parent = os.getppid()
    clock = time.monotonic
    latency = Histogram()
    counts = {"ok": 0, "errors": 0}
    by_server: dict[str, int] = {}
    errors: list[str] = []
    waited_for_slot = 0
    sessions = []
    for url, cookie, csrf in targets:
        session = aiohttp.ClientSession(headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        sessions.append((session, url))
    # Each writer posts one idea first: the first comments have ideas to go to.
    recent: deque[int] = deque(maxlen=RECENT_IDEAS)
    for session, url in sessions:
        async with session.post(f"{url}/api/v1/ideas", json={"title": "Seed", "body": ""}) as r:
            recent.append((await r.json())["id"])
    messages.put(("ready", -1, {}))
    while not go.is_set():
        if os.getppid() != parent:
            return
        await asyncio.sleep(0.05)

    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
    choose = random.Random(16).choice
    timeout = aiohttp.ClientTimeout(total=60)

    async def write(n: int) -> None:
        nonlocal waited_for_slot
        # Writer n % WRITERS, always on the same server; it alternates ideas and comments,
        # so every server gets the same mix.
        session, url = sessions[n % WRITERS]
        idea = (n // WRITERS) % 2 == 0
        if in_flight.locked():
            waited_for_slot += 1
        async with in_flight:
            sent = clock()
            try:
                if idea:
                    r = await session.post(
                        f"{url}/api/v1/ideas",
                        json={"title": f"L{sent:.4f} idea", "body": ""},
                        timeout=timeout,
                    )
                else:
                    r = await session.post(
                        f"{url}/api/v1/ideas/{choose(recent)}/comments",
                        json={"body": f"L{sent:.4f} comment"},
                        timeout=timeout,
                    )
                body = await r.read()
                if r.status >= 300:
                    counts["errors"] += 1
                    errors.append(f"{r.status} {body[:200].decode(errors='replace')}")
                else:
                    counts["ok"] += 1
                    by_server[url] = by_server.get(url, 0) + 1
                    latency.add(clock() - sent)
                    if idea:
                        recent.append(json.loads(body)["id"])
            except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                counts["errors"] += 1
                errors.append(f"{type(error).__name__}: {error}")

    started, cpu_started = clock(), time.process_time()
    window_at = started
    tasks = set()
    n = 0
    while (elapsed := clock() - started) < seconds:
        due = int(elapsed * rate)
        while n < due:
            task = asyncio.create_task(write(n))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
        if clock() - window_at >= PROGRESS_SECONDS:
            window_at = clock()
            messages.put(
                (
                    "progress",
                    -1,
                    {"ok": counts["ok"], "errors": counts["errors"], "in_flight": len(tasks)},
                )
            )
        if os.getppid() != parent:
            return
        await asyncio.sleep(0.01)
    await asyncio.gather(*tasks)
    writing = clock() - started
    cpu = time.process_time() - cpu_started
    for session, _url in sessions:
        await session.close()
    messages.put(
        (
            "result",
            -1,
            {
                "writes_sent": n,
                "writes_ok": counts["ok"],
                "write_errors": counts["errors"],
                "writes_ok_by_server": by_server,
                "latency": latency.state(),
                "first_errors": errors[:5],
                "waited_for_in_flight_slot": waited_for_slot,
                "seconds": round(writing, 1),
                "cpu_share": round(cpu / writing, 2),
            },
        )
    )


# ---- the parent -------------------------------------------------------------------------


class Run:
    """The client and writer processes of one setup, and what they report."""

    def __init__(self, urls, board, clients: int, client_processes: int, rate, seconds, batch):
        ctx = multiprocessing.get_context("spawn")
        self.messages = ctx.Queue()
        self.go, self.writes_done, self.bye = ctx.Event(), ctx.Event(), ctx.Event()
        self.expected = ctx.Value("q", 0)
        listeners = board.logins[WRITERS : WRITERS + clients]
        targets = [(urls[i % len(urls)], login.cookie) for i, login in enumerate(listeners)]
        self.clients = [
            ctx.Process(
                target=client_process,
                args=(
                    p,
                    targets[p::client_processes],
                    batch,
                    self.messages,
                    self.go,
                    self.writes_done,
                    self.expected,
                    self.bye,
                ),
                name=f"day-clients-{p}",
                daemon=True,
            )
            for p in range(min(client_processes, clients))
        ]
        writers = [
            (urls[w % len(urls)], login.cookie, login.csrf)
            for w, login in enumerate(board.logins[:WRITERS])
        ]
        self.writer = ctx.Process(
            target=writer_process,
            args=(writers, rate, seconds, self.messages, self.go),
            name="day-writer",
            daemon=True,
        )

    def start(self) -> None:
        for process in [*self.clients, self.writer]:
            process.start()

    def next_message(self, timeout: float):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            for process in [*self.clients, self.writer]:
                if process.exitcode not in (None, 0):
                    raise RuntimeError(f"{process.name} exited with {process.exitcode}") from None
            return None

    def stop(self, graceful: bool) -> None:
        """Graceful: the clients say goodbye (after their results). Otherwise (an error,
        Ctrl-C, SIGTERM) the processes are ended at once: the servers stop next anyway."""
        processes = [p for p in (*self.clients, self.writer) if p.pid is not None]  # started
        if graceful:
            self.bye.set()
            deadline = time.monotonic() + 30
            for process in processes:
                process.join(max(0.1, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)


def measure(processes, board, clients, client_processes, rate, seconds, batch, label) -> dict:
    run = Run([p.url for p in processes], board, clients, client_processes, rate, seconds, batch)
    say = lambda line: print(f"[day {label}] {line}", flush=True)  # noqa: E731
    try:
        run.start()
        connected: dict[int, dict] = {}
        ready = False
        deadline = time.monotonic() + STARTUP_SECONDS
        while len(connected) < len(run.clients) or not ready:
            if time.monotonic() > deadline:
                raise RuntimeError("clients or writers not ready within the start-up time")
            message = run.next_message(1.0)
            if message is None:
                continue
            kind, index, body = message
            if kind == "connected":
                connected[index] = body
            elif kind == "ready":
                ready = True
        failures = sum(c["failures"] for c in connected.values())
        say(
            f"{sum(c['clients'] for c in connected.values()) - failures} clients connected "
            f"({failures} failed) in {len(run.clients)} processes; writing"
        )
        cpu_connected = [p.cpu_seconds() for p in processes]
        run.go.set()
        started = time.monotonic()
        warm_at = started + min(30, seconds / 4)  # caches filled, backlogs (if any) begun
        memory_before: list[float] = []
        progress: dict[int, dict] = {}
        next_line = started + PROGRESS_SECONDS + 2
        last_cpu, last_at = cpu_connected, started
        writes = None
        while writes is None:
            message = run.next_message(0.5)
            now = time.monotonic()
            if not memory_before and now >= warm_at:
                memory_before = [p.rss_mib() for p in processes]
            if message is not None:
                kind, index, body = message
                if kind == "progress":
                    progress[index] = body
                elif kind == "result":
                    writes = body
            if now >= next_line:
                cpu = [p.cpu_seconds() for p in processes]
                shares = [
                    round((c - b) / (now - last_at), 2) for b, c in zip(last_cpu, cpu, strict=True)
                ]
                last_cpu, last_at, next_line = cpu, now, now + PROGRESS_SECONDS
                w = progress.get(-1, {})
                parts = [progress[i] for i in sorted(progress) if i >= 0]
                say(
                    f"{now - started:.0f} s: writes ok {w.get('ok', '?')}, errors "
                    f"{w.get('errors', '?')}, in flight {w.get('in_flight', '?')}; delivered "
                    f"{sum(p['delivered'] for p in parts)}, client drops "
                    f"{sum(p['disconnects'] for p in parts)}; server CPU shares {shares}; "
                    f"client processes {[p['cpu_share'] for p in parts]}; RSS MiB "
                    f"{[round(p.rss_mib()) for p in processes]}; load {os.getloadavg()[0]:.1f}"
                )
        if not memory_before:
            memory_before = [p.rss_mib() for p in processes]
        cpu_writes_end = [p.cpu_seconds() for p in processes]
        writes_ended = time.monotonic()
        run.expected.value = writes["writes_ok"]
        run.writes_done.set()
        say(
            f"writes done ({writes['writes_ok']} ok, {writes['write_errors']} errors); "
            f"draining up to {DRAIN_SECONDS} s"
        )
        results: dict[int, dict] = {}
        deadline = time.monotonic() + DRAIN_SECONDS + 60
        while len(results) < len(run.clients):
            if time.monotonic() > deadline:
                raise RuntimeError("client processes did not report")
            message = run.next_message(1.0)
            if message is not None and message[0] == "result":
                results[message[1]] = message[2]
        memory_after = [p.rss_mib() for p in processes]
        cpu_after = [p.cpu_seconds() for p in processes]
        drain_seconds = time.monotonic() - writes_ended
    except BaseException:
        run.stop(graceful=False)
        raise
    run.stop(graceful=True)

    delivery = Histogram()
    for result in results.values():
        delivery.merge(Histogram(*result["latency"]))
    parts = [results[i] for i in sorted(results)]
    expected = sum(p["expected"] for p in parts)
    delivered = sum(p["delivered"] for p in parts)
    urls = [p.url for p in processes]
    return {
        "writes_sent": writes["writes_sent"],
        "writes_ok": writes["writes_ok"],
        "write_errors": writes["write_errors"],
        "write_latency": Histogram(*writes["latency"]).summary(),
        # per server process, in the order of the lists below
        "writes_ok_by_process": [writes["writes_ok_by_server"].get(u, 0) for u in urls],
        "deliveries_expected": expected,
        "deliveries": delivered,
        "delivered_share": round(delivered / expected, 4) if expected else 0,
        "delivery_latency": delivery.summary(),
        # activity.batch events received (each several envelopes in one frame): how often
        # the server was behind and sent what had piled up together.
        "batch_events": sum(p["batches"] for p in parts),
        "batched_envelopes": sum(p["batched"] for p in parts),
        "clients_connected": sum(p["clients"] - p["connect_failures"] for p in parts),
        "client_disconnects": sum(p["disconnects"] for p in parts),  # dropped during the run
        "first_errors": writes["first_errors"],
        "waited_for_in_flight_slot": writes["waited_for_in_flight_slot"],
        "seconds": round(writes["seconds"] + drain_seconds, 1),
        # The load side shares the machine: a process near 1.0 (its one asyncio thread)
        # was itself a limit, and the deliveries it timed were late on its account too.
        "client_processes": [
            {
                "clients": p["clients"],
                "cpu_share_writes": p["cpu_share_writes"],
                "drain_seconds": p["drain_seconds"],
                "cpu_share_drain": p["cpu_share_drain"],
                "delivered_share": round(p["delivered"] / p["expected"], 4) if p["expected"] else 0,
                "disconnects": p["disconnects"],
            }
            for p in parts
        ],
        "writer_cpu_share": writes["cpu_share"],
        "memory_mib": [
            {"start": round(b, 1), "end": round(a, 1), "growth": round(a - b, 1)}
            for b, a in zip(memory_before, memory_after, strict=True)
        ],
        # CPU seconds per server process: from the first write on (warm-up included), of
        # which the writing, and everything since it started.
        "server_cpu_seconds": [
            {
                "writes_and_drain": round(a - c, 1),
                "writes": round(w - c, 1),
                "since_start": round(a, 1),
            }
            for c, w, a in zip(cpu_connected, cpu_writes_end, cpu_after, strict=True)
        ],
        "server_cpu_share_writes": [
            round((w - c) / writes["seconds"], 2)
            for c, w in zip(cpu_connected, cpu_writes_end, strict=True)
        ],
        "memory_start_after_s": round(min(30, seconds / 4), 1),  # of writing
    }


def run_setup(
    setup: str,
    clients: int,
    rate: float,
    seconds: float,
    postgres: str,
    batch: bool = True,
    client_processes: int = 4,
) -> dict:
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        own_redis = None
        database_url = None
        admin = None
        name = f"board_day_{int(time.time())}"
        if setup == "postgres":
            server_url = make_url(postgres)
            admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            database_url = server_url.set(database=name).render_as_string(hide_password=False)
            own_redis = OwnRedis(workdir)
            own_redis.start()
        try:
            board = prepare_board(
                workdir,
                WRITERS + clients,
                database_url=database_url,
                message_queue=own_redis.url if own_redis else None,
            )
            processes = [BoardProcess(board.env) for _ in range(2 if setup == "postgres" else 1)]
            try:
                for process in processes:
                    process.wait_until_serving()
                result = measure(
                    processes, board, clients, client_processes, rate, seconds, batch, setup
                )
            finally:
                for process in processes:
                    process.stop()
            # What the servers said went wrong (a 503 names only its kind): a few lines each.
            server_errors = [
                [line for line in process.log().splitlines() if _TELLS_AN_ERROR.search(line)][:8]
                for process in processes
            ]
        finally:
            if own_redis:
                own_redis.stop()
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    result = {"setup": setup, "batch": batch, **result, "server_errors": server_errors}
    result["load_average"] = {"start": round(load_start, 1), "end": round(os.getloadavg()[0], 1)}
    checks = {
        "all_clients_connected": result["clients_connected"] == clients,
        "no_write_error": result["write_errors"] == 0,
        "delivered_99_9": result["delivered_share"] >= 0.999,
        f"memory_growth_le_{MEMORY_BOUND_MIB}_mib": all(
            m["growth"] <= MEMORY_BOUND_MIB for m in result["memory_mib"]
        ),
    }
    result["checks"] = checks
    return result


def _stop_on_sigterm(_signum, _frame):
    raise SystemExit(143)  # unwinds through the clean-up: servers, redis, database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100, help="writes per second")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--setups", default="sqlite,postgres")
    parser.add_argument(
        "--client-processes",
        type=int,
        default=4,
        help="processes the listening clients are spread over (each one asyncio loop)",
    )
    parser.add_argument(
        "--no-batch",
        action="store_true",
        help="clients do not ask for activity.batch (one frame per envelope, as before)",
    )
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGHUP, _stop_on_sigterm)
    print(f"machine: {describe_machine()}", flush=True)
    ok = True
    for setup in args.setups.split(","):
        result = run_setup(
            setup,
            args.clients,
            args.rate,
            args.minutes * 60,
            args.postgres,
            not args.no_batch,
            args.client_processes,
        )
        print(json.dumps(result, indent=2), flush=True)
        ok = ok and all(result["checks"].values())
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
