"""Socket.IO: authenticated connect, rooms, presence, ending sockets. No business logic.

The socket only pushes (server → client): every write goes through the HTTP API, so no
handler here reads anything a client sends. Each socket joins the public `board` room,
its person's `user:<id>` room (private events; ended on a role change or removal) and
its login's `session:<board_sid>` room (ended at logout).

Ending sockets works across processes: with a message queue, an internal `_END_SOCKETS`
message travels the same Redis channel as the events and every process disconnects its
own sockets in that room; the CLI, a separate process, uses the same path. Without a
queue (one process, SQLite) the CLI cannot reach the server, so the server re-checks each
socket's `session_version` before every emit and on a heartbeat.
"""

from __future__ import annotations

import atexit
import gc
import logging
import sys
import threading
import time
from dataclasses import dataclass

import redis
import socketio as socketio_lib
from flask import Flask, request
from flask import session as cookie_session
from flask_login import current_user
from flask_socketio import SocketIO, join_room
from sqlalchemy import select

from board import events, fanout, people, pings, policy, privacy
from board.i18n import LANGUAGES, current_language, force_locale
from board.presence import LocalStore, Presence, RedisStore
from board.settings import Settings, SettingsError, check_origins
from models import User

log = logging.getLogger(__name__)

# Chosen by measurement against gevent (bench/, docs/performance.md): threads keep
# SQLite, psycopg and argon2 from stalling every socket, and deliver within the target.
ASYNC_MODE = "threading"
# Clients send nothing but the connect packet and pongs; anything bigger is refused.
MAX_CLIENT_MESSAGE_BYTES = 16 * 1024
NAMESPACE = "/"
# One emit wakes a writer thread per socket; at Python's default 5 ms switch interval
# they preempt the emitting thread hundreds of times, which stretched the voter's own
# request from ~20 ms to ~150 ms at 500 sockets (docs/performance.md).
GIL_SWITCH_INTERVAL_SECONDS = 0.02
# Liveness: the server pings every PING_INTERVAL and gives a client PING_TIMEOUT to answer;
# clients give the server as long to ping (browsers: interval + timeout; python-engineio:
# max of the two + 5 s). At Engine.IO's default 20 s timeout a Python client dropped when
# a ping came 5 s late: a busy server that fell a few seconds behind lost all its clients
# at once, and their reconnects (a handshake, four threads and a login check each) kept it
# behind (the day of load, docs/reliability.md). A dead client is now noticed after 85 s.
PING_INTERVAL_SECONDS = 25
PING_TIMEOUT_SECONDS = 60
_END_SOCKETS = "board:end-sockets"  # internal message between processes, never emitted
# Internal, never emitted: one fan-out pass's envelopes (and their masked copies) with
# their rooms, delivered by each process to its own sockets (fanout.DirectManager).
_ACTIVITIES = "board:activities"
ACTIVITY = "activity"
# To sockets that asked for it at connect (`auth: {"batch": true}`): several envelopes in
# one event, a list in seq order, when the server has more than one ready for the socket.
ACTIVITY_BATCH = "activity.batch"
BATCH_ROOM = "board:batch"  # the sockets that take ACTIVITY_BATCH
RESYNC = "resync"  # to clients: fetch what you missed from GET /api/v1/events

socketio = SocketIO()


@dataclass(frozen=True)
class Connection:
    """What one socket was opened with: enough to count it and to re-check it."""

    user_id: int
    session_version: int
    department: str
    board_sid: str
    masked: bool = False  # works-council mode: an observer, shown departments only
    language: str = "en"  # what "other departments" is written in for a masked one


class Live:
    """This process's sockets for one app, their presence counts and their re-checks."""

    def __init__(self, app: Flask, settings: Settings):
        self.app = app
        self.settings = settings
        self.database = app.extensions["board_db"]
        self.multi_process = settings.message_queue is not None
        self.connections: dict[str, Connection] = {}
        self._lock = threading.Lock()
        # The checks below run right after a commit, while the committing request still
        # holds its pooled connection: they read through a connection of their own, one
        # check at a time, and never wait for the request pool (docs/reliability.md).
        self._check_lock = threading.Lock()
        self._background = not settings.testing
        self._started = False
        self._people_revision: int | None = None
        if self.multi_process:
            client = redis.Redis.from_url(settings.message_queue, **REDIS_TIMEOUTS)
            store = RedisStore(client, prefix=settings.socketio_channel)
        else:
            store = LocalStore()
        self.presence = Presence(
            store,
            self.online,
            _emit_presence,
            on_heartbeat=self.revalidate,
            on_error=lambda error: redis_health.failed("presence", error),
            on_ok=lambda: redis_health.succeeded("presence"),
        )

    def add(self, sid: str, connection: Connection) -> None:
        with self._lock:
            self.connections[sid] = connection
            # Its login was checked a moment ago, maybe before a revocation the last
            # check already saw: the next check looks at every socket again.
            self._people_revision = None
        self.presence.changed(newcomer=sid)
        self._start_background()

    def remove(self, sid: str) -> None:
        with self._lock:
            gone = self.connections.pop(sid, None)
        if gone is not None:
            self.presence.changed()

    def online(self) -> dict[int, str]:
        """The people with a socket on this process: user id → department name."""
        with self._lock:
            return {c.user_id: c.department for c in self.connections.values()}

    def revalidate_if_people_changed(self) -> list[str]:
        """A cheap check before every emit: the full one only when some session was
        revoked since the last check (a role change or removal bumps session_version)."""
        with self._lock:
            if not self.connections:
                return []
        with self._check_lock:
            revision = self._people_revision_now()
        if revision == self._people_revision:
            return []
        ended = self.revalidate()
        self._people_revision = revision  # read before the full check: nothing slips by
        return ended

    def _people_revision_now(self) -> int:
        """The number the database raises whenever a session may have ended
        (people.REVISION_TABLE: one row, whatever the number of people), read through the
        own driver connection kept for it (Database.own_scalar): this runs before every
        fan-out pass, and SQLAlchemy's execute (with its BEGIN) cost three times the query
        itself (bench/fanoutcpu.py, `publish`), a pool's checkout and return as much again."""
        return self.database.own_scalar(people.REVISION_READ)

    def revalidate(self) -> list[str]:
        """End the sockets whose person was removed or changed role since they connected."""
        with self._lock:
            connections = dict(self.connections)
        if not connections:
            return []
        ids = {c.user_id for c in connections.values()}
        with self._check_lock, self._own_connection() as connection:
            current = {
                uid: (version, active)
                for uid, version, active in connection.execute(
                    select(User.id, User.session_version, User.active).where(User.id.in_(ids))
                )
            }
        stale = [
            sid
            for sid, c in connections.items()
            if current.get(c.user_id) != (c.session_version, True)
        ]
        for sid in stale:
            _end_local_socket(socketio.server, sid)
        return stale

    def _own_connection(self):
        return self.database.own_connection_engine().connect()

    def _start_background(self) -> None:
        if not self._background or self._started:
            return
        with self._lock:
            if self._started:
                return
            self._started = True
        socketio.start_background_task(self.presence.run)
        atexit.register(self.presence.stop)


_live: Live | None = None


def masked_room(language: str) -> str:
    """Observers in works-council mode: the public events, people shown as departments,
    in the room of their language (the "someone from …" is written in it)."""
    return f"board:masked:{language}"


def live() -> Live:
    if _live is None:
        raise RuntimeError("init_realtime() has not run")
    return _live


# Redis paused or unreachable must not hold a request: a command gives up after this.
REDIS_TIMEOUTS = {"socket_timeout": 2, "socket_connect_timeout": 2}
RESUBSCRIBE_MAX_SECONDS = 5  # the listener retries at least this often while Redis is away


class RedisHealth:
    """One clear log line when Redis goes away and one when it is back, not one per
    event; and when it is back, every open board is told to catch up from the event log
    (what was published meanwhile never reached the other processes' sockets)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._down_since: float | None = None

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, what: str, error: Exception) -> None:
        with self._lock:
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
        log.error(
            "Redis unreachable (%s: %s). Writes go on and are kept in the database; live "
            "updates between server processes and the shared presence count pause until "
            "it is back, then every open board catches up from the event log.",
            what,
            error,
        )

    def succeeded(self, what: str) -> None:
        with self._lock:
            if self._down_since is None:
                return
            outage = time.monotonic() - self._down_since
            self._down_since = None
        log.warning(
            "Redis is back after %.0f s (%s); asking every open board to catch up.", outage, what
        )
        socketio.start_background_task(request_resync)


redis_health = RedisHealth()


def request_resync() -> None:
    """Tell every open board, on every process, to fetch what it missed from the log."""
    rooms = [events.PUBLIC_ROOM, *(masked_room(lang) for lang in LANGUAGES)]
    socketio.emit(RESYNC, {"reason": "message queue"}, to=rooms, namespace=NAMESPACE)


class _EndingRedisManager(socketio_lib.RedisManager, fanout.DirectManager):
    """The Redis fan-out, which also carries 'end the sockets in this room' to every
    process (the Socket.IO queue has no room-wide disconnect of its own), and which
    survives Redis going away: publishing gives up after 2 s without retry storms or a
    log line per event, and the listener re-subscribes every few seconds, quietly."""

    def __init__(self, url: str, channel: str):
        super().__init__(url, channel=channel)
        self._publisher = redis.Redis.from_url(url, **REDIS_TIMEOUTS)

    def _handle_emit(self, message):
        if message.get("event") == _END_SOCKETS:
            _end_local_room(self.server, message.get("room"))
            return
        super()._handle_emit(message)

    def _publish(self, data):
        try:
            self._publisher.publish(self.channel, self.json.dumps(data))
        except Exception as error:  # noqa: BLE001 - any Redis failure: note it, go on
            redis_health.failed("publish", error)
            return  # this process's own sockets already have it; the others catch up
        redis_health.succeeded("publish")

    def _listen(self):
        """The channel's messages; the passes of other processes that are already waiting
        when one is read go on as one (this process's sockets then get one frame for all of
        them, as its own passes do when its fan-out is behind)."""
        for data in super()._listen():
            waiting = [data]
            while len(waiting) < MAX_PASSES_JOINED and (more := self._waiting_message()):
                waiting.append(more)
            yield from _join_passes(waiting, self.host_id, self.json)

    def _waiting_message(self):
        """The next message if one has arrived already, else None (never blocks)."""
        try:
            message = self.pubsub.get_message(timeout=0)
        except Exception:  # noqa: BLE001 - the blocking listen notices and reconnects
            return None
        if message and message.get("type") == "message":
            return message.get("data")
        return None

    def _redis_listen_with_retries(self):
        retry = 1.0
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                redis_health.succeeded("subscribe")
                retry = 1.0
                yield from self.pubsub.listen()
            except Exception as error:  # noqa: BLE001 - any Redis failure: note it, retry
                redis_health.failed("subscribe", error)
                time.sleep(retry)
                retry = min(retry * 2, RESUBSCRIBE_MAX_SECONDS)


MAX_PASSES_JOINED = 50  # messages read ahead at most, so that none waits long behind them


def _join_passes(raw: list, host_id: str, json) -> list:
    """Decode `raw` channel messages and join runs of other processes' fan-out passes
    into one pass (their items in the order they came); everything else stays as it was,
    in its place."""
    out: list = []
    for data in raw:
        try:
            message = json.loads(data) if not isinstance(data, dict) else data
        except ValueError:
            continue  # as python-socketio does with what it cannot read
        joinable = (
            isinstance(message, dict)
            and message.get("method") == "emit"
            and message.get("event") == _ACTIVITIES
            and message.get("host_id") != host_id
        )
        last = out[-1] if out else None
        if joinable and last is not None and last.get("board_joined"):
            last["data"] = [last["data"][0] + message["data"][0]]
        elif joinable:
            out.append({**message, "board_joined": True})
        else:
            out.append(message)
    return out


def _client_manager(settings: Settings):
    if settings.message_queue:
        manager = _EndingRedisManager(settings.message_queue, channel=settings.socketio_channel)
    else:
        manager = fanout.DirectManager()
    manager.activities = fanout.Activities(_ACTIVITIES, ACTIVITY, ACTIVITY_BATCH, BATCH_ROOM)
    return manager


def init_realtime(app: Flask, settings: Settings) -> None:
    global _live
    origins = check_origins(settings.cors_origins)
    socketio.init_app(
        app,
        async_mode=ASYNC_MODE,
        client_manager=_client_manager(settings),
        cors_allowed_origins=origins,
        manage_session=False,
        max_http_buffer_size=MAX_CLIENT_MESSAGE_BYTES,
        ping_interval=PING_INTERVAL_SECONDS,
        ping_timeout=PING_TIMEOUT_SECONDS,
    )
    _limit_websocket_frames(socketio.server.eio)
    pings.share_ping_timer(socketio.server.eio)
    app.wsgi_app = socket_paths_apart(app.wsgi_app)
    require_origin_check()
    _live = Live(app, settings)
    app.extensions["board_live"] = _live
    events.add_batch_publisher(publish_all)
    events.add_socket_ender(end_room)


def tune_server_process() -> None:
    """Process-wide settings for a serving process (app.py calls this; tests do not)."""
    if ASYNC_MODE == "threading":
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)
    # Everything loaded at start-up lives as long as the process: keep it out of the
    # collector's full passes, which otherwise rescan it while sockets wait.
    gc.freeze()


def require_origin_check() -> None:
    """Refuse to run with the Socket.IO origin check switched off, however it happened."""
    allowed = socketio.server.eio.cors_allowed_origins
    if allowed is not None:
        try:
            check_origins(allowed)
        except SettingsError as error:
            raise SettingsError(f"Socket.IO origin check is off: {error}") from None


def _limit_websocket_frames(eio) -> None:
    """Make simple-websocket itself stop reading a message past the size limit (Engine.IO
    checks only after the whole message is in memory), and let broadcasts write to the
    socket directly (board/fanout.py)."""
    if eio.async_mode != "threading":
        return
    base = eio._async["websocket"]
    if getattr(base, "board_direct", False):
        return  # init_app ran before (tests build several apps on one SocketIO)
    websocket = fanout.websocket_class(base, MAX_CLIENT_MESSAGE_BYTES)
    websocket.board_direct = True
    eio._async = {**eio._async, "websocket": websocket}


# ---- sending ----------------------------------------------------------------------------


def publish_all(items: list[tuple[dict, list[str]]]) -> None:
    """events.py calls this once per fan-out pass, after the commits, with the pass's
    envelopes in seq order: one message, which every process delivers to its own sockets
    (fanout.Activities: one `activity` per envelope, or one `activity.batch` per socket
    that asked for it). The works-council observers' copies are masked here, once per
    language for the whole pass, and keep their place in the order."""
    # A private event without recipients reaches nobody, never everyone.
    items = [(envelope, list(rooms)) for envelope, rooms in items if rooms]
    if not items:
        return
    if _live is not None and not _live.multi_process:
        _live.revalidate_if_people_changed()  # the CLI, another process, cannot reach us
    masked: dict[str, list[dict]] = {}
    public = [envelope for envelope, rooms in items if events.PUBLIC_ROOM in rooms]
    if public and _masking():
        masked = _masked_copies(lambda mask: [mask.people(envelope) for envelope in public])
    # Each public envelope is followed by its masked copies, one per observer language.
    copies = {masked_room(language): iter(each) for language, each in masked.items()}
    deliveries: list[tuple[dict, list[str]]] = []
    for envelope, rooms in items:
        deliveries.append((envelope, rooms))
        if events.PUBLIC_ROOM in rooms:
            deliveries += [(next(copy), [room]) for room, copy in copies.items()]
    socketio.emit(_ACTIVITIES, deliveries, namespace=NAMESPACE)


def _masking() -> bool:
    return _live is not None and not _live.settings.observers_see_names


def _emit_masked(event: str, build) -> None:
    """Send `build(mask)` to the works-council observers, in each language's room."""
    for language, payload in _masked_copies(build).items():
        socketio.emit(event, payload, to=masked_room(language), namespace=NAMESPACE)


def _masked_copies(build) -> dict:
    """`build(mask)` in each observer language, with that language's mask."""
    copies = {}
    with _live.app.app_context(), _live.database.ReadSession() as session:
        minimum = privacy.min_group_size(_live.settings)
        for language in LANGUAGES:
            with force_locale(language):
                copies[language] = build(privacy.Mask.build(session, None, minimum))
    return copies


def pooled_presence(snapshot: dict, mask: privacy.Mask) -> dict:
    """The presence counts with small departments counted together."""
    departments: dict[str, int] = {}
    for name, count in snapshot.get("departments", {}).items():
        shown = mask.department_name(name)
        departments[shown] = departments.get(shown, 0) + count
    return {"online": snapshot.get("online", 0), "departments": dict(sorted(departments.items()))}


def _emit_presence(snapshot: dict, to: str | None) -> None:
    if to is not None:
        connection = _live.connections.get(to) if _live is not None else None
        if connection is not None and connection.masked:
            with (
                _live.app.app_context(),
                _live.database.ReadSession() as session,
                force_locale(connection.language),
            ):
                mask = privacy.Mask.build(session, None, privacy.min_group_size(_live.settings))
                snapshot = pooled_presence(snapshot, mask)
        socketio.emit("presence", snapshot, to=to, namespace=NAMESPACE)
        return
    socketio.emit("presence", snapshot, to=events.PUBLIC_ROOM, namespace=NAMESPACE)
    if _masking():
        _emit_masked("presence", lambda mask: pooled_presence(snapshot, mask))


def flush_presence() -> dict:
    """Send the presence counts now if they changed (the background loop does this)."""
    return live().presence.flush()


# ---- ending sockets ---------------------------------------------------------------------


def end_room(room: str) -> None:
    """Disconnect every socket in `room`, on every server process."""
    server = socketio.server
    if isinstance(server.manager, socketio_lib.PubSubManager):
        socketio.emit(_END_SOCKETS, None, to=room, namespace=NAMESPACE)
    else:
        _end_local_room(server, room)


def _end_local_room(server, room: str | None) -> None:
    if not room:
        return
    for sid, _eio_sid in list(server.manager.get_participants(NAMESPACE, room)):
        _end_local_socket(server, sid)


def _end_local_socket(server, sid: str) -> None:
    """Tell the client it was disconnected (so it does not retry), then close the
    transport too, so that the connection cannot be reused for a new connect."""
    eio_sid = server.manager.eio_sid_from_sid(sid, NAMESPACE)
    server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
    transport = server.eio.sockets.get(eio_sid) if eio_sid is not None else None
    if transport is not None:
        # wait=False: Engine.IO's waiting close blocks until a long-polling client polls
        # once more, which a client that was just told to go never does.
        transport.close(wait=False)


def socket_paths_apart(sockets, limit: int = MAX_CLIENT_MESSAGE_BYTES):
    """In front of Flask-SocketIO's middleware `sockets`: Engine.IO's requests go through
    it, every other request straight to the Flask app behind it.

    For every request Flask-SocketIO's middleware copies the environ, and under gunicorn
    Engine.IO's defines a class (eventlet's view of gunicorn's socket), garbage for the
    collector: ~10 µs of a page's or an API call's time, for what only a socket uses
    (bench/listinstructions.py --served). A long-polling POST over the limit is answered
    413 here, before Engine.IO reads it: Engine.IO's own refusal closes the connection
    with a close that waits for the client's next poll, holding a server thread until
    then; this one holds nothing.
    """
    prefix = sockets.engineio_path.rstrip("/")  # /socket.io

    def middleware(environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(prefix):
            return sockets.wsgi_app(environ, start_response)  # read now: `run` may wrap it
        if environ.get("REQUEST_METHOD") == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = limit + 1
            if length > limit:
                start_response("413 Content Too Large", [("Content-Type", "text/plain")])
                return [b"Message too large."]
        return sockets(environ, start_response)

    return middleware


# ---- handlers ---------------------------------------------------------------------------


@socketio.on("connect")
def on_connect(auth=None):
    if not policy.can(current_user, "board.read"):
        return False
    board_sid = cookie_session.get("board_sid")
    if not board_sid:
        return False  # a socket that logout could not find must not exist
    user = current_user
    masked = not privacy.sees_names(user)
    # Works-council mode: observers get the public events with people as departments.
    join_room(masked_room(current_language()) if masked else events.PUBLIC_ROOM)
    join_room(events.user_room(user.id))
    join_room(events.session_room(board_sid))
    if isinstance(auth, dict) and auth.get("batch") is True:
        join_room(BATCH_ROOM)  # it takes several envelopes in one `activity.batch`
    live().add(
        request.sid,
        Connection(
            user.id,
            user.session_version,
            user.department.name,
            board_sid,
            masked,
            current_language(),
        ),
    )
    return True


@socketio.on("disconnect")
def on_disconnect(reason=None):
    live().remove(request.sid)


def session_room(board_sid: str) -> str:
    return events.session_room(board_sid)
