"""SQLite under many writers: `python -m bench.writers` (32 writers, 60 s).

32 people write at once, without pause, through the HTTP API of one real `python app.py`
on the embedded default (SQLite in WAL mode, a fresh temporary database): each posts
ideas, comments on them and votes. Then the database is read directly: every write that
got a 2xx must be in it, with its event, and no answer may be an error. The server's log
must not mention "database is locked". Prints throughput, latencies and the verdict.

tests/test_sqlite_writers.py runs the same with a few seconds.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.faultkit import BoardProcess, describe_machine, percentiles, prepare_board

REQUEST_TIMEOUT = 60  # seconds; a request still unanswered is an error


@dataclass
class Report:
    writers: int
    seconds: float
    writes: int = 0
    errors: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    locked_in_log: int = 0
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "writers": self.writers,
            "seconds": round(self.seconds, 1),
            "writes_ok": self.writes,
            "writes_per_second": round(self.writes / self.seconds, 1) if self.seconds else 0,
            "latency": percentiles(self.latencies),
            "errors": len(self.errors),
            "lost_writes": len(self.lost),
            "database_is_locked_in_server_log": self.locked_in_log,
        }

    @property
    def ok(self) -> bool:
        return not self.errors and not self.lost and not self.locked_in_log and self.writes > 0


def run(writers: int = 32, seconds: float = 60, workdir: Path | None = None) -> Report:
    import requests

    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(workdir or scratch)
        board = prepare_board(workdir, writers)
        server = BoardProcess(board.env)
        report = Report(writers, seconds)
        ideas: list[int] = []
        done_ideas: list[int] = []
        done_comments: list[int] = []
        done_votes: set[tuple[int, int]] = set()
        lock = threading.Lock()
        try:
            server.wait_until_serving()
            start = threading.Barrier(writers + 1)
            stop_at = [0.0]

            def write(index: int) -> None:
                login = board.logins[index]
                http = requests.Session()
                http.headers.update({"Cookie": login.cookie, "X-CSRF-Token": login.csrf})
                rng = random.Random(index)
                api = f"{server.url}/api/v1"
                start.wait()
                n = 0
                while time.monotonic() < stop_at[0]:
                    n += 1
                    with lock:
                        known = list(ideas[-50:])
                    roll = rng.random()
                    began = time.monotonic()
                    try:
                        if roll < 0.4 or not known:
                            r = http.post(
                                f"{api}/ideas",
                                json={"title": f"w{index}-{n}", "body": "many writers"},
                                timeout=REQUEST_TIMEOUT,
                            )
                            kind = "idea"
                        elif roll < 0.7:
                            r = http.post(
                                f"{api}/ideas/{rng.choice(known)}/comments",
                                json={"body": f"c{index}-{n}"},
                                timeout=REQUEST_TIMEOUT,
                            )
                            kind = "comment"
                        else:
                            target = rng.choice(known)
                            r = http.put(f"{api}/ideas/{target}/vote", timeout=REQUEST_TIMEOUT)
                            kind = "vote"
                    except requests.RequestException as error:
                        with lock:
                            report.errors.append(f"{type(error).__name__}: {error}")
                        continue
                    elapsed = time.monotonic() - began
                    if r.status_code >= 300:
                        with lock:
                            report.errors.append(f"{r.status_code} {r.text[:200]}")
                        continue
                    body = r.json()
                    with lock:
                        report.writes += 1
                        report.latencies.append(elapsed)
                        if kind == "idea":
                            ideas.append(body["id"])
                            done_ideas.append(body["id"])
                        elif kind == "comment":
                            done_comments.append(body["id"])
                        else:
                            done_votes.add((login.user_id, target))

            threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
            for thread in threads:
                thread.start()
            stop_at[0] = time.monotonic() + seconds
            began = time.monotonic()
            start.wait()
            for thread in threads:
                thread.join(seconds + REQUEST_TIMEOUT * 2)
            report.seconds = time.monotonic() - began
        finally:
            server.stop()
        report.locked_in_log = server_log_count(server, "database is locked")

        path = board.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:
            stored_ideas = {row[0] for row in db.execute("SELECT id FROM ideas")}
            stored_comments = {row[0] for row in db.execute("SELECT id FROM comments")}
            stored_votes = set(db.execute("SELECT user_id, idea_id FROM votes"))
            events = dict(db.execute("SELECT type, count(*) FROM events GROUP BY type"))
        report.lost += [f"idea {i}" for i in set(done_ideas) - stored_ideas]
        report.lost += [f"comment {i}" for i in set(done_comments) - stored_comments]
        report.lost += [f"vote {v}" for v in done_votes - stored_votes]
        if events.get("idea.created", 0) != len(stored_ideas):
            report.lost.append(f"idea events {events.get('idea.created')} != {len(stored_ideas)}")
        if events.get("comment.created", 0) != len(stored_comments):
            report.lost.append("comment events do not match the comments")
        return report


def server_log_count(server: BoardProcess, text: str) -> int:
    return server.log().count(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    print(f"machine: {describe_machine()}")
    report = run(args.writers, args.seconds)
    print(json.dumps(report.summary(), indent=2))
    for line in (report.errors + report.lost)[:10]:
        print("  ", line)
    print("OK" if report.ok else "FAILED")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
