"""A day of load: `python -m bench.day` (500 clients, 100 writes/s, 10 minutes, on the
embedded default and on PostgreSQL + Redis with two processes).

Clients: python-socketio's asyncio client over aiohttp (WebSocket), logged in with signed
session cookies (bench/faultkit.py), spread evenly over the server processes; like the
browser (static/js/live.js) they ask for `activity.batch` at connect, so a server that is
behind sends what piled up in one frame (`--no-batch`: one frame per envelope, as
before). Writes: a scheduler sends the target rate through the HTTP API (half new ideas,
half comments, by 20 writers, each carrying a number in its text); every client notes when
each write's envelope arrives. Prints p50/p95/p99 of the writes and of event delivery (send → arrival
at a client), errors, delivered share, and each server process's memory (VmRSS) once
the clients are connected and at the end.

Checks (exit code 1 when one fails): no write error; at least 99.9 % of the deliveries
arrive; each process's memory grows by at most MEMORY_BOUND_MIB (a leak of a few hundred
bytes per event, 60,000 events in 10 minutes, shows; caches that fill once do not).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench.faultkit import BoardProcess, OwnRedis, describe_machine, percentiles, prepare_board

MEMORY_BOUND_MIB = 150
WRITERS = 20
MAX_IN_FLIGHT = 200
DRAIN_SECONDS = 20


async def measure(
    urls: list[str], board, clients: int, rate: float, seconds: float, batch: bool = True
) -> dict:
    import aiohttp
    import socketio

    sent: dict[int, float] = {}
    deliveries: list[float] = []
    counts = {
        "delivered": 0,
        "write_ok": 0,
        "write_errors": 0,
        "disconnects": 0,
        "batches": 0,
        "batched": 0,
    }
    errors: list[str] = []
    write_latencies: list[float] = []

    def on_activity(envelope):
        data = envelope.get("data") or {}
        text_ = (
            (data.get("idea") or {}).get("title") or (data.get("comment") or {}).get("body") or ""
        )
        if text_.startswith("L"):
            try:
                n = int(text_[1:].split()[0])
            except ValueError:
                return
            if n in sent:
                deliveries.append(time.monotonic() - sent[n])
                counts["delivered"] += 1

    def on_batch(envelopes):
        for envelope in envelopes:
            on_activity(envelope)
        counts["batches"] += 1
        counts["batched"] += len(envelopes)

    sockets = []
    listeners = board.logins[WRITERS : WRITERS + clients]
    for first in range(0, clients, 50):
        group = []
        for i, login in enumerate(listeners[first : first + 50], start=first):
            client = socketio.AsyncClient(reconnection=True)
            client.on("activity", on_activity)
            client.on("activity.batch", on_batch)
            client.on(
                "disconnect",
                lambda *_: counts.__setitem__("disconnects", counts["disconnects"] + 1),
            )
            group.append(
                client.connect(
                    urls[i % len(urls)],
                    headers={"Cookie": login.cookie},
                    transports=["websocket"],
                    auth={"batch": True} if batch else None,  # as browsers do (live.js)
                    wait_timeout=60,
                )
            )
            sockets.append(client)
        await asyncio.gather(*group)

    sessions = []
    for n, login in enumerate(board.logins[:WRITERS]):
        session = aiohttp.ClientSession(
            headers={"Cookie": login.cookie, "X-CSRF-Token": login.csrf}
        )
        sessions.append((session, urls[n % len(urls)]))
    first = await sessions[0][0].post(
        f"{sessions[0][1]}/api/v1/ideas", json={"title": "Seed", "body": ""}
    )
    seed = (await first.json())["id"]

    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)

    async def write(n: int) -> None:
        session, url = sessions[n % WRITERS]
        async with in_flight:
            sent[n] = began = time.monotonic()
            try:
                if n % 2:
                    r = await session.post(
                        f"{url}/api/v1/ideas",
                        json={"title": f"L{n} idea", "body": ""},
                        timeout=aiohttp.ClientTimeout(total=60),
                    )
                else:
                    r = await session.post(
                        f"{url}/api/v1/ideas/{seed}/comments",
                        json={"body": f"L{n} comment"},
                        timeout=aiohttp.ClientTimeout(total=60),
                    )
                await r.read()
                if r.status >= 300:
                    counts["write_errors"] += 1
                    errors.append(f"{r.status}")
                else:
                    counts["write_ok"] += 1
                    write_latencies.append(time.monotonic() - began)
            except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                counts["write_errors"] += 1
                errors.append(f"{type(error).__name__}: {error}")

    started = time.monotonic()
    client_cpu_before = time.process_time()
    tasks = []
    n = 0
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(elapsed * rate)
        while n < due:
            tasks.append(asyncio.create_task(write(n)))
            n += 1
        await asyncio.sleep(0.01)
    await asyncio.gather(*tasks)
    writing_seconds = time.monotonic() - started
    client_cpu = time.process_time() - client_cpu_before
    expected = counts["write_ok"] * clients
    drain_until = time.monotonic() + DRAIN_SECONDS
    while counts["delivered"] < expected and time.monotonic() < drain_until:
        await asyncio.sleep(0.2)
    dropped = counts["disconnects"]  # before the clients' own goodbyes below
    for client in sockets:
        await client.disconnect()
    for session, _url in sessions:
        await session.close()
    return {
        "writes_sent": n,
        "writes_ok": counts["write_ok"],
        "write_errors": counts["write_errors"],
        "write_latency": percentiles(write_latencies),
        "deliveries_expected": expected,
        "deliveries": counts["delivered"],
        "delivered_share": round(counts["delivered"] / expected, 4) if expected else 0,
        "delivery_latency": percentiles(deliveries),
        # activity.batch events received (each several envelopes in one frame): how often
        # the server was behind and sent what had piled up together.
        "batch_events": counts["batches"],
        "batched_envelopes": counts["batched"],
        "client_disconnects": dropped,  # dropped during the run (each reconnects)
        "first_errors": errors[:5],
        "seconds": round(time.monotonic() - started, 1),
        # The clients share the machine: a load script near one full core (its one
        # asyncio thread) measures itself, not the server.
        "client_cpu_share": round(client_cpu / writing_seconds, 2),
    }


def run_setup(
    setup: str, clients: int, rate: float, seconds: float, postgres: str, batch: bool = True
) -> dict:
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
                memory_before: list[float] = []
                cpu_before: list[float] = []

                async def go():
                    task = asyncio.create_task(
                        measure([p.url for p in processes], board, clients, rate, seconds, batch)
                    )
                    await asyncio.sleep(min(30, seconds / 4))  # the clients are connected by then
                    memory_before.extend(p.rss_mib() for p in processes)
                    cpu_before.extend(p.cpu_seconds() for p in processes)
                    return await task

                result = asyncio.run(go())
                memory_after = [p.rss_mib() for p in processes]
                cpu_after = [p.cpu_seconds() for p in processes]
            finally:
                for process in processes:
                    process.stop()
        finally:
            if own_redis:
                own_redis.stop()
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    result["setup"] = setup
    result["batch"] = batch
    result["memory_mib"] = [
        {"start": round(b, 1), "end": round(a, 1), "growth": round(a - b, 1)}
        for b, a in zip(memory_before, memory_after, strict=True)
    ]
    result["server_cpu_seconds"] = [
        round(a - b, 1) for b, a in zip(cpu_before, cpu_after, strict=True)
    ]
    checks = {
        "no_write_error": result["write_errors"] == 0,
        "delivered_99_9": result["delivered_share"] >= 0.999,
        f"memory_growth_le_{MEMORY_BOUND_MIB}_mib": all(
            m["growth"] <= MEMORY_BOUND_MIB for m in result["memory_mib"]
        ),
    }
    result["checks"] = checks
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100, help="writes per second")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--setups", default="sqlite,postgres")
    parser.add_argument(
        "--no-batch",
        action="store_true",
        help="clients do not ask for activity.batch (one frame per envelope, as before)",
    )
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args(argv)
    print(f"machine: {describe_machine()}", flush=True)
    ok = True
    for setup in args.setups.split(","):
        result = run_setup(
            setup, args.clients, args.rate, args.minutes * 60, args.postgres, not args.no_batch
        )
        print(json.dumps(result, indent=2), flush=True)
        ok = ok and all(result["checks"].values())
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
