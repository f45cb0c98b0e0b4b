"""Fan-out without waking a thread per socket: one event to K WebSockets as one loop.

In Flask-SocketIO's threading mode every WebSocket has its own writer thread fed by a
queue, so one broadcast puts a packet on K queues and wakes K threads, which then take
turns at the GIL to encode and send the same bytes. Here the emitting thread encodes the
event once per emit (Socket.IO packet → Engine.IO packet → one WebSocket text frame) and
writes that frame to each socket itself, without blocking: a socket whose buffer is full,
that is not (yet) on WebSocket, or whose writer still has packets queued gets the packet
through its queue as before, so each socket still receives everything in order.

Order per socket: a direct write happens only while the socket's queue is empty and its
writer holds nothing it took from the queue (checked under the queue's own lock, which
the writer's `get` takes too), and every write, the writer's and ours, holds the
socket's send lock. Frames are sent unmasked and uncompressed (RFC 6455 server frames;
RFC 7692 allows uncompressed messages when permessage-deflate was negotiated).
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

log = logging.getLogger(__name__)
# Envelopes in one batch event at most: a pass after a long stall stays a few frames of
# well under a client's message limit (aiohttp's is 4 MiB) rather than one huge one.
MAX_BATCH = 100


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


def websocket_class(base: type, max_message_size: int) -> Any:
    """Engine.IO's threading WebSocket wrapper, made to share its socket with `write_direct`:
    its sends take a lock, and its Engine.IO socket learns when its writer holds a packet."""

    class DirectWebSocket(base):
        def __init__(self, handler, server, **kwargs):
            super().__init__(handler, server, max_message_size=max_message_size, **kwargs)
            self.send_lock = threading.Lock()
            self.writer_busy = False
            eio_socket = getattr(handler, "__self__", None)
            if eio_socket is not None:
                _attach(eio_socket, self)

        def send(self, message):
            with self.send_lock:
                return super().send(message)

    return DirectWebSocket


def _attach(eio_socket: Any, ws: Any) -> None:
    """Mark the writer busy from the moment it takes a packet off the queue (under the
    queue's lock) until it asks for the next one (when the previous ones are sent)."""
    queue = eio_socket.queue
    take = queue._get
    poll = eio_socket.poll

    def taken():
        item = take()
        ws.writer_busy = True
        return item

    def polled():
        ws.writer_busy = False
        return poll()

    queue._get = taken
    eio_socket.poll = polled
    eio_socket.board_websocket = ws


def write_direct(eio_socket: Any, frame: bytes) -> bool:
    """Write `frame` to this socket now if that keeps its order and needs no waiting;
    False when the caller must queue the packet instead (nothing was written then)."""
    ws = getattr(eio_socket, "board_websocket", None)
    if ws is None or not eio_socket.upgraded or eio_socket.upgrading or eio_socket.closed:
        return False
    raw = getattr(ws, "ws", None)
    sock = getattr(raw, "sock", None)
    if sock is None or isinstance(sock, ssl.SSLSocket) or not raw.connected:
        return False
    queue = eio_socket.queue
    with queue.mutex:
        if queue.queue or ws.writer_busy or not ws.send_lock.acquire(blocking=False):
            return False
    handed_off = False
    try:
        try:
            sent = sock.send(frame, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return False  # its buffer is full: the queue and its writer will wait for it
        except OSError:
            return False  # closing: the usual path notices and cleans up
        if sent < len(frame):  # rare: finish this frame in the background, lock held
            threading.Thread(target=_finish, args=(ws, sock, frame[sent:]), daemon=True).start()
            handed_off = True
        return True
    finally:
        if not handed_off:
            ws.send_lock.release()


def _finish(ws: Any, sock: socket.socket, rest: bytes) -> None:
    try:
        sock.sendall(rest)
    except OSError:
        pass  # the connection is gone; its reader ends the socket
    finally:
        ws.send_lock.release()


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
    """python-socketio's in-process manager, delivering broadcasts with `write_direct`."""

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
        ns = self.rooms.get(namespace)
        if not ns or not items:
            return
        names = self.activities
        batch_sids = set(ns[names.batch_room]._fwdm) if names.batch_room in ns else set()
        # The distinct audiences of the pass, and for every socket the set it is in.
        audiences: dict[tuple, int] = {}
        item_audience = []
        for _payload, rooms in items:
            key = (rooms,) if isinstance(rooms, str) else tuple(rooms)
            item_audience.append(audiences.setdefault(key, len(audiences)))
        member_of: dict[str, int] = {}  # batch socket's eio sid → bit set of audiences
        singles: list[list[str]] = [[] for _ in audiences]  # audience → other eio sids
        for key, bit in audiences.items():
            for sid, eio_sid in self.get_participants(namespace, list(key)):
                if sid in batch_sids:
                    member_of[eio_sid] = member_of.get(eio_sid, 0) | (1 << bit)
                else:
                    singles[bit].append(eio_sid)
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
        groups: dict[int, list[str]] = {}
        for eio_sid, bits in member_of.items():
            groups.setdefault(bits, []).append(eio_sid)
        for bits, eio_sids in groups.items():
            mine = [i for i, bit in enumerate(item_audience) if bits >> bit & 1]
            for start in range(0, len(mine), MAX_BATCH):
                part = mine[start : start + MAX_BATCH]
                if len(part) == 1:
                    packets = single(part[0])
                else:
                    packets = self._packets(namespace, [names.batch, [items[i][0] for i in part]])
                self._send(packets, eio_sids)

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
        sockets = server.eio.sockets
        for eio_sid in eio_sids:
            eio_socket = sockets.get(eio_sid) if frame is not None else None
            if eio_socket is None or not write_direct(eio_socket, frame):
                server._send_eio_packet(eio_sid, eio_pkt)
