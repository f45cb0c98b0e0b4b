"""What the people page and the directory cost as the board grows, in one run.

    python -m bench.people                        # 1,000 and 100,000 ideas, 600 people
    python -m bench.people --sizes 1000,100000 --requests 30
    python -m bench.people --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

For each size it builds a board with plain SQL inserts (bench/lists.py: N ideas, 10 × N
votes, from 600 people), then asks the people page (its first 50 people, and everyone
with `?show=all`) and `GET /api/v1/directory` (everyone, and a search) through Flask's
test client in this process, as person 1, sizes taking turns request by request so that
whatever else the machine does weighs on all alike. It prints each one's p50/p95 and the
p95 at the largest size over the p95 at the smallest: what a person's work costs to read
should not grow with the board's ideas (each person's newest five are walked from an
index and stop there, their ideas counted in that index alone). With `--postgres` (a
server's URL) each board is copied there too (bench/lists.py `build_postgres`, databases
`bench_people_<size>`, dropped at the end) and asked the same, in the same turns.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

from bench.lists import (
    USER_AGENT,
    build,
    build_postgres,
    drop_postgres,
    percentile,
    testing_app,
)

PEOPLE = 600
PATHS = ("/people", "/people?show=all", "/api/v1/directory", "/api/v1/directory?q=a")
WARMUP = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="ideas per board, comma-separated")
    parser.add_argument("--requests", type=int, default=30, help="per page and size")
    parser.add_argument("--postgres", help="a PostgreSQL server's URL: the boards there too")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    boards = [(size, "sqlite") for size in sizes]
    if args.postgres:
        boards += [(size, "postgresql") for size in sizes]
    with tempfile.TemporaryDirectory(prefix="bench-people-") as tmp:
        clients = {}
        for size in sizes:
            workdir = Path(tmp) / str(size)
            workdir.mkdir()
            started = time.monotonic()
            built = build(workdir / "board.sqlite3", size, people=PEOPLE)
            urls = {"sqlite": built["url"]}
            if args.postgres:
                name = f"bench_people_{size}"
                urls["postgresql"] = build_postgres(workdir / "board.sqlite3", args.postgres, name)
            for database, url in urls.items():
                app, cookie, _token = testing_app(url, workdir / f"instance-{database}")
                headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
                clients[size, database] = (app, app.test_client(use_cookies=False), headers)
            print(f"{size:,} ideas, {PEOPLE} people (built in {time.monotonic() - started:.0f} s)")
        # As a serving process does (realtime.tune_server_process): the apps and boards built
        # stay out of the collector's full passes, which otherwise scan them all.
        gc.collect()
        gc.freeze()
        times: dict[tuple, list[float]] = {(*b, p): [] for b in boards for p in PATHS}
        sizes_of: dict[tuple, int] = {}
        try:
            for n in range(WARMUP + args.requests):
                for path in PATHS:
                    for board in boards:
                        _app, client, headers = clients[board]
                        started = time.perf_counter()
                        answer = client.get(path, headers=headers)
                        elapsed = (time.perf_counter() - started) * 1000
                        if answer.status_code != 200:
                            raise SystemExit(f"{path} at {board}: {answer.status_code}")
                        if n >= WARMUP:
                            times[(*board, path)].append(elapsed)
                            sizes_of[(*board, path)] = len(answer.get_data())
        finally:
            for app, _client, _headers in clients.values():
                app.extensions["board_db"].dispose()
            if args.postgres:
                for size in sizes:
                    drop_postgres(args.postgres, f"bench_people_{size}")
    for database in dict.fromkeys(database for _size, database in boards):
        print()
        print(f"{database}:")
        print("| page | " + " | ".join(f"{s:,} ideas p50 / p95 ms" for s in sizes) + " | bytes |")
        print("| --- | " + " | ".join("---" for _ in sizes) + " | --- |")
        for path in PATHS:
            cells = []
            for size in sizes:
                values = times[size, database, path]
                cells.append(f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f}")
            weights = " / ".join(f"{sizes_of[s, database, path]:,}" for s in sizes)
            print(f"| `{path}` | " + " | ".join(cells) + f" | {weights} |")
        print(f"p95 at {sizes[-1]:,} ideas / p95 at {sizes[0]:,}:")
        for path in PATHS:
            largest = percentile(times[sizes[-1], database, path], 0.95)
            print(f"  {path}: {largest / percentile(times[sizes[0], database, path], 0.95):.2f}")


if __name__ == "__main__":
    main()
