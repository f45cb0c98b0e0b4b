"""Fixtures: a migrated database per test (SQLite by default, PostgreSQL where asked),
the app, a JSON client that carries the CSRF token, and people of every role."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from jinja2 import BytecodeCache
from sqlalchemy import Engine, create_engine, delete, make_url, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.exc import OperationalError
from sqlalchemy.util import LRUCache
from websocket import STATUS_NORMAL, WebSocket
from werkzeug.routing.rules import Rule

from board import clock, create_app
from board import db as board_db
from board.realtime import socketio
from board.settings import Settings
from models import Base, Event, EventPerson
from models.people import display_name_key

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("BOARD_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The server the PostgreSQL tests use. Each run (and each pytest-xdist worker) creates a
# database of its own there and drops it at the end, so two runs on one server never collide.
POSTGRES_SERVER_URL = os.environ.get(
    "BOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"
POSTGRES_URL = (
    make_url(POSTGRES_SERVER_URL)
    .set(database=f"board_test_{RUN_ID}")
    .render_as_string(hide_password=False)
)
REDIS_URL = os.environ.get("BOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "correct-horse-battery"


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = url
    return config


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def service_or_skip(name: str, check) -> None:
    """In CI a missing service fails the run; on a laptop the test is skipped."""
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not there"
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI but unreachable: {exc}")
        pytest.skip(f"{name} not reachable: {exc}")


# ---- cheaper apps -----------------------------------------------------------------------
# Nearly every test builds its own app, and for url_for werkzeug compiles two Python
# functions per route when the route is added (about 70 ms of CPU per app for the board's
# ~150 routes: most of what create_app costs). A builder depends only on the route's shape
# (its static and variable parts, the defaults filled in, whether unknown arguments become
# a query string), so the tests compile each shape once per process and every app binds the
# same function. tests/test_harness.py checks that the shared builders are the very code
# werkzeug compiles for every route of the app.
WERKZEUG_COMPILE_BUILDER = Rule._compile_builder
_route_builders: dict[tuple, object] = {}


def route_builder_shape(rule: Rule, append_unknown: bool) -> tuple:
    """Everything werkzeug's builder code is made from (Rule._compile_builder's inputs)."""
    defaults = rule.defaults or {}
    filled = tuple(
        (name, rule._converters[name].to_url(defaults[name]))
        for is_dynamic, name in rule._trace
        if is_dynamic and name in defaults
    )
    return (tuple(rule._trace), tuple(str(k) for k in defaults), filled, append_unknown)


def shared_route_builder(rule: Rule, append_unknown: bool = True):
    shape = route_builder_shape(rule, append_unknown)
    builder = _route_builders.get(shape)
    if builder is None:
        builder = _route_builders[shape] = WERKZEUG_COMPILE_BUILDER(rule, append_unknown)
    return builder


Rule._compile_builder = shared_route_builder


class SharedTemplateCode(BytecodeCache):
    """Jinja compiles every template again for each app (each has its own environment):
    the tests keep the compiled code of a template in memory, keyed by its name and the
    checksum of its source, for every app of the process (Jinja's own bytecode cache, as
    its documentation describes for a memcached one). Every app configures Jinja the same
    way; tests/test_harness.py checks the cached code is what a fresh compile gives."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()
Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": TEMPLATE_CODE}


def _sqlite_dialect():
    engine = create_engine("sqlite://")
    with engine.connect():  # the dialect reads the SQLite version on its first connection
        pass
    return engine.dialect


# SQLAlchemy caches a compiled statement per engine and dialect, and each test's app makes
# a new engine, so every test compiled each statement it ran again (about a quarter of a
# typical test's CPU). The tests' SQLite engines share one dialect and one cache: they are
# configured identically (board.db.make_engine), and the key still holds the dialect.
SQLITE_DIALECT = _sqlite_dialect()
SQLITE_STATEMENTS = LRUCache(5000)
_make_engine = board_db.make_engine


def make_engine_sharing_statements(url: str, **kwargs):
    engine = _make_engine(url, **kwargs)
    if type(engine.dialect) is type(SQLITE_DIALECT):
        engine.dialect = SQLITE_DIALECT
        engine._compiled_cache = SQLITE_STATEMENTS
    return engine


board_db.make_engine = make_engine_sharing_statements


# A real Socket.IO client (python-socketio over websocket-client) took 3 s to disconnect:
# websocket-client's WebSocket.close() sends the close frame and then waits up to its
# `timeout` (3 s) for the server's answer, but python-engineio's own read loop, blocked in
# recv() on the same socket, takes that answer first, so close() always waited the full
# 3 s. The tests' clients wait at most CLIENT_CLOSE_WAIT for it; the close frame still
# goes out first, so the server sees a clean close (tests/test_harness.py checks that).
CLIENT_CLOSE_WAIT = 0.2
WEBSOCKET_CLIENT_CLOSE = WebSocket.close


def close_without_the_long_wait(self, status=STATUS_NORMAL, reason=b"", timeout=3):
    return WEBSOCKET_CLIENT_CLOSE(self, status, reason, min(timeout, CLIENT_CLOSE_WAIT))


WebSocket.close = close_without_the_long_wait


def pytest_collection_modifyitems(config, items) -> None:
    """The longest modules first: those that start real server processes (`slow`, the
    fault tests among them first: single tests of minutes), then the browser modules, then
    the rest by their number of tests.

    `make test` gives pytest-xdist whole modules in this order (`--dist loadscope
    --no-loadscope-reorder`). xdist's own order (most tests first) left the one-test
    modules of minutes for last, where one worker ran them alone while the other idled."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)

    def longest_first(module: list) -> tuple:
        def marked(name: str) -> bool:
            return any(item.get_closest_marker(name) for item in module)

        return (not marked("slow"), not marked("faults"), not marked("browser"), -len(module))

    items[:] = [item for module in sorted(modules.values(), key=longest_first) for item in module]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "board.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    def check():
        engine = create_engine(POSTGRES_SERVER_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()

    service_or_skip("PostgreSQL", check)
    create_postgres_database(POSTGRES_URL)
    migrate(POSTGRES_URL)
    yield POSTGRES_URL
    drop_postgres_database(POSTGRES_URL)


def _server_engine():
    return create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")


def create_postgres_database(url: str) -> None:
    name = make_url(url).database
    engine = _server_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def drop_postgres_database(url: str) -> None:
    engine = _server_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def require_redis_server() -> None:
    """The fault tests start a `redis-server` of their own: skipped without one, but a
    failure in CI, which must run them."""
    if not shutil.which("redis-server"):
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI (it runs a Redis of this test's own)")
        pytest.skip("redis-server is not installed")


def truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path) -> str:
    """The database a test runs on; `@pytest.mark.parametrize("database_url", ...,
    indirect=True)` with "postgres" runs it on PostgreSQL too."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_migrated")
        truncate_postgres(url)
        return url
    template = request.getfixturevalue("sqlite_template")
    path = tmp_path / "board.sqlite3"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


BOTH_DATABASES = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        instance_path=tmp_path / "instance",
        database_url=database_url,
        secret_key="test-secret",
        claim_limit=5,
        testing=True,
        # The tests' webhook receivers listen on loopback, as a self-hosted chat server
        # on the company's network would (tests/test_webhooks.py tests the default).
        webhook_local_network=True,
    )


@pytest.fixture
def app(settings):
    app = create_app({"TESTING": True}, settings=settings)
    yield app
    try:
        assert_name_keys_in_step(app.extensions["board_db"].engine)
    finally:
        app.extensions["board_db"].dispose()


def assert_name_keys_in_step(engine) -> None:
    """After every test: each person's stored display_name_key is the key of their stored
    name, whatever path wrote it (a statement that sets display_name past the ORM's flush,
    which keeps the key in step, fails here in the test that takes that path)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, display_name, display_name_key FROM users")
            ).all()
    except OperationalError:  # a test that took the database away (the outage tests)
        return
    stale = [row for row in rows if row.display_name_key != display_name_key(row.display_name)]
    assert not stale, f"display_name_key out of step with display_name: {stale}"


@pytest.fixture
def db(app):
    """A session for arranging and checking data directly.

    End its transaction (commit() or rollback()) before the app handles a request: on SQLite
    even a read here begins BEGIN IMMEDIATE and holds the write lock, so the app's next write
    would wait for the busy timeout and then fail with "database is locked"."""
    with app.extensions["board_db"].Session() as session:
        yield session


@pytest.fixture(autouse=True)
def real_clock():
    yield
    clock.set_clock(None)


@pytest.fixture(autouse=True)
def no_background_senders():
    """A served (non-testing) app starts the mail and webhook senders and the phase check as
    threads that never end. Left behind by a test, they keep polling a removed database and
    log tracebacks; on Python 3.11 formatting one in a thread while the test parses source
    (tests/test_requirements.py) raised "AST constructor recursion depth mismatch". A test
    that serves an app passes {"TESTING": True}."""
    before = {thread for thread in threading.enumerate() if thread.name.startswith("board-")}
    yield
    # Any Engine.IO connection starts the process's ping timer (board/pings.py); the
    # test's sockets end with the test.
    shared_pings = getattr(getattr(socketio.server, "eio", None), "board_pings", None)
    if shared_pings is not None:
        shared_pings.stop()
    left = [
        thread.name
        for thread in threading.enumerate()
        if thread.name.startswith("board-") and thread not in before
    ]
    assert not left, f"the test left background threads running: {left}"


@pytest.fixture(autouse=True, scope="session")
def reads_never_write():
    """A read session (a GET's) that writes begins deferred and, on SQLite, fails at once
    ("database is locked") whenever another writer committed after its first read. Any such
    write fails the test that makes it: a GET view that writes is marked `writes_on_get`."""

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if conn.get_execution_options().get("board_read_only") and statement.lstrip()[
            :6
        ].upper() in ("INSERT", "UPDATE", "DELETE"):
            raise AssertionError(f"a read session wrote (mark its view writes_on_get): {statement}")

    sa_event.listen(Engine, "before_cursor_execute", refuse)
    yield
    sa_event.remove(Engine, "before_cursor_execute", refuse)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Argon2 at its cheapest settings (tests/cheap_hashing.py); the browser tests' server
    uses them too (tests/browser/serve.py)."""
    from argon2 import PasswordHasher

    from board import people
    from tests.cheap_hashing import cheap_password_hasher

    people.set_password_hasher(cheap_password_hasher())
    yield
    people.set_password_hasher(PasswordHasher())


class JsonClient:
    """The Flask test client speaking the JSON API, carrying its CSRF token."""

    def __init__(self, client):
        self.client = client
        self.csrf_token: str | None = None
        self.user: dict | None = None

    def _call(self, method: str, path: str, json=None, csrf: bool = True, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if csrf and self.csrf_token:
            headers.setdefault("X-CSRF-Token", self.csrf_token)
        if not path.startswith("/"):
            path = "/api/v1/" + path
        return self.client.open(path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self._call("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self._call("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self._call("PATCH", path, json=json, **kw)

    def delete(self, path, json=None, **kw):
        return self._call("DELETE", path, json=json, **kw)

    def login(self, email: str, password: str = PASSWORD):
        response = self.post("auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        self.csrf_token = response.get_json()["csrf_token"]
        self.user = response.get_json()["user"]
        return self


@dataclass
class People:
    """Ready-made people of every role, each with their own logged-in client."""

    app: object
    created: dict

    def user(self, name: str):
        return self.created[name]

    def client(self, name: str | None) -> JsonClient:
        client = JsonClient(self.app.test_client())
        if name is not None and name != "anonymous":
            client.login(self.created[name].email)
        return client


def make_user(app, name: str, role: str = "member", department: str = "Marketing"):
    from board import people

    with app.extensions["board_db"].Session() as session:
        return people.create_user(
            session, f"{name}@example.com", PASSWORD, name.title(), department, role
        )


NEWCOMER_WAYS = ("registration", "cli", "company login")


def newcomer(app, anonymous, how: str, department: str, name: str = "Nina Roth") -> None:
    """Someone new on the board, in `department` (which exists), the way `how` names
    (NEWCOMER_WAYS): registration through the API, `users create`, or a first company login."""
    from dataclasses import replace

    from board import oidc

    email = name.split()[0].lower() + "@example.com"
    if how == "registration":
        ids = {d["name"]: d["id"] for d in anonymous.get("departments").get_json()}
        body = {
            "email": email,
            "password": "a-long-enough-secret",
            "display_name": name,
            "department_id": ids[department],
        }
        assert anonymous.post("auth/register", json=body).status_code == 201
    elif how == "cli":
        result = app.test_cli_runner().invoke(
            args=["users", "create", email, "--password", PASSWORD, "--name", name]
            + ["--department", department, "--role", "member"]
        )
        assert result.exit_code == 0, result.output
    else:
        settings = replace(app.extensions["board_settings"], oidc_issuer="https://id.example")
        claims = {"sub": email, "email": email, "name": name, "department": department}
        with app.app_context(), app.extensions["board_db"].Session() as session:
            oidc.sign_in(session, settings, claims)


def make_people(app) -> People:
    """The people every test starts with. They were on the board before its event log
    began: their arrivals (`person.joined`) are taken out of it again, so that a test reads
    its own events from the log's start (seq 1 on, with SQLite). People a test adds itself
    arrive as anyone does."""
    created = {
        "member": make_user(app, "mara", "member", "Marketing"),
        "other_member": make_user(app, "ivan", "member", "IT"),
        "facilitator": make_user(app, "sam", "facilitator", "Communications"),
        "observer": make_user(app, "olga", "observer", "Sales"),
    }
    with app.extensions["board_db"].Session() as session:
        arrivals = select(Event.seq).where(Event.type == "person.joined")
        session.execute(delete(EventPerson).where(EventPerson.seq.in_(arrivals)))
        session.execute(delete(Event).where(Event.seq.in_(arrivals)))
        session.commit()
    return People(app, created)


@pytest.fixture
def people_(app) -> People:
    return make_people(app)


@pytest.fixture
def member(people_) -> JsonClient:
    return people_.client("member")


@pytest.fixture
def other_member(people_) -> JsonClient:
    return people_.client("other_member")


@pytest.fixture
def facilitator(people_) -> JsonClient:
    return people_.client("facilitator")


@pytest.fixture
def observer(people_) -> JsonClient:
    return people_.client("observer")


@pytest.fixture
def anonymous(app) -> JsonClient:
    return JsonClient(app.test_client())


# ---- the browser: Debian's Chromium through Playwright, one for the whole run ----------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Chromium for the browser tests: skipped on a laptop without it, a failure in CI."""

    def check():
        import playwright  # noqa: F401 - requirements-dev.txt

        if not Path(CHROMIUM).exists():
            raise FileNotFoundError(
                f"no Chromium at {CHROMIUM}: `make test-deps` installs "
                "Debian's, BOARD_TEST_CHROMIUM names another"
            )

    service_or_skip("Chromium for the browser tests", check)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One headless Chromium shared by every browser test: Playwright's sync API cannot
    start twice in one thread, so a test must not launch its own while this one lives."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # a live update may take a while on a loaded CI machine
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
