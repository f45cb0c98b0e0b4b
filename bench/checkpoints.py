"""What SQLite's checkpoints cost the commits that run them, and the board's own instead.

    python -m bench.checkpoints                 # 300 votes and unvotes, 40 ms apart
    python -m bench.checkpoints --writes 600 --pause 0.02

SQLite moves its write-ahead log into the database file when a commit leaves the log at
1,000 pages: that commit copies them and syncs both files before it returns. A serving
process does it from a thread of its own instead (board/scheduler.py `start_checkpoints`,
every CHECKPOINT_SECONDS). In one run, on two copies of one board (bench/lists.py's
builder, 1,000 ideas): the same writes through the app in-process (the test client), first
with SQLite's checkpoints alone, then with the board's thread; each COMMIT timed around
the driver's call. Prints the commits' p50 / p99 / max, how many took over 2 ms, and the
log's size at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.lists import USER_AGENT, build, testing_app


def run(board: Path, writes: int, pause: float, background: bool) -> dict:
    from sqlalchemy.engine.default import DefaultDialect

    from board import scheduler

    app, cookie, token = testing_app(f"sqlite:///{board}", board.parent / "instance")
    stop = threading.Event()
    if background:  # as start_checkpoints does in a serving process

        def loop():
            while not stop.wait(scheduler.CHECKPOINT_SECONDS):
                app.extensions["board_db"].checkpoint()

        threading.Thread(target=loop, daemon=True).start()
    commits: list[float] = []
    committing = DefaultDialect.do_commit

    def timed_commit(self, connection):
        started = time.perf_counter()
        committing(self, connection)
        commits.append((time.perf_counter() - started) * 1000)

    DefaultDialect.do_commit = timed_commit
    try:
        client = app.test_client(use_cookies=False)
        headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "X-CSRF-Token": token}
        for number in range(writes):
            path = f"/api/v1/ideas/{1 + number % 500}/vote"
            for method in (client.put, client.delete):
                assert method(path, headers=headers).status_code == 200
                time.sleep(pause)
        wal = Path(f"{board}-wal")
        log_mb = wal.stat().st_size / 1e6 if wal.exists() else 0.0
    finally:
        DefaultDialect.do_commit = committing
        stop.set()
        app.extensions["board_db"].dispose()
    ordered = sorted(commits)
    return {
        "commits": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
        "slow": sum(ms > 2 for ms in ordered),
        "log_mb": log_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=300, help="votes, each taken back")
    parser.add_argument("--pause", type=float, default=0.04, help="seconds after each write")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-checkpoints-") as tmp:
        built = Path(tmp) / "built.sqlite3"
        with contextlib.redirect_stderr(io.StringIO()):  # the migrations' log lines
            build(built, 1000)
        print(f"{args.writes} votes and unvotes, {args.pause * 1000:.0f} ms apart; COMMIT ms")
        print("| checkpoints | commits | p50 | p99 | max | over 2 ms | log at the end |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name, background in (("SQLite's, in the commit", False), ("the board's thread", True)):
            copy = Path(tmp) / ("background" if background else "automatic") / "board.sqlite3"
            copy.parent.mkdir()
            shutil.copy(built, copy)
            got = run(copy, args.writes, args.pause, background)
            print(
                f"| {name} | {got['commits']} | {got['p50']:.3f} | {got['p99']:.3f} |"
                f" {got['max']:.2f} | {got['slow']} | {got['log_mb']:.1f} MB |"
            )


if __name__ == "__main__":
    main()
