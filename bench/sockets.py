"""What a connected client costs the board while nothing happens: memory, threads, CPU.

    python -m bench.sockets                          # K = 1,000, one minute at rest
    python -m bench.sockets --clients 500,2000 --rest 60

Serves the board as bench/fanout.py's `single` setup does (one gunicorn, SQLite; the
same people, signed cookies and Node clients), connects K clients and then lets them
sit for `--rest` seconds, longer than two of Engine.IO's ping intervals (25 s), so
that every socket is pinged and answers. It prints, per K:

- the server's memory (RSS of its process tree) per client, two seconds after the
  clients connected and at the end of the rest (what the ping rounds added);
- its threads per client, at the same two moments (/proc: the tasks of its processes);
- the CPU the server spent at rest, in ms per second (/proc: user + system time of its
  processes), which is the pings and whatever else runs while nobody does anything;
- the clients the server let go meanwhile (missed pings): there must be none.

The floor is bench/fanout.py's: run that for the bare Flask-SocketIO and Node servers.
To compare two trees, run this from each (the file copied into the older one).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from contextlib import ExitStack, suppress
from pathlib import Path

from bench import fanout as bench

TICKS = os.sysconf("SC_CLK_TCK")


def threads(pids: list[int]) -> int:
    total = 0
    for pid in bench.processes_of(pids):
        with suppress(OSError):
            total += len(list(Path(f"/proc/{pid}/task").iterdir()))
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User and system time of the processes, their threads' included."""
    total = 0
    for pid in bench.processes_of(pids):
        with suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


async def at_rest(audience: bench.Audience, rest: float) -> dict:
    served = audience.served
    base_threads = threads(served.pids)
    await audience.connect()  # RSS before and two seconds after, as bench/fanout.py
    clients = len(audience.cookies)
    connected = {"rss": audience.rss_after, "threads": threads(served.pids)}
    started_cpu, started = cpu_seconds(served.pids), time.monotonic()
    await asyncio.sleep(rest)
    spent = cpu_seconds(served.pids) - started_cpu
    elapsed = time.monotonic() - started
    ended = {"rss": served.rss_bytes(), "threads": threads(served.pids)}
    await audience._send("report 0")  # the clients' count of dropped connections
    report = await audience._read("report 0 ", 10)
    await audience.disconnect()
    return {
        "clients": clients,
        "kib": [(m["rss"] - audience.rss_before) / clients / 1024 for m in (connected, ended)],
        "threads": [(m["threads"] - base_threads) / clients for m in (connected, ended)],
        "cpu": 1000 * spent / elapsed,
        "dropped": int(report.split()[2]) + audience.failed if report else None,
    }


def measure(clients: int, rest: float, tmp: Path) -> dict:
    with ExitStack() as stack:
        url = stack.enter_context(bench.database("sqlite", tmp))
        setup = bench.prepare_board("single", url, tmp, 1, clients, 1)
        served = stack.enter_context(bench.board_server(setup, 1, clients, set()))
        audience = bench.Audience(served, setup.cookies, setup.idea_ids)
        return asyncio.run(at_rest(audience, rest))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1000", help="comma-separated K values")
    parser.add_argument("--rest", type=float, default=60.0, help="seconds at rest")
    args = parser.parse_args(argv)
    bench.install_node_server()
    print(bench.describe_machine())
    print(
        "| K | KiB / client (connected, after the rest) | threads / client | CPU at rest |"
        " dropped |"
    )
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="bench-sockets-") as tmp:
        for clients in [int(k) for k in args.clients.split(",")]:
            print(f"({bench.load()})", flush=True)
            r = measure(clients, args.rest, Path(tmp))
            print(
                f"| {r['clients']} | {r['kib'][0]:.0f}, {r['kib'][1]:.0f}"
                f" | {r['threads'][0]:.2f}, {r['threads'][1]:.2f}"
                f" | {r['cpu']:.1f} ms/s | {r['dropped']} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
