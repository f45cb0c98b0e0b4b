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
from typing import Any

import socketio as socketio_lib
from engineio import packet as eio_packet
from socketio import packet as sio_packet

log = logging.getLogger(__name__)


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


class DirectManager(socketio_lib.Manager):
    """python-socketio's in-process manager, delivering broadcasts with `write_direct`."""

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kw):
        server = self.server
        if callback is not None or skip_sid or server.eio.async_mode != "threading":
            return super().emit(event, data, namespace, room, skip_sid, callback, to, **kw)
        if namespace not in self.rooms:
            return None
        # As python-socketio does: a tuple is several arguments, None none.
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *args]
        ).encode()
        if isinstance(encoded, list):  # binary attachments: the usual path
            return super().emit(event, data, namespace, room, skip_sid, callback, to, **kw)
        room = to or room
        eio_pkt = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        frame = text_frame(eio_pkt.encode())
        sockets = server.eio.sockets
        for _sid, eio_sid in self.get_participants(namespace, room):
            eio_socket = sockets.get(eio_sid)
            if eio_socket is None or not write_direct(eio_socket, frame):
                server._send_eio_packet(eio_sid, eio_pkt)
        return None
