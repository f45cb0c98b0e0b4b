"""Engine and per-request session.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
BEGIN IMMEDIATE: pysqlite's deferred BEGIN would turn a read-then-write into an instant
"database is locked" that the busy timeout never waits for. Read-only work (GET requests)
uses `read_engine`, whose transactions stay deferred so readers never queue behind writers.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
# PostgreSQL down or unreachable: a request gets its 503 after these, never hangs.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 3  # a new connection (psycopg's connect_timeout)
POOL_TIMEOUT_SECONDS = 10  # waiting for a free pooled connection


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        if make_url(url).database not in (None, "", ":memory:"):
            # Writers wait for SQLite's one write lock while holding a pooled connection;
            # the default 5 + 10 would make the 16th request wait for the pool instead.
            kwargs.setdefault("pool_size", 20)
            kwargs.setdefault("max_overflow", 20)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # A restarted server leaves dead connections in the pool: each is tested before use
    # and replaced, so the pool recovers by itself once the server is back.
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    connect_args = kwargs.pop("connect_args", {})
    if make_url(url).get_backend_name() == "postgresql":
        connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_SECONDS)
    return create_engine(url, connect_args=connect_args, **kwargs)


class WriteQueue:
    """A first-come, first-served turn for this process's SQLite writers.

    SQLite has one write lock and its busy handler polls for it with growing sleeps, so
    under load some writers keep losing: measured with 32 writers on a busy machine, one
    waited past the 30 s busy timeout ("database is locked") while the median wait was
    0.15 s. Queueing the writers of the process in arrival order first makes each wait
    about (writers ahead) × (one write), and SQLite's lock is then almost always free.
    A turn not granted within the busy timeout goes ahead anyway (SQLite's lock decides).
    """

    def __init__(self):
        self._condition = threading.Condition()
        self._next_ticket = 0
        self._serving = 0
        self._abandoned: set[int] = set()

    def acquire(self, timeout: float) -> bool:
        with self._condition:
            ticket = self._next_ticket
            self._next_ticket += 1
            granted = self._condition.wait_for(lambda: self._serving >= ticket, timeout)
            if not granted:
                # Give the ticket up: the writers behind must not wait for it.
                self._abandoned.add(ticket)
                self._skip_abandoned()
            return granted

    def release(self) -> None:
        with self._condition:
            self._serving += 1
            self._skip_abandoned()
            self._condition.notify_all()

    def _skip_abandoned(self) -> None:
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1
        self._condition.notify_all()


def _configure_sqlite(engine: Engine) -> None:
    queue = WriteQueue()

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, issue BEGIN (the documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if connection.get_execution_options().get("board_read_only"):
            connection.exec_driver_sql("BEGIN")
            return
        if queue.acquire(SQLITE_BUSY_TIMEOUT_MS / 1000):
            connection.info["board_write_turn"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            end_turn(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def end_turn(connection):
        if connection.info.pop("board_write_turn", False):
            queue.release()


class Database:
    """The app's engine plus two session factories: writers and (deferred) readers."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.read_engine = self.engine.execution_options(board_read_only=True)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        self.ReadSession = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.engine.dispose()


def request_session(read_only: bool = False) -> Session:
    """One session per request, kept on flask.g and closed at teardown."""
    from flask import current_app, g

    session = g.get("db_session")
    if session is None:
        database: Database = current_app.extensions["board_db"]
        session = (database.ReadSession if read_only else database.Session)()
        g.db_session = session
    return session


def close_request_session(_exc=None) -> None:
    from flask import g

    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def db_for_request() -> Session:
    """The request's session: deferred (read-only) for GET, BEGIN IMMEDIATE otherwise."""
    from flask import request

    return request_session(read_only=request.method in ("GET", "HEAD", "OPTIONS"))
