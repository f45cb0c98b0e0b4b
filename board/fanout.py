"""Fan-out without waking a thread per socket: one event to K WebSockets as one loop.

In Flask-SocketIO's threading mode every WebSocket has its own writer thread fed by a
queue, so one broadcast puts a packet on K queues and wakes K threads, which then take
turns at the GIL to encode and send the same bytes. Here the emitting thread encodes the
event once per emit (Socket.IO packet → Engine.IO packet → one WebSocket text frame) and
writes that frame to each socket itself, without blocking: a socket whose buffer is full,
that is not (yet) on WebSocket, or whose writer still has packets queued gets the packet
through its queue as before, so each socket still receives everything in order.

Order per socket: a direct write happens only while the socket's queue is empty, its
writer holds nothing it took from the queue and no partly written frame is being
finished. A fan-out holds one lock (DIRECT_LOCK) for all its writes, and a writer takes
the same lock to take a packet off its queue, so nothing queued after a socket's check
can overtake the frame. The writer's own writes and a partly written frame's rest hold
the socket's send lock. What a direct write needs is looked up once per socket
(`DirectWriter`), when its writer thread starts on WebSocket: the per-socket cost is
then little more than the `send` itself (bench/fanoutcpu.py). Frames are sent unmasked
and uncompressed (RFC 6455 server frames; no compression is agreed with the clients:
`websocket_class`).
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any

import socketio as socketio_lib
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from board.kept import keep

log = logging.getLogger(__name__)
# Envelopes in one batch event at most: a pass after a long stall stays a few frames of
# well under a client's message limit (aiohttp's is 4 MiB) rather than one huge one.
MAX_BATCH = 100
MSG_DONTWAIT = socket.MSG_DONTWAIT
# Audiences (a pass's rooms) whose sockets are kept between room changes (DirectManager):
# the board room and its masked copies, and the private events' recipients of the moment.
MAX_AUDIENCES = 256


def text_frame(text: str) -> bytes:
    """One final, unmasked WebSocket text frame (what a server sends)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


_EXTENSIONS_OFFERED = "HTTP_SEC_WEBSOCKET_EXTENSIONS"


def websocket_class(base: type, max_message_size: int) -> Any:
    """Engine.IO's threading WebSocket wrapper, made to share its socket with the direct
    writes: its sends take a lock, and its Engine.IO socket gets a `DirectWriter`, which
    learns when the writer thread holds a packet and, once the socket is on WebSocket,
    is listed in `writers_of(server)` for the fan-out.

    It also declines the client's offer of permessage-deflate (RFC 7692), which every
    browser makes and simple-websocket accepts: each compressing socket keeps a zlib
    compressor of about 256 KiB for as long as it is open, nearly all of the memory a
    connected tab cost the server (bench/sockets.py). Only what the socket's own writer
    sends was compressed (pings, a private event, a socket that fell behind); the fan-out's
    frames never were. Node's socket.io server declines it by default for the same reason."""

    class DirectWebSocket(base):
        def __init__(self, handler, server, **kwargs):
            super().__init__(handler, server, max_message_size=max_message_size, **kwargs)
            self.send_lock = threading.Lock()
            eio_socket = getattr(handler, "__self__", None)
            self.writer = None
            if eio_socket is not None:
                self.writer = DirectWriter(eio_socket, self, writers_of(server))

        def __call__(self, environ, start_response):
            # simple-websocket answers the handshake from these headers: without the offer,
            # no extension is agreed and no compressor is made
            environ = {k: v for k, v in environ.items() if k != _EXTENSIONS_OFFERED}
            return super().__call__(environ, start_response)

        def send(self, message):
            with self.send_lock:
                return super().send(message)

        def close(self):
            if self.writer is not None:
                self.writer.unlist()  # the writer thread has ended: nothing goes direct
            super().close()

    return DirectWebSocket


def writers_of(eio_server: Any) -> dict[str, DirectWriter]:
    """The Engine.IO server's sockets that take direct writes: eio sid → DirectWriter."""
    writers = getattr(eio_server, "board_writers", None)
    if writers is None:
        writers = eio_server.board_writers = {}
    return writers


# Held by a fan-out for all its direct writes, and by a writer thread while it takes a
# packet off its queue: no writer takes a packet (and so starts sending) while a fan-out
# writes, so one look at each socket's queue and writer, once, decides (write_frames).
# Never held while waiting for a lock that may wait for it (a queue's lock above all: a
# writer takes this one while holding its queue's); the one lock taken under it, a
# socket's send lock after a partial write, is free then (write_frames).
DIRECT_LOCK = threading.Lock()


class DirectWriter:
    """One socket's direct path, looked up once when its writer thread starts on
    WebSocket instead of attribute by attribute on every write: its queue's deque, the
    socket's send lock and the network socket's `send`.

    `busy` is True from the moment the writer takes a packet off the queue (under the
    queue's lock and DIRECT_LOCK) until it asks for the next one (when the previous ones
    are sent)."""

    __slots__ = (
        "busy",
        "eio_socket",
        "pending",
        "send",
        "send_lock",
        "sid",
        "sock",
        "writers",
        "ws",
    )

    def __init__(self, eio_socket: Any, ws: Any, writers: dict):
        self.busy = False
        self.send = None  # the network socket's send, once listed
        self.sock = None
        self.eio_socket = eio_socket
        self.ws = ws
        self.sid = eio_socket.sid
        self.writers = writers
        queue = eio_socket.queue
        self.pending = queue.queue
        self.send_lock = ws.send_lock
        take = queue._get
        poll = eio_socket.poll

        def taken():
            with DIRECT_LOCK:
                self.busy = True
                return take()

        def polled():
            self.busy = False
            if self.send is None:
                self._list()
            return poll()

        queue._get = taken
        eio_socket.poll = polled
        eio_socket.board_websocket = ws
        eio_socket.board_writer = self

    def _list(self) -> None:
        """Take direct writes from now on, if the socket is on WebSocket (the writer
        thread's first poll: the upgrade is complete) and not behind TLS."""
        eio_socket = self.eio_socket
        if not eio_socket.upgraded or eio_socket.upgrading or eio_socket.closed:
            return  # a long-polling request's poll, or the socket is ending
        raw = getattr(self.ws, "ws", None)
        sock = getattr(raw, "sock", None)
        if sock is None or isinstance(sock, ssl.SSLSocket) or not raw.connected:
            return
        self.sock = sock
        self.send = sock.send
        self.writers[self.sid] = self

    def unlist(self) -> None:
        with DIRECT_LOCK:
            self.busy = True  # for good: the writer thread is gone
            self.writers.pop(self.sid, None)


def write_frames(writers: dict[str, DirectWriter], eio_sids, frame: bytes) -> list[str]:
    """Write `frame` now to each of `eio_sids` that can take it in order without waiting;
    returns the others, which must get the packet through their queue.

    A socket takes a direct write while its queue is empty, its writer holds no packet
    and no partly written frame is being finished. DIRECT_LOCK keeps every writer from
    taking a packet meanwhile, so nothing put on a queue after its look can overtake the
    frame. The send lock is only looked at: while the writer holds no packet, only a
    partly written frame's rest can hold it. This loop is the fan-out's cost per socket:
    one dict look-up, three looks and the `send` (bench/fanoutcpu.py)."""
    queued = []
    partial = []
    size = len(frame)
    get = writers.get
    with DIRECT_LOCK:
        for eio_sid in eio_sids:
            writer = get(eio_sid)
            if writer is None or writer.pending or writer.busy or writer.send_lock.locked():
                queued.append(eio_sid)
                continue
            try:
                sent = writer.send(frame, MSG_DONTWAIT)
            except OSError:  # BlockingIOError: its buffer is full, the queue will wait;
                queued.append(eio_sid)  # anything else: closing, the usual path cleans up
                continue
            if sent != size:  # rare: the rest goes in the background, send lock held
                writer.send_lock.acquire()
                partial.append((writer, frame[sent:]))
    for writer, rest in partial:
        threading.Thread(target=_finish, args=(writer, rest), daemon=True).start()
    return queued


def _finish(writer: DirectWriter, rest: bytes) -> None:
    try:
        writer.sock.sendall(rest)
    except OSError:
        pass  # the connection is gone; its reader ends the socket
    finally:
        writer.send_lock.release()


@dataclass(frozen=True)
class Activities:
    """The names a fan-out pass is delivered under (board/realtime.py): `internal` is the
    pass as one message between processes, never sent to a socket; `single` carries one
    envelope; `batch` a list of them, to the sockets in `batch_room` only."""

    internal: str
    single: str
    batch: str
    batch_room: str


class DirectManager(socketio_lib.Manager):
    """python-socketio's in-process manager, delivering broadcasts with `write_frames`."""

    activities: Activities | None = None

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kw):
        server = self.server
        if self.activities is not None and event == self.activities.internal:
            return self.deliver_activities(namespace, data)
        if callback is not None or skip_sid or server.eio.async_mode != "threading":
            return super().emit(event, data, namespace, room, skip_sid, callback, to, **kw)
        if namespace not in self.rooms:
            return None
        # As python-socketio does: a tuple is several arguments, None none.
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        packets = self._packets(namespace, [event, *args])
        if packets is None:  # binary attachments: the usual path
            return super().emit(event, data, namespace, room, skip_sid, callback, to, **kw)
        self._send(
            packets, (eio_sid for _sid, eio_sid in self.get_participants(namespace, to or room))
        )
        return None

    def deliver_activities(self, namespace, items) -> None:
        """One fan-out pass, to this process's sockets: `items` are (payload, rooms) in seq
        order. A socket gets the payloads of the items whose rooms it is in, in that order:
        one `single` event each, or, when it is in the batch room and has more than one,
        all of them in one `batch` event (one frame). Sockets with the same rooms share
        the encoded frame, so a pass costs one frame per socket however many it carries."""
        if not items or not self.rooms.get(namespace):
            return
        names = self.activities
        # The distinct audiences of the pass, and for every socket the set it is in.
        audiences: dict[tuple, int] = {}
        item_audience = []
        for _payload, rooms in items:
            key = (rooms,) if isinstance(rooms, str) else tuple(rooms)
            item_audience.append(audiences.setdefault(key, len(audiences)))
        singles: list[list[str]] = []  # audience → eio sids that take one envelope per event
        groups: dict[int, list[str]] = {}  # bit set of audiences → eio sids that take batches
        if len(audiences) == 1:  # a quiet board's pass: one audience, nothing to sort
            [(key, _bit)] = audiences.items()
            batch, single = self._audience(namespace, key)
            singles.append(single)
            if batch:
                groups[1] = batch
        else:
            member_of: dict[str, int] = {}  # batch socket's eio sid → bit set of audiences
            for key, bit in audiences.items():
                batch, single = self._audience(namespace, key)
                singles.append(single)
                for eio_sid in batch:
                    member_of[eio_sid] = member_of.get(eio_sid, 0) | (1 << bit)
            for eio_sid, bits in member_of.items():
                groups.setdefault(bits, []).append(eio_sid)
        encoded: dict[int, tuple] = {}

        def single(i: int):
            if i not in encoded:
                encoded[i] = self._packets(namespace, [names.single, items[i][0]])
            return encoded[i]

        # Sockets that take one envelope per event: each item in order, as ever.
        for i, bit in enumerate(item_audience):
            if singles[bit]:
                self._send(single(i), singles[bit])
        # Sockets that take batches: one event with everything the pass has for them.
        for bits, eio_sids in groups.items():
            mine = [i for i, bit in enumerate(item_audience) if bits >> bit & 1]
            for start in range(0, len(mine), MAX_BATCH):
                part = mine[start : start + MAX_BATCH]
                if len(part) == 1:
                    packets = single(part[0])
                else:
                    packets = self._packets(namespace, [names.batch, [items[i][0] for i in part]])
                self._send(packets, eio_sids)

    def _audience(self, namespace, key: tuple) -> tuple[list[str], list[str]]:
        """The eio sids of the sockets in the rooms `key`: those that take batches, and
        the others. Kept until a socket enters or leaves a room, so that a pass starts
        writing at once instead of first walking every member of its rooms (a copy of the
        rooms, a look in the batch room per socket: 40 µs at 500 sockets, 75 at 1,000).
        Every change to a room replaces the whole cache once it is made, so a pass that
        finds the cache sees the change. Callers never change the lists."""
        cache = self.__dict__.get("_audiences")
        if cache is None:
            cache = self._audiences = {}
        found = cache.get((namespace, key))
        if found is None:
            batch_room = self.rooms.get(namespace, {}).get(self.activities.batch_room)
            takes_batches = batch_room._fwdm if batch_room is not None else {}
            batch: list[str] = []
            single: list[str] = []
            for sid, eio_sid in self.get_participants(namespace, list(key)):
                (batch if sid in takes_batches else single).append(eio_sid)
            # private events name ever new rooms: keep a bounded few
            found = keep(cache, (namespace, key), (batch, single), MAX_AUDIENCES)
        return found

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        try:
            return super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        finally:
            self._audiences = {}

    def basic_leave_room(self, sid, namespace, room):
        try:
            return super().basic_leave_room(sid, namespace, room)
        finally:
            self._audiences = {}

    def _packets(self, namespace, data: list):
        """The Engine.IO packet and the WebSocket frame for one event, or None when it
        has binary attachments."""
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=data
        ).encode()
        if isinstance(encoded, list):
            return None
        eio_pkt = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        direct = self.server.eio.async_mode == "threading"
        return eio_pkt, text_frame(eio_pkt.encode()) if direct else None

    def _send(self, packets, eio_sids) -> None:
        eio_pkt, frame = packets
        server = self.server
        if frame is not None:
            eio_sids = write_frames(writers_of(server.eio), eio_sids, frame)
        for eio_sid in eio_sids:  # after DIRECT_LOCK: a queue's lock is never taken under it
            server._send_eio_packet(eio_sid, eio_pkt)
