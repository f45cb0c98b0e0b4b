"""A TCP proxy on loopback that a test can cut, to give the app a real outage of the path
to a server (PostgreSQL, Redis) without touching the server that others share.

- `cut()`: closes every open connection and refuses new ones, as a restarting server does.
- `blackhole()`: accepts new connections and never answers, as an unreachable host does.
- `heal()`: forwards again, on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import threading

BUFFER = 65536


class FaultProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = _free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._mode = "forward"
        self._listen()

    # ---- control ---------------------------------------------------------------------

    def cut(self) -> None:
        with self._lock:
            self._mode = "cut"
            listener, self._listener = self._listener, None
            open_sockets, self._sockets = self._sockets, set()
        if listener is not None:
            _close(listener)
        for sock in open_sockets:
            _close(sock)

    def blackhole(self) -> None:
        self.cut()
        with self._lock:
            self._mode = "blackhole"
        self._listen()

    def heal(self) -> None:
        self.cut()
        with self._lock:
            self._mode = "forward"
        self._listen()

    def close(self) -> None:
        self.cut()

    # ---- plumbing ----------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            with self._lock:
                mode = self._mode
                self._sockets.add(client)
            if mode != "forward":
                continue  # held open, never answered (blackhole)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets.add(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(BUFFER):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
