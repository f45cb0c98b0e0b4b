"""Which Python lines make attribute look-ups that fail inside C, per request, found by gdb.

    python -m bench.failedlookups                     # a vote, 4 of them
    python -m bench.failedlookups --page top          # a list page (bench/lists.py's names)

An attribute read that fails in C formats an AttributeError and drops it: through a
Werkzeug proxy (`request.x`, `g.x`: the proxy has no such attribute, its `__getattr__`
then asks the context), an unset `__slots__` member, `getattr(SomeClass, name, default)`,
a SQLAlchemy Row's named column. callgrind counts their cost (PyErr_Format,
~2,000 instructions each) but shows no Python line. This runs the requests under gdb with
a breakpoint on PyErr_Format for AttributeError, switched on only around the counted
requests (two calls of os.getppid mark them), and prints each failing look-up's innermost
Python lines (the interpreter's own gdb helpers, python3.11-gdb.py beside the
interpreter) and the C function that failed, with how often per request. Needs gdb and
the interpreter's symbols (pyenv's build has them).
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run inside gdb's Python: counts each AttributeError formatted between the two marks.
GDB_SCRIPT = r"""
import collections, gdb
gdb.execute("source " + HELPERS)
counts = collections.Counter()
state = {"marks": 0}

def python_lines(depth):
    tstate = gdb.parse_and_eval("(PyThreadState *)_PyRuntime.gilstate.tstate_current._value")
    frame, lines = tstate["cframe"]["current_frame"], []
    while frame and len(lines) < depth:
        f = PyFramePtr(frame)
        name = f.filename().replace(ROOT, "").split("site-packages/")[-1]
        lines.append("%s:%s %s" % (name, f.current_line_num(), f.co_name.proxyval(set())))
        frame = frame["previous"]
    return tuple(lines)

class Mark(gdb.Breakpoint):
    def stop(self):
        state["marks"] += 1
        return False

class Failed(gdb.Breakpoint):
    def stop(self):
        if state["marks"] != 1:
            return False
        if gdb.parse_and_eval("exception") != gdb.parse_and_eval("PyExc_AttributeError"):
            return False
        caller = gdb.newest_frame().older()
        counts[(caller.name() if caller else "?", python_lines(DEPTH))] += 1
        return False

def report(_event):
    with open(OUT, "w") as out:
        for (c_function, lines), n in counts.most_common():
            out.write("%d\t%s\t%s\n" % (n, c_function, " < ".join(lines)))

Mark("os_getppid_impl")
Failed("PyErr_Format")
gdb.events.exited.connect(report)
gdb.execute("run")
"""


def requests_made(page: str, count: int) -> None:
    """The inner run (under gdb): a board, a login, `count` requests between two marks."""
    from bench.lists import PAGES, USER_AGENT, build, testing_app
    from bench.voteinstructions import IDEAS, not_voted_for

    with tempfile.TemporaryDirectory(prefix="bench-failedlookups-") as tmp:
        workdir = Path(tmp)
        built = build(workdir / "board.sqlite3", IDEAS if page == "vote" else 1000)
        app, cookie, token = testing_app(built["url"], workdir / "instance")
        headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        client = app.test_client(use_cookies=False)
        if page == "vote":
            headers["X-CSRF-Token"] = token
            ideas = not_voted_for(workdir / "board.sqlite3", IDEAS)[: count + 10]
            asks = [
                lambda i=i: client.put(f"/api/v1/ideas/{i}/vote", headers=headers) for i in ideas
            ]
        else:
            path = dict(PAGES)[page]
            asks = [lambda: client.get(path, headers=headers)] * (count + 10)
        for ask in asks[:10]:  # warm-up: statements compiled, answers kept
            ask()
        gc.collect()
        gc.disable()
        os.getppid()  # the first mark: counting starts
        for ask in asks[10:]:
            if ask().status_code != 200:
                raise SystemExit("a request failed")
        os.getppid()  # the second mark: counting stops
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", default="vote", help="vote, or a bench/lists.py page name")
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--depth", type=int, default=2, help="Python lines shown per look-up")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        requests_made(args.page, args.requests)
        return
    helpers = (
        Path(sys.executable).resolve().parent
        / f"python{sys.version_info[0]}.{sys.version_info[1]}-gdb.py"
    )
    if not helpers.exists():
        helpers = Path(sysconfig.get_config_var("BINDIR")) / helpers.name
    with tempfile.TemporaryDirectory(prefix="bench-failedlookups-") as tmp:
        out = Path(tmp) / "counts.tsv"
        script = Path(tmp) / "failed.py"
        constants = {
            "HELPERS": str(helpers),
            "OUT": str(out),
            "DEPTH": args.depth,
            "ROOT": f"{ROOT}/",
        }
        script.write_text("".join(f"{k} = {v!r}\n" for k, v in constants.items()) + GDB_SCRIPT)
        inner = [sys.executable, "-m", "bench.failedlookups", "--inner"]
        inner += ["--page", args.page, "--requests", str(args.requests)]
        command = ["gdb", "-batch", "-nx", "-ex", "set pagination off", "-x", str(script)]
        env = dict(os.environ, PYTHONHASHSEED="0")
        done = subprocess.run([*command, "--args", *inner], cwd=ROOT, env=env, capture_output=True)
        if done.returncode != 0 or not out.exists():
            raise SystemExit(done.stderr.decode(errors="replace")[-2000:])
        rows = [line.split("\t") for line in out.read_text().splitlines()]
    total = collections.Counter()
    for n, c_function, lines in rows:
        total[(c_function, lines)] += int(n)
    all_failed = sum(total.values())
    print(f"{all_failed / args.requests:.1f} failed look-ups per request ({args.page})")
    for (c_function, lines), n in total.most_common():
        print(f"{n / args.requests:5.1f}  {lines}  [{c_function}]")


if __name__ == "__main__":
    main()
