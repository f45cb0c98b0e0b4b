"""One thread pings every socket of a serving process, instead of one sleeping thread per
socket.

Engine.IO pings each client PING_INTERVAL after it connected or answered the last ping. In
threading mode python-engineio starts a thread for every such wait (`Socket._send_ping`:
sleep, then send the ping), so a socket held one sleeping thread nearly all the time, next
to its reader, its writer and simple-websocket's own, and a new one was started every
interval: at 2,000 open tabs 2,000 threads that only sleep, and 80 new ones a second.
Here those waits are one heap of due times, served by one thread per process (`Pings`),
which does at each socket's time what the sleeping thread did after its sleep. Sending a
ping only puts it on the socket's queue (its writer thread writes it), so the one thread
never waits on a slow client.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Any

from engineio import packet as eio_packet
from engineio import socket as eio_socket

log = logging.getLogger(__name__)
_SEND_PING = eio_socket.Socket._send_ping  # noqa: SLF001 - the wait this module replaces


class Pings:
    """The process's ping timer: `due(socket)` pings that socket one interval from now."""

    def __init__(self, interval: float, name: str = "board-pings"):
        self.interval = interval
        self.name = name
        self._due: list[tuple[float, int, Any]] = []  # (monotonic time, order, socket)
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def due(self, socket: Any) -> None:
        at = time.monotonic() + self.interval
        with self._condition:
            heapq.heappush(self._due, (at, next(self._order), socket))
            if self._thread is None:  # started in the process that serves (after a fork)
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            elif self._due[0][2] is socket:  # sooner than what the thread sleeps for
                self._condition.notify()

    def stop(self) -> None:
        """End the thread now (a server that stops serving; tests). Sockets still waiting
        are forgotten; the next `due` starts a thread again."""
        with self._condition:
            thread, self._thread = self._thread, None
            self._due.clear()
            self._condition.notify()
        if thread is not None:
            thread.join()

    def waiting(self) -> int:
        """How many sockets wait for their next ping."""
        with self._condition:
            return len(self._due)

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            due = self._next_due(me)
            if due is None:
                return
            for socket in due:
                try:
                    ping(socket)
                except Exception:  # one socket's failure must not stop everyone's pings
                    log.exception("could not ping socket %s", getattr(socket, "sid", "?"))

    def _next_due(self, me: threading.Thread) -> list[Any] | None:
        """The sockets whose ping is due, once there are any; None when stopped."""
        with self._condition:
            while True:
                if self._thread is not me:
                    return None
                now = time.monotonic()
                if self._due and self._due[0][0] <= now:
                    due = []
                    while self._due and self._due[0][0] <= now:
                        due.append(heapq.heappop(self._due)[2])
                    return due
                self._condition.wait(self._due[0][0] - now if self._due else None)


def ping(socket: Any) -> None:
    """What python-engineio's `Socket._send_ping` does once its sleep is over (4.15): a
    socket that is still open is pinged, and its pong is awaited from now."""
    if not socket.closing and not socket.closed:
        socket.last_ping = time.time()
        socket.send(eio_packet.Packet(eio_packet.PING))


def share_ping_timer(eio: Any) -> Pings | None:
    """Make the Engine.IO server `eio` (threading mode) hand its sockets' ping waits to one
    `Pings` instead of a thread each; every other background task starts as before."""
    if eio.async_mode != "threading":
        return None
    shared = getattr(eio, "board_pings", None)
    if shared is not None:
        return shared  # init_app ran before (tests build several apps on one SocketIO)
    shared = eio.board_pings = Pings(eio.ping_interval)
    start = eio.start_background_task

    def start_background_task(target, *args, **kwargs):
        if getattr(target, "__func__", None) is _SEND_PING and not args and not kwargs:
            shared.due(target.__self__)
            return None  # Socket.schedule_ping keeps nothing of what this returns
        return start(target, *args, **kwargs)

    eio.start_background_task = start_background_task
    return shared
