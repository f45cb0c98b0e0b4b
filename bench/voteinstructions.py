"""Instructions per vote request, in-process, counted by valgrind's callgrind.

    python -m bench.voteinstructions                 # 10 and 160 votes: per vote of 150
    python -m bench.voteinstructions --votes 10,310
    python -m bench.voteinstructions --served        # through gunicorn (bench/served.py)

On a shared machine CPU times move with the other work; callgrind counts the instructions
the process runs, which do not (the same count on a busy machine, within about 0.2 %).
It runs this module twice under `valgrind --tool=callgrind --instr-atstart=no`, each
time building a board of 300 ideas (bench/lists.py), logging in as person 1 and voting
once through Flask's test client (`PUT /api/v1/ideas/<id>/vote`, a new vote each, as
bench/fanout.py's voter) with counting switched on (`callgrind_control -i on`) only
around the votes, and prints the difference of the two counts per vote: what one more
vote costs, the switching and the test client's own share (the same for every tree)
included. Background work is off (the app in testing mode: no mail, webhook or phase
threads), garbage collection is off during the votes and SQLite does not checkpoint its
log in between, so two runs of one tree agree; compare trees by running each.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

IDEAS = 300


def not_voted_for(board_path: Path, ideas: int) -> list[int]:
    """The ideas of a board of bench/lists.py (`ideas` of them) that person 1, the voter
    of the benches, has not voted for, from the second on."""
    board = sqlite3.connect(board_path)
    try:
        mine = {row[0] for row in board.execute("SELECT idea_id FROM votes WHERE user_id = 1")}
    finally:
        board.close()
    return [n for n in range(2, ideas + 1) if n not in mine]


def votes_counted(votes: int, served: bool = False) -> None:
    """The inner run (under callgrind): a board, a login, `votes` votes counted; through
    gunicorn's parser and response (bench/served.py) if `served`."""
    from sqlalchemy import event

    from bench.lists import USER_AGENT, build, testing_app
    from bench.served import ServedClient

    with tempfile.TemporaryDirectory(prefix="bench-voteinstructions-") as tmp:
        workdir = Path(tmp)
        built = build(workdir / "board.sqlite3", IDEAS)
        app, cookie, token = testing_app(built["url"], workdir / "instance")

        @event.listens_for(app.extensions["board_db"].engine, "connect")
        def no_checkpoints(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

        headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "X-CSRF-Token": token}
        client = ServedClient(app) if served else app.test_client(use_cookies=False)
        ideas = not_voted_for(workdir / "board.sqlite3", IDEAS)
        if len(ideas) < votes + 10:
            raise SystemExit(f"{len(ideas)} ideas to vote for, fewer than {votes + 10}")
        for idea in ideas[:10]:  # warm-up: statements, caches
            client.put(f"/api/v1/ideas/{idea}/vote", headers=headers)
        gc.collect()
        gc.disable()
        switch = ["callgrind_control", "-i"]
        subprocess.run([*switch, "on", str(os.getpid())], capture_output=True, check=True)
        for idea in ideas[10 : 10 + votes]:
            answer = client.put(f"/api/v1/ideas/{idea}/vote", headers=headers)
            if answer.status_code != 200:
                raise SystemExit(f"vote: {answer.status_code} {answer.get_data()[:300]}")
        subprocess.run([*switch, "off", str(os.getpid())], capture_output=True, check=True)
        gc.enable()
        app.extensions["board_db"].dispose()


def under_callgrind(module: str, *arguments: str, out: Path) -> str:
    """Run `python -m module arguments` of this tree under callgrind, counting only where
    the run switches counting on, its output files `out` (and `out`.N for each dump); the
    same hash seed every time, so that two runs of one tree agree. Valgrind's summary."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        sys.executable,
        *("-m", module, *arguments),
    ]
    env = dict(os.environ, PYTHONHASHSEED="0")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return done.stderr


def count(votes: int, served: bool = False) -> int:
    """Instructions counted in one run of `votes` votes."""
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as tmp:
        summary = under_callgrind(
            "bench.voteinstructions",
            *("--inner", str(votes), *(["--served"] if served else [])),
            out=Path(tmp) / "callgrind.out",
        )
    found = re.search(r"Collected : (\d+)", summary)
    if found is None:
        raise SystemExit(summary[-2000:])
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--votes", default="10,160", help="the two runs' votes: FEW,MANY")
    parser.add_argument(
        "--served", action="store_true", help="through gunicorn's parser and response"
    )
    parser.add_argument("--inner", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner is not None:
        votes_counted(args.inner, args.served)
        return
    few, many = (int(n) for n in args.votes.split(","))
    counts = {n: count(n, args.served) for n in (few, many)}
    per_vote = (counts[many] - counts[few]) / (many - few)
    print(f"{few} votes: {counts[few]:,} instructions; {many} votes: {counts[many]:,}")
    print(f"per vote: {per_vote / 1e6:.3f} M instructions")


if __name__ == "__main__":
    main()
