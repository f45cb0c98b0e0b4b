"""What the first page of ideas costs as the board grows, against the floor, in one run.

    python -m bench.lists                         # 1,000 and 10,000 ideas
    python -m bench.lists --sizes 1000,10000,100000 --requests 60

For each size it builds a board with plain SQL inserts (N ideas, 10 × N votes from 300
people in 8 departments, tags, searchable words, N / 25 tasks in the three columns;
tallies and HTML stored as the board stores them, FTS index by the migration's triggers,
its segments merged as the board's hourly housekeeping merges them), then serves it over
HTTP twice: the board (`gunicorn -w 1 --threads 8 app:app`, as docs/deploy.md) and the
floor (bench/list_floor.py: one indexed query on the stored tallies, LIMIT 50, under the
same gunicorn). Every size is served at once, and requests take turns, one at a time:
size by size, board then floor, so whatever else the machine does weighs on all alike
(measured one size after the other, a quiet minute for one size and a busy one for the
next decided the ratio between them). It prints p50/p95 per page and the ratios:
board p95 / floor p95 (goal ≤ 2) and board p95 at the largest size / at the smallest
(goal ≤ 1.5), and the weight of `/` with and without gzip.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import migrate, processes

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENTS = ["Marketing", "IT", "Sales", "Legal", "HR", "Communications", "Support", "R&D"]
PEOPLE = 300
TAGS = [f"tag{n}" for n in range(20)]
WORDS = [
    "reel",
    "video",
    "trade",
    "fair",
    "booth",
    "customer",
    "story",
    "podcast",
    "newsletter",
    "photo",
    "campaign",
    "launch",
    "tent",
    "backpack",
    "trail",
    "shoe",
    "outdoor",
    "behind",
    "scenes",
    "apprentice",
    "interview",
    "webinar",
    "survey",
]
PAGES = [
    ("top", "/api/v1/ideas?sort=top&limit=50"),
    ("hot", "/api/v1/ideas?sort=hot&limit=50"),
    ("new", "/api/v1/ideas?sort=new&limit=50"),
    ("department", "/api/v1/ideas?sort=top&department=3&limit=50"),
    ("tag", "/api/v1/ideas?sort=top&tag=tag7&limit=50"),
    ("search", "/api/v1/ideas?sort=top&q=podcast&limit=50"),
    # The filters in the other two orders (each order walks its own rank index).
    ("department-hot", "/api/v1/ideas?sort=hot&department=3&limit=50"),
    ("department-new", "/api/v1/ideas?sort=new&department=3&limit=50"),
    ("tag-hot", "/api/v1/ideas?sort=hot&tag=tag7&limit=50"),
    ("tag-new", "/api/v1/ideas?sort=new&tag=tag7&limit=50"),
    ("search-hot", "/api/v1/ideas?sort=hot&q=podcast&limit=50"),
    ("search-new", "/api/v1/ideas?sort=new&q=podcast&limit=50"),
    # Filters together, as people combine them (each walks the index of its first filter).
    ("department-tag", "/api/v1/ideas?sort=top&department=3&tag=tag7&limit=50"),
    ("department-tag-new", "/api/v1/ideas?sort=new&department=3&tag=tag7&limit=50"),
    ("tag-search", "/api/v1/ideas?sort=top&tag=tag7&q=podcast&limit=50"),
    ("two-words", "/api/v1/ideas?sort=top&q=podcast%20tent&limit=50"),
    ("two-words-hot", "/api/v1/ideas?sort=hot&q=podcast%20tent&limit=50"),
    # A filter and a word that seldom meet (each word on one idea in twenty, on five of the
    # filter's ideas: `_rare_words`), and two such words.
    ("tag-rare-word", "/api/v1/ideas?sort=top&tag=tag7&q=lantern&limit=50"),
    ("department-rare-word", "/api/v1/ideas?sort=top&department=3&q=compass&limit=50"),
    ("two-rare-words", "/api/v1/ideas?sort=top&q=lantern%20compass&limit=50"),
    ("board page /", "/"),
]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
# The measuring client's User-Agent. The login cookie is made for it: Flask-Login ties a
# session to address and agent, and a cookie made for another agent is marked not fresh
# and signed again on every answer, which a browser's cookie is once, not every time.
USER_AGENT = "bench-lists"


def build(path: Path, ideas: int, people: int = PEOPLE) -> dict:
    """A migrated SQLite board of `ideas` ideas and 10 × as many votes from `people`
    people, by plain SQL."""
    from board import ranking, search
    from board.text import render_markdown

    url = f"sqlite:///{path}"
    migrate(url)
    rng = random.Random(14)
    now = datetime.now(UTC)
    start = now - timedelta(days=365 * 2)
    span = (now - start).total_seconds()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.executemany(
        "INSERT INTO departments (id, name) VALUES (?, ?)",
        [(n + 1, name) for n, name in enumerate(DEPARTMENTS)],
    )
    stamp = now.strftime(TIME_FORMAT)
    columns = ["id", "email", "password_hash", "display_name", "display_name_key", "role"]
    columns += ["department_id", "session_version", "active", "created_at"]
    known = {"email_notifications": "'off'"}  # columns added later, NOT NULL, no default
    extra = [
        row[1]
        for row in db.execute("PRAGMA table_info(users)")
        if row[3] and row[4] is None and not row[5] and row[1] not in columns
    ]
    values = "".join(f", {known.get(name, '0')}" for name in extra)
    db.executemany(
        f"INSERT INTO users ({', '.join(columns + extra)})"
        f" VALUES (?, ?, 'x', ?, ?, 'member', ?, 1, 1, ?{values})",
        [
            (
                n,
                f"p{n}@bench.example",
                f"Person {n}",
                f"person {n}",
                n % len(DEPARTMENTS) + 1,
                stamp,
            )
            for n in range(1, people + 1)
        ],
    )
    department_of = {n: n % len(DEPARTMENTS) + 1 for n in range(1, people + 1)}
    bodies = [" ".join(rng.choices(WORDS, k=12)) + "\n\n- **one**\n- two" for _ in range(200)]
    html = {body: render_markdown(body) for body in bodies}
    idea_rows, tag_rows, vote_rows = [], [], []
    rare_together: dict[str, int] = {}  # how many ideas of the filter hold its rare word
    for idea_id in range(1, ideas + 1):
        created = start + timedelta(seconds=span * idea_id / (ideas + 1))
        body = bodies[idea_id % len(bodies)]
        voters = rng.sample(range(1, people + 1), min(people, max(0, int(rng.expovariate(0.1)))))
        times = sorted(
            created + timedelta(seconds=rng.uniform(0, (now - created).total_seconds()))
            for _ in voters
        )
        departments = len({department_of[v] for v in voters})
        heat = ranking.heat_of(times)
        title = " ".join(rng.choices(WORDS, k=4)).capitalize()
        author = rng.randint(1, people)
        tags = set(rng.choices(TAGS, k=2))
        title += _rare_words(idea_id, RARE_TAG in tags, department_of[author], rare_together)
        idea_rows.append(
            (
                idea_id,
                title,
                body,
                html[body],
                author,
                created.strftime(TIME_FORMAT),
                len(voters),
                departments,
                heat,
                ranking.hot_score(len(voters), departments, heat, created),
            )
        )
        tag_rows += [(idea_id, tag) for tag in tags]
        vote_rows += [
            (idea_id, voter, moment.strftime(TIME_FORMAT))
            for voter, moment in zip(voters, times, strict=True)
        ]
    db.executemany(
        "INSERT INTO ideas (id, title, body, body_html, author_id, created_at, updated_at,"
        " vote_count, departments_supporting, vote_heat, hot_score)"
        " VALUES (?, ?, ?, ?, ?, ?, ?6, ?7, ?8, ?9, ?10)",
        idea_rows,
    )
    db.executemany("INSERT INTO idea_tags (idea_id, tag) VALUES (?, ?)", tag_rows)
    db.executemany("INSERT INTO votes (idea_id, user_id, created_at) VALUES (?, ?, ?)", vote_rows)
    task_rows = _task_rows(rng, ideas, start, span)
    db.executemany(
        "INSERT INTO tasks (title, description, idea_id, status, claimed_by_id, claimed_at,"
        " completed_at, created_by_id, created_at, updated_at, channels, help_wanted, revision)"
        " VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?8, '', 0, 0)",
        task_rows,
    )
    db.commit()
    # The search index as the board's hourly housekeeping leaves it (search.merge_segments:
    # one segment); a tree from before that housekeeping leaves the index as written.
    merge = getattr(search, "MERGE_STATEMENT", None)
    while merge:
        changes = db.total_changes
        db.execute(merge)
        db.commit()
        if db.total_changes - changes <= 1:
            break
    db.execute("ANALYZE")
    db.close()
    return {"ideas": ideas, "votes": len(vote_rows), "tasks": len(task_rows), "url": url}


# Words that seldom meet a filter: one idea in twenty holds each, but of a tag's ideas (or a
# department's) only its first RARE_TOGETHER do, at any size: a page asking for both finds a
# handful. Appended to titles without drawing from the generator, so every other idea, tag,
# vote and word stays as it was.
RARE_TAG, RARE_DEPARTMENT, RARE_TOGETHER = "tag7", 3, 5


def _rare_words(idea_id: int, tagged: bool, department: int, together: dict[str, int]) -> str:
    """The rare words an idea's title ends in: "lantern" seldom with RARE_TAG, "compass"
    seldom by RARE_DEPARTMENT's people, the two together on RARE_TOGETHER ideas."""
    found = []
    for word, kept, of_filter in (
        ("lantern", 0, tagged),
        ("compass", 10, department == RARE_DEPARTMENT),
    ):
        if of_filter and together.get(word, 0) < RARE_TOGETHER:
            together[word] = together.get(word, 0) + 1
            found.append(word)
        elif idea_id % 20 == kept and not of_filter:
            found.append(word)
    if idea_id % 20 == 0 and idea_id <= 20 * RARE_TOGETHER and "compass" not in found:
        found.append("compass")
    return "".join(f" {word}" for word in found)


def build_postgres(sqlite_path: Path, server_url: str, name: str) -> str:
    """The board of `sqlite_path` (from `build`) in a new PostgreSQL database `name` on the
    server of `server_url` (dropped first if there): migrated, then the same rows by plain
    SQL (COPY), the search index built by the migration, `ANALYZE`. Returns its URL."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    migrate(url)
    source = sqlite3.connect(sqlite_path)
    target = create_engine(url)
    with target.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for table in ("departments", "users", "ideas", "idea_tags", "votes", "tasks"):
            # SQLite's own columns (the search index's facets, search.FACETS) stay behind.
            columns = [
                row[1]
                for row in source.execute(f"PRAGMA table_info({table})")
                if row[1] != "search_facets"
            ]
            if table == "idea_tags":  # its rank keys are copied by the database itself
                columns = ["idea_id", "tag"]
            types = {row[1]: row[2] for row in source.execute(f"PRAGMA table_info({table})")}
            listed = ", ".join(columns)
            with cursor.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {listed} FROM {table}"):
                    copy.write_row(
                        [
                            bool(value)
                            if types[column] == "BOOLEAN" and value is not None
                            else value
                            for column, value in zip(columns, row, strict=True)
                        ]
                    )
            if "id" in columns:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT max(id) FROM {table}))"
                    )
                )
    with target.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    target.dispose()
    source.close()
    return url


def drop_postgres(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def _task_rows(rng: random.Random, ideas: int, start: datetime, span: float) -> list[tuple]:
    """One task per 25 ideas (4,000 at 100,000 ideas), most of them done, half of them
    from an idea: the board page shows the newest of each column, whatever their number."""
    rows = []
    for number in range(ideas // 25):
        created = start + timedelta(seconds=span * (number + 0.5) / (ideas // 25))
        status = rng.choices(("open", "claimed", "done"), weights=(2, 1, 7))[0]
        claimant = None if status == "open" else rng.randint(1, PEOPLE)
        rows.append(
            (
                f"Task {number}: " + " ".join(rng.choices(WORDS, k=3)),
                rng.randint(1, ideas) if number % 2 else None,
                status,
                claimant,
                None if claimant is None else created.strftime(TIME_FORMAT),
                created.strftime(TIME_FORMAT) if status == "done" else None,
                rng.randint(1, PEOPLE),
                created.strftime(TIME_FORMAT),
            )
        )
    return rows


def session_cookie(url: str, workdir: Path, secret: str) -> str:
    """The session cookie a browser holds after logging in as person 1 and seeing a page
    (no argon2 in the measurement), for a client at 127.0.0.1 sending `USER_AGENT`."""
    from board import create_app
    from board.settings import Settings

    settings = Settings(instance_path=workdir / "instance", database_url=url, secret_key=secret)
    app = create_app(settings=settings)
    cookie, _token = login(app)
    app.extensions["board_db"].dispose()
    return cookie


def testing_app(url: str, instance: Path):
    """The board on `url` in testing mode (no mail, webhook or phase threads: nothing runs
    beside the requests measured), with the session cookie and CSRF token of person 1
    logged in to it (`login`)."""
    from board import create_app
    from board.settings import Settings

    settings = Settings(
        instance_path=instance, database_url=url, secret_key="bench" * 13, testing=True
    )
    app = create_app(settings=settings)
    cookie, token = login(app)
    return app, cookie, token


def login(app, person_id: int = 1) -> tuple[str, str]:
    """The session cookie and CSRF token a browser holds after logging in to `app` as
    `person_id` and seeing a page, for a client at 127.0.0.1 sending `USER_AGENT`."""
    from flask import session as cookie_session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from models import User

    with app.extensions["board_db"].Session() as session:
        person = session.get(User, person_id)
        serializer = app.session_interface.get_signing_serializer(app)
        with app.test_request_context(
            headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        ):
            login_user(person)
            cookie_session["board_sid"] = secrets.token_urlsafe(16)
            token = generate_csrf()  # as after the first page: a browser keeps it
            cookie = serializer.dumps(dict(cookie_session))
    return f"{app.config['SESSION_COOKIE_NAME']}={cookie}", token


@contextmanager
def gunicorn(target: str, port: int, env: dict, options: tuple[str, ...] = ()):
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        *("-w", "1", "--threads", "8", "-b", f"127.0.0.1:{port}", "--log-level", "warning"),
        *options,
        target,
    ]
    process = processes.start(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        processes.stop(process)


def wait_until_serving(session, url: str) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            session.get(url + "/login", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(
    sizes: list[int], requests_per_page: int, port: int, pages: list[str] | None = None
) -> list[dict]:
    """Every size's board and floor served at once; for each page, requests take turns
    size by size and board / floor, so that the load of other jobs weighs on every size
    alike and the ratio between sizes compares like with like."""
    import requests

    with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp, ExitStack() as servers:
        served = []
        for number, size in enumerate(sizes):
            workdir = Path(tmp) / str(size)
            workdir.mkdir()
            began = time.monotonic()
            board = build(workdir / "board.sqlite3", size)
            built_in = time.monotonic() - began
            secret = secrets.token_hex(32)
            env = {
                **os.environ,
                "BOARD_DATABASE_URL": board["url"],
                "BOARD_SECRET_KEY": secret,
                "BOARD_INSTANCE_PATH": str(workdir / "instance"),
            }
            env.pop("BOARD_MESSAGE_QUEUE", None)
            floor_target = f"bench.list_floor:create_floor_app('{board['url']}')"
            client = requests.Session()
            client.headers["Cookie"] = session_cookie(board["url"], workdir, secret)
            client.headers["User-Agent"] = USER_AGENT
            bases = {
                "board": servers.enter_context(gunicorn("app:app", port + 2 * number, env)),
                "floor": servers.enter_context(gunicorn(floor_target, port + 2 * number + 1, env)),
            }
            served.append((size, board, built_in, client, bases))
        for _size, _board, _built, client, bases in served:
            for base in bases.values():
                wait_until_serving(client, base)
        print(f"load average as the requests begin: {os.getloadavg()[0]:.1f}")
        rows: list[dict] = [{} for _ in served]
        for name, path in PAGES:
            if pages and name not in pages:
                continue
            times = [{"board": [], "floor": []} for _ in served]
            sizes = [{} for _ in served]
            for index in range(requests_per_page + 5):
                for number, (_size, _board, _built, client, bases) in enumerate(served):
                    for kind, base in bases.items():
                        t0 = time.perf_counter()
                        response = client.get(base + path, headers={"Accept-Encoding": "gzip"})
                        elapsed = time.perf_counter() - t0
                        if response.status_code != 200:
                            raise RuntimeError(f"{kind} {path}: {response.status_code}")
                        if index >= 5:  # warm-up
                            times[number][kind].append(elapsed * 1000)
                        sizes[number][kind] = (
                            len(response.content),
                            int(response.headers.get("Content-Length") or 0),
                            response.headers.get("Content-Encoding", "identity"),
                        )
            for number in range(len(served)):
                rows[number][name] = {
                    kind: {"p50": statistics.median(values), "p95": percentile(values, 0.95)}
                    for kind, values in times[number].items()
                } | {"sizes": sizes[number]}
    return [
        {
            "size": size,
            "votes": board["votes"],
            "tasks": board["tasks"],
            "built_in": built_in,
            "pages": rows[number],
        }
        for number, (size, board, built_in, _client, _bases) in enumerate(served)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--port", type=int, default=5260)
    parser.add_argument("--pages", help="page names, comma-separated (default all)")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}, cores: {os.cpu_count()}")
    pages = args.pages.split(",") if args.pages else None
    results = measure([int(s) for s in args.sizes.split(",")], args.requests, args.port, pages)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    for result in results:
        print(
            f"\n{result['size']:,} ideas, {result['votes']:,} votes, {result['tasks']:,} tasks"
            f" (built in {result['built_in']:.0f} s)"
        )
        print(
            "| page | board p50 / p95 ms | floor p50 / p95 ms | p95 board/floor | bytes on the wire |"
        )
        print("| --- | --- | --- | --- | --- |")
        for name, row in result["pages"].items():
            b, f = row["board"], row["floor"]
            size, wire, encoding = row["sizes"]["board"]
            print(
                f"| {name} | {b['p50']:.1f} / {b['p95']:.1f} | {f['p50']:.1f} / {f['p95']:.1f}"
                f" | {b['p95'] / f['p95']:.2f} | {wire or size:,} ({encoding}; {size:,} plain) |"
            )
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"\np95 at {large['size']:,} / p95 at {small['size']:,} ideas (goal ≤ 1.5):")
        for name in small["pages"]:
            ratio = large["pages"][name]["board"]["p95"] / small["pages"][name]["board"]["p95"]
            print(f"  {name}: {ratio:.2f}")


if __name__ == "__main__":
    main()
