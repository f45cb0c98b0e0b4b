"""Engine and per-request session.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
BEGIN IMMEDIATE: pysqlite's deferred BEGIN would turn a read-then-write into an instant
"database is locked" that the busy timeout never waits for. Read-only work (GET requests)
uses `read_engine`, whose transactions stay deferred so readers never queue behind writers.

Nobody waits for a turn while holding something others wait for (found by the day of
load, docs/reliability.md): a SQLite writer takes its turn in the write queue *before* it
takes a pooled connection, a write request checks its login in a short read transaction
before its write transaction begins, and the server's own checks (the publisher's
session check) use a connection of their own, never the request pool.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    any_,
    bindparam,
    case,
    create_engine,
    event,
    func,
    literal,
    literal_column,
    make_url,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from board import search

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
# SQLite reads the database file through a memory map of up to this size: pages the OS has
# cached are read in place, shared by every connection, not copied in by a system call each
# (a broad filter on a large board reads a page per idea it walks: 1.3 → 0.4 ms CPU for a
# tag's first page at 100,000 ideas). Address space, not memory; the OS evicts as before.
SQLITE_MMAP_BYTES = 1 << 30
# PostgreSQL down or unreachable: a request gets its 503 after these, never hangs.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 3  # a new connection (psycopg's connect_timeout)
POOL_TIMEOUT_SECONDS = 10  # waiting for a free pooled connection
# A SQLite writer waits this long for its turn in the write queue at most, then its request
# gets the same 503 with Retry-After as a PostgreSQL request whose pooled connection did not
# come (WriteTurnTimeout): under sustained overload an answer in seconds, not a wait of a
# minute (the busy timeout, then SQLite's lock) that ends in the same refusal or a client's
# own timeout. 32 writers at once wait about 1 s at most (bench/writers.py).
WRITE_TURN_WAIT_SECONDS = 10


class WriteTurnTimeout(PoolTimeout):
    """A SQLite writer's turn did not come within WRITE_TURN_WAIT_SECONDS: the board has
    more writes queued than it can do in that time. Nothing was written; try again."""


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
    A writer whose turn does not come within WRITE_TURN_WAIT_SECONDS gives its ticket up
    and raises WriteTurnTimeout (a 503 with Retry-After) before it has a connection or
    has written anything. (Before, it went ahead to SQLite's lock after the 30 s busy
    timeout, competing with the queue, and waited up to 30 s more.)
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._next_ticket = 0
        self._serving = 0
        self._abandoned: set[int] = set()
        # Each waiting writer's own wake-up, by ticket: a release wakes the one writer
        # whose turn it is. (One shared condition woke every waiter on every release: at
        # 100 writes/s with hundreds queued, a quarter of the process's CPU went into
        # those wake-ups, which grow with the square of the queue.)
        self._waiters: dict[int, threading.Event] = {}
        # A turn a session took for this thread before it had a connection: the
        # connection's BEGIN adopts it instead of queueing again (see take_turn).
        self._early = threading.local()

    def acquire(self, timeout: float) -> bool:
        with self._lock:
            ticket = self._next_ticket
            self._next_ticket += 1
            if self._serving >= ticket:
                return True
            woken = self._waiters[ticket] = threading.Event()
        woken.wait(timeout)
        with self._lock:
            del self._waiters[ticket]
            if self._serving >= ticket:
                return True  # granted, perhaps just as the wait ran out
            # Give the ticket up: the writers behind must not wait for it.
            self._abandoned.add(ticket)
            self._skip_abandoned()
            return False

    def release(self) -> None:
        with self._lock:
            self._serving += 1
            self._skip_abandoned()

    def take_turn(self, timeout: float) -> None:
        """Wait for this thread's turn now, before a connection is taken from the pool.

        A writer that waited with a pooled connection in hand took it from everyone
        else: at 100 writes/s the queue's waiters held all 40 connections while the
        publisher of the last commit waited for one (docs/reliability.md)."""
        if getattr(self._early, "turn", None) is None:
            if not self.acquire(timeout):
                raise WriteTurnTimeout(_TURN_TIMEOUT_MESSAGE.format(timeout))
            self._early.turn = True

    def adopt_turn(self) -> bool | None:
        """The turn take_turn got for this thread (True), handed to the connection that
        begins now; None when there is none."""
        turn = getattr(self._early, "turn", None)
        self._early.turn = None
        return turn

    def drop_turn(self) -> None:
        """A session ended without a connection beginning: give its early turn back."""
        if self.adopt_turn():
            self.release()

    def _skip_abandoned(self) -> None:
        """Pass over given-up tickets and wake the writer whose turn it is (lock held)."""
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1
        woken = self._waiters.get(self._serving)
        if woken is not None:
            woken.set()


_TURN_TIMEOUT_MESSAGE = "no turn in the SQLite write queue within {} s (overloaded)"
_write_queues: weakref.WeakKeyDictionary[Engine, WriteQueue] = weakref.WeakKeyDictionary()


def write_queue_of(engine: Engine) -> WriteQueue | None:
    """The write queue of a SQLite engine made by make_engine (None for PostgreSQL)."""
    return _write_queues.get(engine)


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
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.execute(search.SQLITE_TERMS_CREATE)  # what a one-word search looks up
        cursor.close()

    _write_queues[engine] = queue

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if connection.get_execution_options().get("board_read_only"):
            connection.exec_driver_sql("BEGIN")
            return
        if queue.adopt_turn() is None and not queue.acquire(WRITE_TURN_WAIT_SECONDS):
            raise WriteTurnTimeout(_TURN_TIMEOUT_MESSAGE.format(WRITE_TURN_WAIT_SECONDS))
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
        self._own_engine: Engine | None = None
        self._own_engine_lock = threading.Lock()
        self._own_driver = None  # own_scalar's driver connection, kept open
        self._checkpoint_driver = None  # checkpoint's, kept open
        queue = write_queue_of(self.engine)
        if queue is not None:
            _take_turns_before_connecting(self.Session, queue)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def keeps_log(self) -> bool:
        """SQLite in a file: a write-ahead log of its own to checkpoint (`checkpoint`)."""
        return not self.is_postgres and make_url(self.url).database not in (None, "", ":memory:")

    def own_connection_engine(self) -> Engine:
        """A one-connection engine of its own, for the server's checks that run while a
        request thread holds a pooled connection (the publisher's session check after a
        commit): waiting for the request pool there is how 500 clients at 100 writes/s
        froze the server (docs/reliability.md). Read-only; callers serialise its use."""
        if self._own_engine is not None:  # made once: this runs before every fan-out pass
            return self._own_engine
        if make_url(self.url).database in (None, "", ":memory:"):
            return self.read_engine  # an in-memory database exists in its own engine only
        with self._own_engine_lock:
            if self._own_engine is None:
                engine = make_engine(self.url, pool_size=1, max_overflow=0)
                self._own_engine = engine.execution_options(board_read_only=True)
            return self._own_engine

    def own_scalar(self, sql: str):
        """The one value a plain statement (no parameters) reads, through a driver
        connection of the own engine's kind that is kept open for it, reading outside any
        transaction (autocommit). For a question asked before every fan-out pass, after
        the commit and before the first frame: a pooled connection's checkout and return
        (with its rollback) and SQLAlchemy's execute (with its BEGIN) cost several times
        the query. A connection that fails is dropped and the question asked once more on
        a new one. Callers serialise its use, as the own engine's."""
        if self.own_connection_engine() is self.read_engine:
            return _pooled_scalar(self.read_engine, sql)  # in memory: its one database
        return self._on_kept_driver(
            "_own_driver", self._keep_own_driver, lambda connection: _driver_scalar(connection, sql)
        )

    def _keep_own_driver(self):
        """A driver connection made as the own engine makes them (SQLite's settings
        applied), taken out of its pool for good, in autocommit: SQLite's connections
        leave BEGIN to SQLAlchemy already, so a lone SELECT is its own read transaction;
        PostgreSQL's is switched, so that no transaction stays open between passes."""
        connection = _detached_driver(self.own_connection_engine())
        if self.is_postgres:
            connection.rollback()  # the pool's ping may have begun a transaction
            connection.autocommit = True
        return connection

    def _on_kept_driver(self, name: str, keep: Callable, use: Callable[[Any], T]) -> T:
        """`use` on the driver connection kept in the attribute `name` (made by `keep` when
        there is none). A connection that fails is dropped and `use` tried once more on a
        new one."""
        for attempt in (1, 2):
            connection = getattr(self, name)
            if connection is None:
                connection = keep()
                setattr(self, name, connection)
            try:
                return use(connection)
            except Exception:
                setattr(self, name, None)
                _close_quietly(connection)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def checkpoint(self) -> tuple[int, int, int] | None:
        """SQLite: move what the write-ahead log holds into the database file, without
        waiting for anyone (a PASSIVE checkpoint), on a driver connection kept for it:
        (1 if it could not run now, frames in the log, frames moved). None elsewhere.

        SQLite does this itself when a commit leaves the log at 1,000 pages: that commit
        copies them and syncs both files before it returns (6-9 ms here, every ~40 votes,
        and before their broadcast: docs/performance.md). A serving process calls this
        from a thread of its own (scheduler.start_checkpoints), often enough that no commit
        gets there; the automatic one stays for the command line and tests."""
        if not self.keeps_log:
            return None
        # A driver connection made as the app's are (WAL, its settings), outside any
        # transaction: SQLAlchemy, not the driver, begins them.
        return self._on_kept_driver(
            "_checkpoint_driver",
            lambda: _detached_driver(self.engine),
            lambda connection: tuple(_driver_row(connection, "PRAGMA wal_checkpoint(PASSIVE)")),
        )

    def dispose(self) -> None:
        self.engine.dispose()
        if self._own_engine is not None:
            self._own_engine.dispose()
        for name in ("_own_driver", "_checkpoint_driver"):  # the kept driver connections
            connection = getattr(self, name)
            if connection is not None:
                _close_quietly(connection)
                setattr(self, name, None)


def _driver_row(connection, sql: str):
    """The first row `sql` reads, on a driver connection."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchone()
    finally:
        cursor.close()


def _driver_scalar(connection, sql: str):
    """The first value of the first row `sql` reads, on a driver connection."""
    return _driver_row(connection, sql)[0]


def _detached_driver(engine: Engine):
    """A driver connection made by `engine`'s pool (its connect settings applied), taken
    out of the pool for good."""
    fairy = engine.raw_connection()
    connection = fairy.driver_connection
    fairy.detach()
    return connection


def _pooled_scalar(engine: Engine, sql: str):
    connection = engine.raw_connection()
    try:
        return _driver_scalar(connection, sql)
    finally:
        connection.close()  # back to the pool, which ends a transaction the driver began


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - broken already: nothing to give back
        return


def _take_turns_before_connecting(factory: sessionmaker, queue: WriteQueue) -> None:
    """A SQLite write session waits for its turn when its transaction starts, before
    the pool hands it a connection (WriteQueue.take_turn); a session marked with
    `reads_first` starts with a deferred read transaction instead."""

    @event.listens_for(factory, "after_transaction_create")
    def turn_first(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and not session.info.get(_READ_FIRST):
            queue.take_turn(WRITE_TURN_WAIT_SECONDS)

    @event.listens_for(factory, "after_transaction_end")
    def turn_unused(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            queue.drop_turn()


_READ_FIRST = "board_reads_first"


def reads_first(session: Session, lookup: Callable[[Session], T]) -> T:
    """Run `lookup` (reads only) before a write request's write transaction begins.

    On SQLite a write session starts BEGIN IMMEDIATE at its first statement and holds the
    one write lock until it commits; the login check at the start of every write request
    (ended session, the person) would hold it through the whole request. Here the lookup
    runs in a deferred read transaction that ends at once (committed: the objects it loaded
    stay loaded and in the session), and the write transaction begins with the first
    statement after it. Elsewhere (a reader, PostgreSQL, a transaction already open) the
    lookup simply runs."""
    if (
        session.in_transaction()
        or write_queue_of(session.get_bind()) is None
        or session.get_bind().get_execution_options().get("board_read_only")
    ):
        return lookup(session)
    session.info[_READ_FIRST] = True
    try:
        session.connection(execution_options={"board_read_only": True})
    finally:
        session.info.pop(_READ_FIRST, None)
    try:
        return lookup(session)
    finally:
        session.commit()


def written(value: T) -> ColumnElement[T]:
    """`value` written into the statement's text, not bound: for a value of ours that decides
    the statement's plan (a queue's status, an event type), never for words someone typed.
    psycopg prepares a statement on its sixth run on a connection, and PostgreSQL may then
    keep one generic plan for any bound value, planned for an average one: `status = $1` as
    if half the deliveries were pending, `status = 'pending'` for the pending few
    (docs/performance.md, helper pgplans)."""
    return literal(value, literal_execute=True)


def period_of(moment, starts: list[datetime], low: int = -1, high: int | None = None):
    """The index of the period `moment` (a column) falls in, given the periods' starts in
    order (each ends where the next starts, the last never), -1 before the first: a binary
    search of the starts written as nested CASEs, six comparisons a row for 52 weeks where
    a flat CASE made up to 52. The feed's chart and the help report count by it."""
    high = len(starts) - 1 if high is None else high
    if low >= high:
        return literal_column(str(low))
    middle = (low + high + 1) // 2  # starts[middle] begins period `middle`
    return case(
        (moment < starts[middle], period_of(moment, starts, low, middle - 1)),
        else_=period_of(moment, starts, middle, high),
    )


def among_ids(column, dialect: str, name: str = "ids") -> ColumnElement[bool]:
    """`column` is one of a list of ids bound as ONE parameter (`id_list` gives its value):
    SQLite reads it with json_each, PostgreSQL as an array. An expanding IN renders and
    binds every id anew on each execution, which cost a list request more than its query."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(name))))


def join_newest(query: Select, entity: Any, newest: Select, dialect: str) -> Select:
    """`query` joined with the rows of `entity` whose id `newest` picks for each of its
    rows: a statement correlated to them that walks an index and stops at its LIMIT (a few
    newest of each). LATERAL on PostgreSQL, `IN` the correlated subquery on SQLite, which
    has no LATERAL."""
    if dialect == "postgresql":
        shown = newest.lateral("shown")
        return query.join(shown, true()).join(entity, entity.id == shown.c.id)
    return query.join(entity, entity.id.in_(newest))


def id_list(dialect: str, ids: Iterable[int]) -> str | list[int]:
    """The value of an `among_ids` parameter."""
    return list(ids) if dialect == "postgresql" else json.dumps(list(ids))


def request_session(read_only: bool = False) -> Session:
    """One session per request, kept on flask.g and closed at teardown."""
    here = g._get_current_object()  # g itself, not Flask's proxy: see db_for_request
    session = here.get("db_session")
    if session is None:
        database: Database = current_app._get_current_object().extensions["board_db"]
        session = (database.ReadSession if read_only else database.Session)()
        here.db_session = session
    return session


def close_request_session(_exc=None) -> None:
    session = g._get_current_object().pop("db_session", None)  # see db_for_request
    if session is not None:
        session.close()


_PING = text("SELECT 1")


def ping(session: Session) -> None:
    """One round trip to the database (GET /health); raises what an unreachable one raises."""
    session.execute(_PING)


def db_for_request() -> Session:
    """The request's session: deferred (read-only) for GET, a writer's otherwise, and for
    the few GET views marked `writes_on_get`."""
    # Asked about eight times per request: once the session exists, nothing to decide. The
    # request's `g` itself, not Flask's proxy: each attribute read through a Werkzeug proxy
    # fails on the proxy first (an AttributeError made and dropped) and then asks the
    # context for the object, about 0.8 µs; `_get_current_object` is the proxy's
    # documented way to the object.
    session = g._get_current_object().get("db_session")
    if session is not None:
        return session
    asked = request._get_current_object()
    read_only = asked.method in _READS and not view_marked(asked, _WRITES_ON_GET)
    return request_session(read_only=read_only)


_READS = ("GET", "HEAD", "OPTIONS")


def view_marked(asked, mark: str) -> bool:
    """Whether the view that serves the request `asked` carries `mark`, an attribute its
    decorator set (`writes_on_get`, `writes_at_once`, `security.person_as_reader`)."""
    views = current_app._get_current_object().view_functions
    return getattr(views.get(asked.endpoint), mark, False)


_WRITES_ON_GET = "board_writes_on_get"


def writes_on_get(view: Callable) -> Callable:
    """Mark a GET view that writes (the end of a company login, where the provider sends the
    browser back with a GET): its request gets a writer's session, which takes its turn in
    the write queue. A read session that wrote instead would begin deferred and, on SQLite,
    fail at once with "database is locked" whenever another writer committed after its
    first read."""
    setattr(view, _WRITES_ON_GET, True)
    return view


_WRITES_AT_ONCE = "board_writes_at_once"


def writes_at_once(view: Callable) -> Callable:
    """Mark a write view that begins its writing as soon as it runs, with nothing slow
    before it (no password to hash, no upload to read: the vote). Its request's login
    check runs as the first statement of its write transaction, not in a read transaction
    of its own before it (`reads_first`): one transaction, BEGIN and COMMIT fewer. On
    SQLite its write turn is then taken at the login check, held through the few hooks
    between it and the view (microseconds), and given back if the request is refused."""
    setattr(view, _WRITES_AT_ONCE, True)
    return view


def view_writes_at_once() -> bool:
    """Whether this request's view is marked `writes_at_once` (and is not a GET)."""
    asked = request._get_current_object()
    return asked.method not in _READS and view_marked(asked, _WRITES_AT_ONCE)
