"""A client that asks an app the way gunicorn serves it, in this process: for the benches
that count instructions (bench/listinstructions.py, bench/voteinstructions.py: `--served`).

Flask's test client builds the request's environ itself and hands the answer back as
objects; a served request instead goes through gunicorn's HTTP parser, its WSGI environ
(with `gunicorn.socket`, which the middlewares in front of Flask look at), its
`start_response` (which checks every header the app sends) and its response writer.
`ServedClient` runs those, as gunicorn's threaded worker's `handle_request` does, on one
kept-alive connection (a socket pair: the request's bytes written to one end, gunicorn
reading and answering on the other, the answer read back), without the worker's threads,
hooks and access log. What it adds to the test client's count is the server's share of a
request, the same for the board and the floor.
"""

from __future__ import annotations

import socket

PEER = ("127.0.0.1", 40000)  # bench/lists.py's cookies are made for a client at 127.0.0.1
SERVER = ("127.0.0.1", 8001)
BUFFER = 4 * 1024 * 1024  # a whole answer fits: it is written before it is read


class Answer:
    def __init__(self, status_code: int, headers: dict[str, str], data: bytes):
        self.status_code, self.headers, self.data = status_code, headers, data

    def get_data(self) -> bytes:
        return self.data


class ServedClient:
    def __init__(self, app):
        from gunicorn.config import Config
        from gunicorn.http.parser import RequestParser

        self.app = app
        self.cfg = Config()
        self.cfg.set("forwarded_allow_ips", "127.0.0.1,::1")  # docs/deploy/gunicorn.conf.py
        self.client, self.server = socket.socketpair()
        for end in (self.client, self.server):
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
        self.requests = RequestParser(self.cfg, self.server, PEER)

    def get(self, path: str, headers: dict[str, str]) -> Answer:
        return self.open("GET", path, headers)

    def put(self, path: str, headers: dict[str, str]) -> Answer:
        return self.open("PUT", path, {**headers, "Content-Length": "0"})

    def open(self, method: str, path: str, headers: dict[str, str]) -> Answer:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1:8001"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        self._serve_one()
        return self._read_answer()

    def _serve_one(self) -> None:
        """gunicorn's ThreadWorker.handle_request, without its hooks and access log."""
        from gunicorn.http import wsgi

        request = next(self.requests)
        response, environ = wsgi.create(request, self.server, PEER, SERVER, self.cfg)
        environ["wsgi.multithread"] = True
        answer = self.app(environ, response.start_response)
        try:
            for item in answer:
                response.write(item)
            response.close()
        finally:
            if hasattr(answer, "close"):
                answer.close()

    def _read_answer(self) -> Answer:
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.client.recv(BUFFER)
        head, body = data.split(b"\r\n\r\n", 1)
        status, *fields = head.decode("latin-1").split("\r\n")
        headers = dict(field.split(": ", 1) for field in fields)
        if "Content-Length" not in headers:
            raise RuntimeError(f"an answer without Content-Length: {status}")
        while len(body) < int(headers["Content-Length"]):
            body += self.client.recv(BUFFER)
        return Answer(int(status.split()[1]), headers, body)
