"""The real transport, on a real server in this process: the Origin check and the size
limit as a browser or an attacker meets them (the Socket.IO test client skips both)."""

from __future__ import annotations

import threading

import pytest
import requests
import socketio as socketio_client
import websocket
from werkzeug.serving import make_server

from board.realtime import MAX_CLIENT_MESSAGE_BYTES
from tests.conftest import PASSWORD

TIMEOUT = 10  # seconds; a bound on waiting, never an expectation of speed


@pytest.fixture
def server(app, people_):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(TIMEOUT)


@pytest.fixture
def cookie(server) -> str:
    http = requests.Session()
    response = http.post(
        f"{server}/api/v1/auth/login",
        timeout=TIMEOUT,
        json={"email": "mara@example.com", "password": PASSWORD},
    )
    assert response.status_code == 200
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def connect(server, headers, transports=("websocket",)):
    client = socketio_client.Client(reconnection=False)
    client.connect(server, headers=headers, transports=list(transports), wait_timeout=TIMEOUT)
    return client


def test_the_boards_own_origin_connects_over_websocket(server, cookie):
    client = connect(server, {"Cookie": cookie})  # the WebSocket client sends our Origin
    assert client.connected
    client.disconnect()


def test_the_boards_own_origin_connects_over_long_polling(server, cookie):
    client = connect(server, {"Cookie": cookie, "Origin": server}, ["polling"])
    assert client.connected
    client.disconnect()


def test_another_origin_is_refused_over_websocket_even_with_a_valid_session(server, cookie):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            server.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
            cookie=cookie,
            origin="https://evil.example",
            timeout=TIMEOUT,
        )
    assert refused.value.status_code == 400


def test_another_origin_is_refused_over_long_polling_even_with_a_valid_session(server, cookie):
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        connect(server, {"Cookie": cookie, "Origin": "https://evil.example"}, ["polling"])


def test_no_session_is_refused_on_the_real_transport(server):
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        connect(server, {})


def open_websocket(server, cookie, timeout: float = TIMEOUT, **options):
    """A Socket.IO client by hand, connected, that reads only when asked to."""
    ws = websocket.create_connection(
        server.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
        cookie=cookie,
        origin=server,
        timeout=timeout,
        **options,
    )
    assert ws.recv().startswith("0{")  # Engine.IO open
    ws.send("40")  # Socket.IO connect
    assert ws.recv().startswith("40{")
    return ws


def test_the_server_declines_websocket_compression_and_talks_plainly(server, cookie):
    """Browsers offer permessage-deflate; agreed, it kept a zlib compressor of about
    256 KiB per open tab (board/fanout.py, websocket_class)."""
    offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"
    ws = open_websocket(server, cookie, header=[offer])  # reads plain frames only
    assert "sec-websocket-extensions" not in {name.lower() for name in ws.getheaders()}
    ws.close()


def test_an_oversized_websocket_message_closes_the_connection(server, cookie):
    ws = open_websocket(server, cookie)
    ws.send('42["x","' + "y" * MAX_CLIENT_MESSAGE_BYTES + '"]')
    with pytest.raises(websocket.WebSocketConnectionClosedException):
        while True:  # whatever was queued before the close, then the close itself
            if ws.recv() == "":
                raise websocket.WebSocketConnectionClosedException()


def test_a_small_websocket_message_is_ignored_and_the_connection_stays(server, cookie):
    ws = open_websocket(server, cookie)
    ws.send('42["vote",{"idea_id":1}]')
    ws.send("3")  # a pong nobody asked for: harmless
    ws.ping()
    assert ws.connected
    ws.close()
