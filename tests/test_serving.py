"""The gunicorn worker of docs/deploy/gunicorn.conf.py (board/serving.py), on a real
gunicorn: every request on a kept-alive connection is answered, in order, whether it
comes while the thread that answered the one before waits for it, with it (pipelined),
or after that thread gave up waiting. (What the worker changes is how soon; that is
measured by bench/handover.py, not here.)"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from board import serving

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 20  # seconds; a bound on waiting, never an expectation of speed


def echo(environ, start_response):
    """A WSGI app that answers with the request's query string."""
    body = environ.get("QUERY_STRING", "").encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def gunicorn(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--worker-class",
        "board.serving.Worker",
        "--threads",
        "16",
        "-b",
        f"127.0.0.1:{port}",
        "tests.test_serving:echo",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(TIMEOUT)


def request(n: int) -> bytes:
    return b"GET /?%d HTTP/1.1\r\nHost: board.example\r\n\r\n" % n


def answers(connection: socket.socket, count: int) -> list[str]:
    """The bodies of the next `count` answers on the connection."""
    data, bodies = b"", []
    while len(bodies) < count:
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
        while b"\r\n\r\n" in data:
            head, rest = data.split(b"\r\n\r\n", 1)
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            if len(rest) < length:
                break
            bodies.append(rest[:length].decode())
            data = rest[length:]
    return bodies


def test_every_request_on_a_kept_alive_connection_is_answered_in_order(gunicorn):
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=TIMEOUT) as connection:
        answered = []
        for n in range(6):
            connection.sendall(request(n))
            answered += answers(connection, 1)
            time.sleep(0.05)  # the next request comes while the thread waits for it
        connection.sendall(request(6) + request(7))  # pipelined: read with the first
        answered += answers(connection, 2)
    assert answered == [str(n) for n in range(8)]


def test_a_connection_quiet_for_longer_than_a_thread_waits_is_still_served(gunicorn):
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=TIMEOUT) as connection:
        connection.sendall(request(1))
        assert answers(connection, 1) == ["1"]
        time.sleep(serving.LINGER_SECONDS + 0.5)  # back with gunicorn's main loop by now
        connection.sendall(request(2))
        assert answers(connection, 1) == ["2"]
