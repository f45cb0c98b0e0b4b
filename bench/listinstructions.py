"""Instructions per list request, board and floor, in-process, counted by valgrind's callgrind.

    python -m bench.listinstructions                  # top and department-tag, 1,000 ideas
    python -m bench.listinstructions --pages top,hot,two-rare-words --requests 10,60
    python -m bench.listinstructions --served         # through gunicorn (bench/served.py)

The list's counterpart of bench/voteinstructions.py: CPU times on this shared machine move
±10-30 % with the other work, the instructions a request runs do not (two runs of one tree
agree within about 0.1 %). The board is built once by bench/lists.py's plain-SQL builder,
outside valgrind; then one run of this module under `valgrind --tool=callgrind
--instr-atstart=no` makes the board's app (testing mode: no background threads) and the
floor's (bench/list_floor.py), logs in as bench/lists.py does (the cookie made for the
client's address and agent, so it is not signed again on every answer), and for each page
and app asks it FEW times and then MANY times through Flask's test client with gzip, as a
browser asks, counting switched on (`callgrind_control -i on`) only around those requests
and each stretch dumped on its own (`callgrind_control -d`). What one more request costs
is the difference of the two stretches divided by MANY - FEW: the switching's own cost
falls out, the test client's share (the same for board and floor) stays in. Each page is
asked ten times first, so statements are compiled and a kept answer is kept: a repeated
page is what the bench's served runs measure too. Garbage collection is off while
counting.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import re
import subprocess
import tempfile
from pathlib import Path

from bench.lists import PAGES, USER_AGENT
from bench.served import ServedClient
from bench.voteinstructions import under_callgrind

DEFAULT_PAGES = "top,department-tag"


def requests_counted(
    board_path: str, pages: list[str], few: int, many: int, served: bool = False
) -> None:
    """The inner run (under callgrind): both apps on the built board, each page counted;
    through gunicorn's parser and response (bench/served.py) if `served`."""
    from bench.list_floor import create_floor_app
    from bench.lists import testing_app

    with tempfile.TemporaryDirectory(prefix="bench-listinstructions-") as tmp:
        url = f"sqlite:///{board_path}"
        app, cookie, _token = testing_app(url, Path(tmp) / "instance")
        headers = {"Cookie": cookie, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        apps = {"board": app, "floor": create_floor_app(url)}
        clients = {
            name: ServedClient(each) if served else each.test_client(use_cookies=False)
            for name, each in apps.items()
        }
        paths = dict(PAGES)
        pid = str(os.getpid())
        for page in pages:
            for name, client in clients.items():
                for _ in range(10):  # warm-up: statements compiled, the answer kept
                    client.get(paths[page], headers=headers)
                gc.collect()
                gc.disable()
                for rounds in (few, many):
                    subprocess.run(["callgrind_control", "-i", "on", pid], capture_output=True)
                    for _ in range(rounds):
                        answer = client.get(paths[page], headers=headers)
                        if answer.status_code != 200:
                            raise SystemExit(f"{name} {page}: {answer.status_code}")
                    subprocess.run(["callgrind_control", "-i", "off", pid], capture_output=True)
                    dump = f"{name} {page} {rounds}"
                    subprocess.run(["callgrind_control", "-d", dump, pid], capture_output=True)
                gc.enable()
        app.extensions["board_db"].dispose()


def counted(
    board_path: Path, pages: list[str], few: int, many: int, served: bool = False
) -> dict[tuple, int]:
    """Instructions of each stretch, by (app, page, requests)."""
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as tmp:
        under_callgrind(
            "bench.listinstructions",
            *("--inner", str(board_path), "--pages", ",".join(pages)),
            *("--requests", f"{few},{many}", *(["--served"] if served else [])),
            out=Path(tmp) / "callgrind.out",
        )
        counts = {}
        for dump in Path(tmp).glob("callgrind.out.*"):
            text = dump.read_text(errors="replace")
            trigger = re.search(r"^desc: Trigger: dump (\S+) (\S+) (\d+)$", text, re.M)
            total = re.search(r"^totals: (\d+)$", text, re.M)
            if trigger and total:
                app, page, rounds = trigger.groups()
                counts[(app, page, int(rounds))] = int(total.group(1))
        return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="ideas on the board")
    parser.add_argument("--pages", default=DEFAULT_PAGES, help="bench/lists.py page names")
    parser.add_argument("--requests", default="10,110", help="the two stretches: FEW,MANY")
    parser.add_argument(
        "--served", action="store_true", help="through gunicorn's parser and response"
    )
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    pages = args.pages.split(",")
    unknown = set(pages) - {name for name, _path in PAGES}
    if unknown:
        raise SystemExit(f"unknown pages: {', '.join(sorted(unknown))}")
    few, many = (int(n) for n in args.requests.split(","))
    if args.inner is not None:
        requests_counted(args.inner, pages, few, many, args.served)
        return
    from bench.lists import build

    with tempfile.TemporaryDirectory(prefix="bench-listinstructions-") as tmp:
        board_path = Path(tmp) / "board.sqlite3"
        with contextlib.redirect_stderr(io.StringIO()):  # the migrations' log lines
            build(board_path, args.size)
        counts = counted(board_path, pages, few, many, args.served)
    print(
        f"{args.size:,} ideas; instructions per request, ({many} - {few} requests) / {many - few}"
        + (", served (gunicorn's parser and response)" if args.served else "")
    )
    print("| page | board M instructions | floor M instructions | board / floor |")
    print("| --- | --- | --- | --- |")
    for page in pages:
        per = {
            app: (counts[(app, page, many)] - counts[(app, page, few)]) / (many - few) / 1e6
            for app in ("board", "floor")
        }
        print(
            f"| {page} | {per['board']:.3f} | {per['floor']:.3f} | {per['board'] / per['floor']:.2f} |"
        )


if __name__ == "__main__":
    main()
