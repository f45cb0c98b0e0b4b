"""The event log: every change records its envelope in the change's own transaction;
envelopes are published to Socket.IO rooms only after that transaction commits.

Audience is a permission decision and lives here: a public event goes to the board
room, a private one (a nudge) only to the `user:<id>` rooms of the people it names.
(`person.joined` and `person.left` are public too: the people page lists everyone to
everyone who sees names, and a works-council observer's copy of every public envelope
shows each person in it as their department, board/realtime.py and board/privacy.py.)
Ending sockets (logout, a role change, a removal) is addressed by room here too.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Dialect, func, or_, select
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, SessionTransaction

from board import clock
from board.person_json import person_dict
from models import Event, EventObject, EventRecipient

PUBLIC_ROOM = "board"
EVENT_TYPES = {
    "idea.created",
    "idea.updated",
    "idea.votes_changed",
    "comment.created",
    "task.created",
    "task.claimed",
    "task.released",
    "task.completed",
    "task.updated",
    "idea.published",
    "prompt.created",
    "prompt.phase_changed",
    "nudge.sent",
    "comment.updated",
    "comment.deleted",
    "idea.withdrawn",
    "task.reopened",
    "content.flagged",
    "idea.hidden",
    "idea.unhidden",
    "comment.hidden",
    "comment.unhidden",
    "person.joined",
    "person.left",
}
# Any constant: serialises event writers on PostgreSQL so that seq order is commit order
# and a client asking for `after=SEQ` can never miss an event that commits later. It is
# taken by a transaction's first event row, as that row is written just before COMMIT
# (`_number_events`), so it is held for the event rows and the COMMIT only.
_PG_EVENT_LOCK = 7_310_214
_PENDING = "board_pending_events"
_PENDING_ENDS = "board_pending_socket_ends"
_PENDING_CALLS = "board_pending_calls"
_TICKET = "board_emit_ticket"
_COMMITTED = "board_committed"
# How long a committed writer waits for the one before it to finish publishing; past it,
# it publishes anyway (order may then slip, which clients repair from /api/v1/events).
ORDER_WAIT_SECONDS = 5.0
# While envelopes pile up behind the fan-out, passes start at most this often (ten a second):
# each socket that asked for batches gets one frame per pass, so 100 writes a second reach
# it in about ten frames, not a hundred. A board that keeps up (nothing waiting when a pass
# ends) starts each pass at once; nothing is added to a lone change's latency.
BUSY_PASS_SECONDS = 0.1
# A board is busy, too, when passes follow each other faster than BUSY_PASSES in
# BUSY_PASS_SECONDS although each found the outbox empty at its end: writers that commit
# one by one, a few milliseconds apart, would otherwise each get a pass (and every socket
# a frame) of their own. One change every 80 ms (the fan-out benchmark) never meets it.
BUSY_PASSES = 3

Publisher = Callable[[dict, list[str]], None]
# Called once per fan-out pass with every (envelope, rooms) of the pass, in seq order.
BatchPublisher = Callable[[list[tuple[dict, list[str]]]], None]
# Called inside record(), in the change's transaction: (session, envelope, actor, recipients).
Recorder = Callable[[Session, dict, Any, "list[int] | None"], None]
# Called with (session, seq) once an envelope is numbered, just before its COMMIT.
Numbered = Callable[[Session, int], None]
SocketEnder = Callable[[str], None]
log = logging.getLogger(__name__)
_publishers: list[Publisher] = []
_batch_publishers: list[BatchPublisher] = []
_socket_enders: list[SocketEnder] = []
_recorders: list[Recorder] = []


class EmitOrder:
    """Tickets that make one process publish in exactly the order of `seq`, without
    holding the database's lock while it waits.

    A writer takes its ticket just before its event rows are sent and says its first seq
    once it has committed (`numbered`). It publishes after COMMIT, with its pooled
    connection already back in the pool, once no writer of this process can still come
    before it: none numbered lower is still publishing, and none still waiting for its
    seq may draw a lower one. A writer's seq is larger than every seq this process had
    heard back when it took its ticket (the database numbers in commit order), so only
    writers that sent their rows before a seq as large as ours came back must be waited
    for. (Before, the order was a lock taken before COMMIT and held through the fan-out:
    the next writer waited for the previous one's fan-out while holding the database's
    lock and a connection, so at 500 sockets every write waited for every other write's
    fan-out; docs/reliability.md.)
    """

    _SENT = object()  # ticket taken, seq not known yet

    def __init__(self):
        self._condition = threading.Condition()
        self._next = 0
        self._highest = 0  # the largest seq heard back in this process
        self._open: dict[int, object] = {}  # ticket → _SENT, its first seq, or None (no rows)
        self._above: dict[int, int] = {}  # ticket → its seq is larger than this

    def ticket(self) -> int:
        with self._condition:
            ticket = self._next
            self._next += 1
            self._open[ticket] = self._SENT
            self._above[ticket] = self._highest
            return ticket

    def numbered(self, ticket: int, seq: int | None) -> None:
        """The ticket's transaction committed; `seq` is its first event's (None: it has none)."""
        with self._condition:
            if self._open.get(ticket) is self._SENT:
                self._open[ticket] = seq
                if seq is not None:
                    self._highest = max(self._highest, seq)
                self._condition.notify_all()

    def _ahead(self, ticket: int) -> bool:
        """Whether some writer of this process may have to publish before `ticket`."""
        seq = self._open[ticket]
        for other, other_seq in self._open.items():
            if other_seq is self._SENT:
                if self._above[other] < seq:
                    return True
            elif other_seq is not None and other_seq < seq:
                return True
        return False

    def wait_turn(self, ticket: int, timeout: float) -> bool:
        with self._condition:
            seq = self._open.get(ticket, self._SENT)
            if seq is self._SENT or seq is None:
                return True  # not numbered, or no rows: nothing to order it by
            return self._condition.wait_for(lambda: not self._ahead(ticket), timeout)

    def done(self, ticket: int) -> None:
        """The ticket's envelopes are out (or its commit failed): those after it may go."""
        with self._condition:
            self._open.pop(ticket, None)
            self._above.pop(ticket, None)
            if not self._open:
                # Nobody to order: start afresh. A seq heard back earlier may be another
                # database's (tests, a restored backup); zero only makes the next writers
                # wait for each other's seqs, never publish out of order.
                self._highest = 0
            self._condition.notify_all()


class Outbox:
    """Committed envelopes on their way out, one fan-out pass at a time, in seq order.

    A writer whose turn (EmitOrder) has come puts its envelopes here and lets the next
    writer in; then, when no pass is running, it runs one pass with everything waiting,
    its own envelopes included. Writers that commit while a pass runs wait and go out
    together in the next pass, which one of them runs (each writer runs at most one pass,
    so nobody's request is held for others' work). On a quiet board every pass carries
    one envelope and starts at once: nothing is added to its latency. When envelopes were
    waiting as a pass ended, or BUSY_PASSES passes started within BUSY_PASS_SECONDS, the
    next pass starts BUSY_PASS_SECONDS after the last one started, gathering what commits
    meanwhile (a busy board's writers wait up to that much longer).
    A writer returns when its envelopes are out, as before, so what runs after the commit
    (ending sockets, notifications) still follows them.
    """

    def __init__(self):
        self._condition = threading.Condition()
        self._items: list[tuple[dict, list[str]]] = []
        self._added = 0  # envelopes ever put in
        self._sent = 0  # envelopes whose pass is over (passes take from the front)
        self._passing = False
        self._waiting = 0
        self._next_pass_at = 0.0  # a busy board's next pass starts no sooner (monotonic)
        self._starts: deque[float] = deque(maxlen=BUSY_PASSES)  # the last passes' starts

    def put(self, items: list[tuple[dict, list[str]]]) -> int:
        """Queue `items`; returns the mark that `deliver` waits for."""
        with self._condition:
            self._items.extend(items)
            self._added += len(items)
            return self._added

    def deliver(self, mark: int, send: Callable[[list], None], timeout: float) -> None:
        """Return once everything up to `mark` is out, running a pass if none is running."""
        with self._condition:
            self._waiting += 1
            try:
                if not self._condition.wait_for(
                    lambda: self._sent >= mark or not self._passing, timeout
                ):
                    return  # a pass is stuck: ours go with the next one
                if self._sent >= mark:
                    return
                self._passing = True
                pause = self._next_pass_at - time.monotonic()
            finally:
                self._waiting -= 1
        if pause > 0:  # busier than the passes: what commits meanwhile comes along
            time.sleep(pause)
        with self._condition:
            batch, self._items = self._items, []
        while True:
            started = time.monotonic()
            try:
                send(batch)
            finally:
                with self._condition:
                    self._sent += len(batch)
                    batch = []
                    # Envelopes waited for this pass, or passes come thick and fast: the
                    # next starts BUSY_PASS_SECONDS after this one did, so a busy board
                    # sends fewer, fuller passes.
                    self._starts.append(started)
                    busy = self._items or (
                        len(self._starts) == BUSY_PASSES
                        and started - self._starts[0] < BUSY_PASS_SECONDS
                    )
                    self._next_pass_at = started + BUSY_PASS_SECONDS if busy else 0.0
                    # Left by writers that stopped waiting: nobody else would send them.
                    if self._items and not self._waiting:
                        batch, self._items = self._items, []
                    else:
                        self._passing = False
                    self._condition.notify_all()
            if not batch:
                return


_emit_order = EmitOrder()
_outbox = Outbox()


def user_summary(user: Any) -> dict | None:
    return person_dict(user, "actor")


def user_room(user_id: int) -> str:
    """Every socket of one person: private events, and ending them on a role change."""
    return f"user:{user_id}"


def session_room(board_sid: str) -> str:
    """Every socket of one login session (the cookie's `board_sid`): ended at logout."""
    return f"session:{board_sid}"


def record(
    session: Session,
    type: str,
    actor: Any,
    data: dict,
    *,
    department_id: int | None = None,
    recipients: Iterable[int] | None = None,
    anonymous: bool = False,
) -> dict:
    """Record one event in the current transaction and queue it for publishing on commit.

    The returned envelope gets its `seq` when the transaction commits: the row is written
    just before COMMIT, in seq order (`when_numbered` for what needs the seq).

    `recipients` makes the event private to those user ids; `anonymous` drops the actor
    (votes never name their voter). Call it last in a service, after the change itself.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    shown_actor = None if anonymous else actor
    at = clock.now()
    body = {"type": type, "at": clock.iso(at), "actor": user_summary(shown_actor), "data": data}
    row = {
        "type": type,
        "at": at,
        "actor_id": shown_actor.id if shown_actor is not None else None,
        "department_id": department_id
        if department_id is not None
        else (shown_actor.department_id if shown_actor is not None else None),
        "private": recipients is not None,
        "envelope": body,
    }
    session.flush()  # the change first: the recorders read it
    rooms = [PUBLIC_ROOM]
    ids = None
    if recipients is not None:
        ids = sorted(set(recipients))
        rooms = [user_room(uid) for uid in ids]
    # Its seq comes with its row, written just before COMMIT (_number_events).
    envelope = {"seq": None, **body}
    # Tagged with the innermost savepoint, so that rolling that savepoint back drops it.
    unsent = _Unsent(envelope, rooms, session.get_nested_transaction(), row)
    if ids:
        unsent.numbered.append(lambda session, seq: _add_recipients(session, seq, ids))
    session.info.setdefault(_PENDING, []).append(unsent)
    for recorder in list(_recorders):
        recorder(session, envelope, actor, ids)  # same transaction: fails with the change
    return envelope


@dataclass
class _Unsent:
    """An envelope recorded in a transaction that has not committed yet."""

    envelope: dict
    rooms: list[str]
    savepoint: SessionTransaction | None
    row: dict  # the events row, without its seq
    numbered: list[Numbered] = field(default_factory=list)  # its recipients (a nudge)


def _add_recipients(session: Session, seq: int, user_ids: list[int]) -> None:
    session.add_all(EventRecipient(seq=seq, user_id=uid) for uid in user_ids)


def when_numbered(session: Session, envelope: dict, callback: Numbered) -> None:
    """Run `callback(session, seq)` once `envelope` (recorded in this transaction) has its
    seq: just before COMMIT, in the same transaction. Keep it short: on PostgreSQL it runs
    while this transaction holds the event lock that every event writer waits for."""
    for unsent in session.info.get(_PENDING) or []:
        if unsent.envelope is envelope:
            unsent.numbered.append(callback)
            return
    raise ValueError("not an envelope recorded in this session")


_INSERT_EVENT = Event.__table__.insert().returning(Event.seq)


def _pg_inserts() -> tuple[str, str]:
    """PostgreSQL's INSERTs of an event row, values as `_pg_event_values` gives them: the
    first of a transaction takes the event lock, then draws its seq (one statement: the
    lock is held from the first row on, until COMMIT)."""
    dialect = postgresql.dialect()
    names = ", ".join(_EVENT_COLUMNS)
    values = ", ".join(
        f"%s::{Event.__table__.c[name].type.compile(dialect=dialect)}" for name in _EVENT_COLUMNS
    )
    first = (
        f"WITH turn AS MATERIALIZED (SELECT pg_advisory_xact_lock({_PG_EVENT_LOCK})) "
        f"INSERT INTO events ({names}) SELECT {values} FROM turn RETURNING seq"
    )
    return first, f"INSERT INTO events ({names}) VALUES ({values}) RETURNING seq"


_EVENT_COLUMNS = ("type", "at", "actor_id", "department_id", "private", "envelope")
_PG_INSERT_FIRST, _PG_INSERT_NEXT = _pg_inserts()


# The kinds of object whose copies in the log are rewritten: a hidden idea's words and a
# deleted or hidden comment's text must not stay readable through /api/v1/events.
REWRITTEN_KINDS = ("idea", "comment")


def rewrite_envelopes(
    session: Session, kind: str, object_id: int, change: Callable[[dict], dict]
) -> None:
    """Rewrite the stored copies of one idea or comment (`data[kind]` with that id) in the
    log, in the caller's transaction: the envelopes `event_objects` lists for it. The
    envelopes keep their seq, type and time."""
    if kind not in REWRITTEN_KINDS:
        raise ValueError(f"the log lists no {kind!r} objects")
    carrying = select(EventObject.seq).where(
        EventObject.kind == kind, EventObject.object_id == object_id
    )
    for row in session.scalars(select(Event).where(Event.seq.in_(carrying))):
        envelope = dict(row.envelope)
        data = dict(envelope.get("data") or {})
        data[kind] = change(dict(data[kind]))
        envelope["data"] = data
        row.envelope = envelope


# The objects each envelope carries, by the rule rewrite_envelopes applies: `data.<kind>`
# for each of REWRITTEN_KINDS, its "id" a whole number within SQL's integer (what record()
# writes). A trigger on `events` writes them to `event_objects` with the row (any writer's
# row), so that hiding an idea or deleting a comment reads the envelopes carrying it, not
# the whole log (a JSON path over 300,000 envelopes took 0.3-1 s). Migration 0026 fills it
# for the log written before. The board never changes which objects an envelope carries
# (a rewrite changes their words, not their ids), so an insert is all the trigger watches.
# The WHEN clause is a cheap first look: an envelope without the key (a vote's) is passed.
# A JSON path filter (PostgreSQL): the item is a whole number within SQL's integer. The log's
# lists of the people an envelope names (board/personal_data.py) take ids by it too.
WHOLE_ID = '@.type() == "number" && @ == @.floor() && @ >= -2147483648 && @ <= 2147483647'
_CARRIED_POSTGRES = (
    "SELECT carried.kind, carried.id::numeric::integer, {seq} FROM {rows}LATERAL ("
    + " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, id FROM jsonb_path_query({{envelope}},"
        f" 'strict $.data.{kind}.id ? ({WHOLE_ID})', '{{{{}}}}', true) AS id"
        for kind in REWRITTEN_KINDS
    )
    + ") AS carried"
)
_CARRIED_SQLITE = (
    "SELECT kinds.kind, CAST(json_extract({envelope}, kinds.path) AS INTEGER), {seq}"
    " FROM {rows}("
    + " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, '$.data.{kind}.id' AS path" for kind in REWRITTEN_KINDS
    )
    + ") AS kinds WHERE json_type({envelope}, kinds.path) IN ('integer', 'real')"
    " AND json_extract({envelope}, kinds.path) = CAST(json_extract({envelope}, kinds.path) AS INTEGER)"
    " AND json_extract({envelope}, kinds.path) BETWEEN -2147483648 AND 2147483647"
)
_CARRIES_POSTGRES = " OR ".join(
    f"strpos({{envelope}}::text, '\"{kind}\"') > 0" for kind in REWRITTEN_KINDS
)
_CARRIES_SQLITE = " OR ".join(f"instr({{envelope}}, '\"{kind}\"') > 0" for kind in REWRITTEN_KINDS)
_INSERT_CARRIED = "INSERT INTO event_objects (kind, object_id, seq) "
CARRIED_POSTGRES_CREATE = [
    "CREATE FUNCTION events_carried_objects() RETURNS trigger LANGUAGE plpgsql AS $$"
    " DECLARE body jsonb := NEW.envelope::jsonb; BEGIN "
    f"{_INSERT_CARRIED}{_CARRIED_POSTGRES.format(seq='NEW.seq', envelope='body', rows='')};"
    " RETURN NULL; END $$",
    "CREATE TRIGGER events_carried_objects AFTER INSERT ON events FOR EACH ROW"
    f" WHEN ({_CARRIES_POSTGRES.format(envelope='NEW.envelope')})"
    " EXECUTE FUNCTION events_carried_objects()",
]
CARRIED_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS events_carried_objects ON events",
    "DROP FUNCTION IF EXISTS events_carried_objects()",
]
CARRIED_SQLITE_CREATE = [
    "CREATE TRIGGER events_carried_objects AFTER INSERT ON events"
    f" WHEN {_CARRIES_SQLITE.format(envelope='NEW.envelope')} BEGIN {_INSERT_CARRIED}"
    f"{_CARRIED_SQLITE.format(seq='NEW.seq', envelope='NEW.envelope', rows='')}; END",
]
CARRIED_SQLITE_DROP = ["DROP TRIGGER IF EXISTS events_carried_objects"]
# The log written before the trigger, in one statement.
_LOG_POSTGRES = (
    "(SELECT seq, envelope::jsonb AS body FROM events"
    f" WHERE {_CARRIES_POSTGRES.format(envelope='envelope')}) AS logged, "
)
CARRIED_POSTGRES_FILL = _INSERT_CARRIED + _CARRIED_POSTGRES.format(
    seq="logged.seq", envelope="logged.body", rows=_LOG_POSTGRES
)
CARRIED_SQLITE_FILL = (
    _INSERT_CARRIED
    + _CARRIED_SQLITE.format(seq="events.seq", envelope="events.envelope", rows="events, ")
    + f" AND ({_CARRIES_SQLITE.format(envelope='events.envelope')})"
)


def add_recorder(recorder: Recorder) -> None:
    """Register a callable run inside every record(), in the change's own transaction
    (notifications are written this way; webhook deliveries by a trigger on events)."""
    if recorder not in _recorders:
        _recorders.append(recorder)


def call_after_commit(session: Session, callback: Callable, *args: Any) -> None:
    """Run `callback(*args)` once this transaction commits (dropped if it rolls back)."""
    savepoint = session.get_nested_transaction()
    session.info.setdefault(_PENDING_CALLS, []).append((callback, args, savepoint))


def envelope_of(row: Event) -> dict:
    return {"seq": row.seq, **row.envelope}


def events_after(session: Session, viewer: Any, after: int, limit: int) -> list[dict]:
    """The envelopes `viewer` may see with seq > after, in seq order."""
    mine = select(EventRecipient.seq).where(EventRecipient.user_id == viewer.id)
    rows = session.scalars(
        select(Event)
        .where(Event.seq > after, or_(Event.private.is_(False), Event.seq.in_(mine)))
        .order_by(Event.seq)
        .limit(limit)
    )
    return [envelope_of(row) for row in rows]


def last_seq(session: Session) -> int:
    """The log's newest seq (0 when empty): a page's data is at least this fresh."""
    return session.connection().execute(LAST_SEQ).scalar() or 0


# Built once (building the statement and its cache key cost more than SQLite's answer).
LAST_SEQ = select(func.max(Event.seq))


def add_publisher(publisher: Publisher) -> None:
    """Register a callable(envelope, rooms) run after each commit (Socket.IO, tests)."""
    if publisher not in _publishers:
        _publishers.append(publisher)


def remove_publisher(publisher: Publisher) -> None:
    if publisher in _publishers:
        _publishers.remove(publisher)


def add_batch_publisher(publisher: BatchPublisher) -> None:
    """Register a callable(items) run once per fan-out pass with its (envelope, rooms)
    pairs in seq order: one envelope when the board is quiet, all that committed during
    the previous pass when it is busy (Socket.IO sends those in fewer frames)."""
    if publisher not in _batch_publishers:
        _batch_publishers.append(publisher)


def remove_batch_publisher(publisher: BatchPublisher) -> None:
    if publisher in _batch_publishers:
        _batch_publishers.remove(publisher)


def add_socket_ender(ender: SocketEnder) -> None:
    """Register a callable(room) that disconnects every socket in that room."""
    if ender not in _socket_enders:
        _socket_enders.append(ender)


def remove_socket_ender(ender: SocketEnder) -> None:
    if ender in _socket_enders:
        _socket_enders.remove(ender)


def end_sockets(room: str) -> None:
    """Disconnect every socket in `room` now, in every server process (logout)."""
    for ender in list(_socket_enders):
        _run_safely(ender, room)


def end_sockets_after_commit(session: Session, room: str) -> None:
    """Disconnect every socket in `room` once this transaction commits (role change,
    removal): the sockets lose their powers together with the session that opened them."""
    session.info.setdefault(_PENDING_ENDS, []).append(room)


@sa_event.listens_for(Session, "before_commit")
def _number_events(session: Session) -> None:
    """Write the transaction's event rows just before COMMIT, after taking its emit ticket.

    On PostgreSQL the first row takes the event lock, held until COMMIT: writers wait for
    each other only for their event rows and the COMMIT, not for the rest of their work.
    When no row needs its seq inside the transaction, the lock, the rows and the COMMIT go
    to the server as one message (`_insert_and_commit`), so the lock is held for the
    server's own work only. Otherwise (a nudge's recipients) they take
    two round trips; a thread that waits for the GIL between them (a busy process has
    hundreds of socket threads) keeps every other event writer waiting meanwhile.
    """
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    if _TICKET not in session.info:
        session.info[_TICKET] = _emit_order.ticket()
    unnumbered = [unsent for unsent in session.info[_PENDING] if unsent.envelope["seq"] is None]
    if not unnumbered:
        return
    session.flush()  # what changed after record(), before the lock
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for unsent in unnumbered:
            unsent.envelope["seq"] = connection.execute(_INSERT_EVENT, unsent.row).scalar_one()
            for callback in unsent.numbered:
                callback(session, unsent.envelope["seq"])
        return
    if not any(unsent.numbered for unsent in unnumbered):
        for unsent, seq in zip(unnumbered, _insert_and_commit(connection, unnumbered), strict=True):
            unsent.envelope["seq"] = seq
        _emit_order.numbered(session.info[_TICKET], unnumbered[0].envelope["seq"])
        return
    insert = _PG_INSERT_FIRST
    for unsent in unnumbered:
        values = tuple(_pg_event_values(connection.dialect, [unsent]))
        seq = connection.exec_driver_sql(insert, values).scalar_one()
        insert = _PG_INSERT_NEXT  # the lock is held now
        unsent.envelope["seq"] = seq
        for callback in unsent.numbered:
            callback(session, seq)


def _pg_event_values(dialect: Dialect, unnumbered: list[_Unsent]) -> list[Any]:
    """The event rows' values for `_PG_INSERT_FIRST` / `_PG_INSERT_NEXT`, one row after
    the other, bound as SQLAlchemy binds them (the time through its column type, the
    envelope as JSON text)."""
    to_json = getattr(dialect, "_json_serializer", None) or json.dumps  # as SQLAlchemy does
    at = Event.__table__.c.at.type.bind_processor(dialect) or (lambda value: value)
    values: list[Any] = []
    for unsent in unnumbered:
        row = unsent.row
        values += [row["type"], at(row["at"]), row["actor_id"], row["department_id"]]
        values += [row["private"], to_json(row["envelope"])]
    return values


def _insert_and_commit(connection: Connection, unnumbered: list[_Unsent]) -> list[int]:
    """PostgreSQL: take the event lock, write the rows and COMMIT in one message to the
    server; returns the rows' seqs. The transaction is committed when this returns, so
    nothing may be written after it (the COMMIT that SQLAlchemy sends next finds no
    transaction open, and psycopg sends nothing). psycopg binds the values on the client
    for this one statement: the server's extended protocol takes one statement per message.
    """
    params = _pg_event_values(connection.dialect, unnumbered)
    rows = [_PG_INSERT_FIRST] + [_PG_INSERT_NEXT] * (len(unnumbered) - 1)
    statement = "; ".join([*rows, "COMMIT"])
    import psycopg  # the PostgreSQL driver: only a board on PostgreSQL comes here

    raw = connection.connection.dbapi_connection
    regular = raw.cursor_factory
    raw.cursor_factory = psycopg.ClientCursor
    try:
        result = connection.exec_driver_sql(statement, tuple(params))
    finally:
        raw.cursor_factory = regular
    cursor = result.context.cursor
    seqs = [cursor.fetchone()[0]]
    while len(seqs) < len(unnumbered) and cursor.nextset():
        seqs.append(cursor.fetchone()[0])
    result.close()
    return seqs


@sa_event.listens_for(Session, "after_commit")
def _keep_committed(session: Session) -> None:
    """Committed: what to publish waits for the end of the transaction, when the
    connection is back in the pool (_publish_committed)."""
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is visible to others yet
    pending = session.info.pop(_PENDING, None) or []
    ticket = session.info.get(_TICKET)
    if ticket is not None:
        _emit_order.numbered(ticket, pending[0].envelope["seq"] if pending else None)
    session.info[_COMMITTED] = (
        pending,
        session.info.pop(_PENDING_ENDS, None) or [],
        session.info.pop(_PENDING_CALLS, None) or [],
    )


@sa_event.listens_for(Session, "after_transaction_end")
def _publish_committed(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    ticket = session.info.pop(_TICKET, None)
    committed = session.info.pop(_COMMITTED, None)
    if committed is None:  # the commit failed: nothing to publish, the next may go
        if ticket is not None:
            _emit_order.done(ticket)
        return
    envelopes, ends, calls = committed
    mark = None
    try:
        if ticket is not None:
            _emit_order.wait_turn(ticket, ORDER_WAIT_SECONDS)
        if envelopes:
            mark = _outbox.put([(unsent.envelope, unsent.rooms) for unsent in envelopes])
    finally:
        if ticket is not None:
            _emit_order.done(ticket)
    if mark is not None:
        _outbox.deliver(mark, _publish_pass, ORDER_WAIT_SECONDS)
    for room in ends:
        end_sockets(room)
    for callback, args, _savepoint in calls:
        _run_safely(callback, *args)


def _publish_pass(items: list[tuple[dict, list[str]]]) -> None:
    for publisher in list(_batch_publishers):
        _run_safely(publisher, items)
    for envelope, rooms in items:
        for publisher in list(_publishers):
            _run_safely(publisher, envelope, rooms)


def _run_safely(callback: Callable, *args: Any) -> None:
    # The change is committed: a failing fan-out must not turn it into an error for its
    # author. Clients that missed the envelope get it from /api/v1/events.
    try:
        callback(*args)
    except Exception:
        log.exception("publishing to %r failed", callback)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        session.info.pop(_PENDING, None)
        session.info.pop(_PENDING_ENDS, None)
        session.info.pop(_PENDING_CALLS, None)
        return
    unsent = session.info.get(_PENDING)
    if unsent:
        unsent[:] = [item for item in unsent if not _inside(item.savepoint, previous)]
    calls = session.info.get(_PENDING_CALLS)
    if calls:
        calls[:] = [item for item in calls if not _inside(item[2], previous)]


def _inside(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False
