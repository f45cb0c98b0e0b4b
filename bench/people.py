"""What the people page and the directory cost as the board grows, in one run.

    python -m bench.people                        # 1,000 and 100,000 ideas, 600 people
    python -m bench.people --sizes 1000,100000 --requests 30

For each size it builds a board with plain SQL inserts (bench/lists.py: N ideas, 10 × N
votes, from 600 people), then asks the people page (its first 50 people, and everyone
with `?show=all`) and `GET /api/v1/directory` (everyone, and a search) through Flask's
test client in this process, as person 1, sizes taking turns request by request so that
whatever else the machine does weighs on all alike. It prints each one's p50/p95 and the
p95 at the largest size over the p95 at the smallest: what a person's work costs to read
should not grow with the board's ideas (each person's newest five are walked from an
index and stop there, their ideas counted in that index alone).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.lists import USER_AGENT, build, testing_app

PEOPLE = 600
PATHS = ("/people", "/people?show=all", "/api/v1/directory", "/api/v1/directory?q=a")
WARMUP = 3


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="ideas per board, comma-separated")
    parser.add_argument("--requests", type=int, default=30, help="per page and size")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-people-") as tmp:
        clients = {}
        for size in sizes:
            workdir = Path(tmp) / str(size)
            workdir.mkdir()
            started = time.monotonic()
            built = build(workdir / "board.sqlite3", size, people=PEOPLE)
            app, cookie, _token = testing_app(built["url"], workdir / "instance")
            headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
            clients[size] = (app.test_client(use_cookies=False), headers)
            print(f"{size:,} ideas, {PEOPLE} people (built in {time.monotonic() - started:.0f} s)")
        times: dict[tuple[int, str], list[float]] = {(s, p): [] for s in sizes for p in PATHS}
        sizes_of: dict[tuple[int, str], int] = {}
        for n in range(WARMUP + args.requests):
            for path in PATHS:
                for size in sizes:
                    client, headers = clients[size]
                    started = time.perf_counter()
                    answer = client.get(path, headers=headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    if answer.status_code != 200:
                        raise SystemExit(f"{path} at {size}: {answer.status_code}")
                    if n >= WARMUP:
                        times[size, path].append(elapsed)
                        sizes_of[size, path] = len(answer.get_data())
    print()
    print("| page | " + " | ".join(f"{s:,} ideas p50 / p95 ms" for s in sizes) + " | bytes |")
    print("| --- | " + " | ".join("---" for _ in sizes) + " | --- |")
    for path in PATHS:
        cells = [
            f"{statistics.median(times[s, path]):.1f} / {percentile(times[s, path], 0.95):.1f}"
            for s in sizes
        ]
        weights = " / ".join(f"{sizes_of[s, path]:,}" for s in sizes)
        print(f"| `{path}` | " + " | ".join(cells) + f" | {weights} |")
    print()
    print(f"p95 at {sizes[-1]:,} ideas / p95 at {sizes[0]:,}:")
    for path in PATHS:
        ratio = percentile(times[sizes[-1], path], 0.95) / percentile(times[sizes[0], path], 0.95)
        print(f"  {path}: {ratio:.2f}")


if __name__ == "__main__":
    main()
