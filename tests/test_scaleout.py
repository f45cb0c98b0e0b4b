"""Scale-out: two real `python app.py` processes on PostgreSQL and one Redis act as one
board. Written through one, received through the other; logout, role changes made by
the CLI (a third process) and presence work across them too."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
import socketio as socketio_client

from board import people
from board.db import Database
from tests.conftest import PASSWORD, REDIS_URL, ROOT, service_or_skip, truncate_postgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
TIMEOUT = 60  # seconds: a bound on waiting for a process or a message, never a target

USERS = [  # email, name, department, role
    ("writer@example.com", "Wanda", "Marketing", "member"),
    ("reader@example.com", "Rudi", "IT", "member"),
    ("leaver@example.com", "Lea", "Sales", "facilitator"),
    ("quitter@example.com", "Quinn", "Legal", "member"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def board_env(postgres_migrated, tmp_path_factory) -> dict:
    import redis

    service_or_skip("Redis", lambda: redis.Redis.from_url(REDIS_URL).ping())
    truncate_postgres(postgres_migrated)
    database = Database(postgres_migrated)
    with database.Session() as session:
        for email, name, department, role in USERS:
            people.create_user(session, email, PASSWORD, name, department, role)
    database.dispose()
    return {
        **os.environ,
        "BOARD_DATABASE_URL": postgres_migrated,
        "BOARD_MESSAGE_QUEUE": REDIS_URL,
        "BOARD_SOCKETIO_CHANNEL": f"test-scaleout-{uuid.uuid4().hex}",  # this run only
        "BOARD_SECRET_KEY": "scale-out-test-key",
        "BOARD_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "BOARD_HOST": "127.0.0.1",
    }


def wait_until_serving(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stderr.read()}")
        try:
            if requests.get(f"{url}/api/v1/departments", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # gunicorn: bound, not serving yet
            pass
        time.sleep(0.1)  # polling a starting process, not waiting for a clock
    pytest.fail(f"server at {url} did not start")


@pytest.fixture(scope="module")
def servers(board_env):
    started = []
    for _ in range(2):
        port = free_port()
        env = {**board_env, "BOARD_PORT": str(port)}
        process = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append((process, f"http://127.0.0.1:{port}"))
    try:
        for process, url in started:
            wait_until_serving(process, url)
        yield [url for _process, url in started]
    finally:
        for process, _url in started:
            process.terminate()
        for process, _url in started:
            try:
                process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()


class Person:
    """One login over HTTP, and the sockets it opens."""

    def __init__(self, server: str, email: str):
        self.server = server
        self.http = requests.Session()
        response = self.http.post(
            f"{server}/api/v1/auth/login",
            timeout=TIMEOUT,
            json={"email": email, "password": PASSWORD},
        )
        assert response.status_code == 200, response.text
        self.http.headers["X-CSRF-Token"] = response.json()["csrf_token"]

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    def post(self, path: str, **kwargs):
        return self.http.post(f"{self.server}/api/v1/{path}", timeout=TIMEOUT, **kwargs)


class Tab:
    """A python-socketio client that keeps what it receives."""

    def __init__(self, server: str, person: Person, batch: bool = False, transports=("websocket",)):
        self.messages: queue.Queue = queue.Queue()
        self.client = socketio_client.Client(reconnection=False)
        self.client.on("activity", lambda data: self.messages.put(("activity", data)))
        self.client.on("activity.batch", lambda data: self.messages.put(("activity.batch", data)))
        self.client.on("presence", lambda data: self.messages.put(("presence", data)))
        self.client.on("disconnect", lambda *reason: self.messages.put(("disconnect", None)))
        self.client.connect(
            server,
            headers={"Cookie": person.cookie()},
            transports=list(transports),
            auth={"batch": True} if batch else None,
            wait_timeout=TIMEOUT,
        )

    def envelopes(self, count: int) -> tuple[list[dict], set[str]]:
        """The first `count` envelopes received (a batch as its envelopes), and the
        names of the events they came in."""
        got, names = [], set()
        deadline = time.monotonic() + TIMEOUT
        while len(got) < count and (left := deadline - time.monotonic()) > 0:
            try:
                name, data = self.messages.get(timeout=left)
            except queue.Empty:
                break
            if name in ("activity", "activity.batch"):
                names.add(name)
                got += data if name == "activity.batch" else [data]
        return got, names

    def next(self, name: str, matching=lambda data: True):
        deadline = time.monotonic() + TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                got, data = self.messages.get(timeout=left)
            except queue.Empty:
                break
            if got == name and matching(data):
                return data
        pytest.fail(f"no {name} arrived")


def test_a_change_written_through_one_process_reaches_a_board_on_the_other(servers):
    a, b = servers
    writer, reader = Person(a, "writer@example.com"), Person(b, "reader@example.com")
    tab = Tab(b, reader)
    try:
        created = writer.post("ideas", json={"title": "Across processes", "body": ""})
        assert created.status_code == 201, created.text

        envelope = tab.next("activity")
        assert envelope["type"] == "idea.created"
        assert envelope["data"]["idea"]["id"] == created.json()["id"]
        logged = reader.http.get(
            f"{b}/api/v1/events?after={envelope['seq'] - 1}", timeout=TIMEOUT
        ).json()["items"]
        assert logged == [envelope]
    finally:
        tab.client.disconnect()


def test_every_process_delivers_every_envelope_to_batch_and_plain_sockets(servers):
    """A fan-out pass travels as one message; each process delivers it to its own sockets:
    in batches to those that asked, one `activity` per envelope to the others."""
    a, b = servers
    reader = Person(b, "reader@example.com")
    writers = [Person(a, "writer@example.com"), Person(b, "writer@example.com")] * 2
    tabs = {
        "batch on a": Tab(a, reader, batch=True),
        "batch on b": Tab(b, reader, batch=True),
        "plain on b": Tab(b, reader),
    }
    before = reader.http.get(f"{b}/api/v1/events?after=0&limit=1000", timeout=TIMEOUT).json()
    failures = []

    def write(person: Person, n: int) -> None:
        for i in range(n):
            response = person.post("ideas", json={"title": f"Burst {i}", "body": ""})
            if response.status_code != 201:
                failures.append(response.text)

    threads = [threading.Thread(target=write, args=(w, 10)) for w in writers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        assert failures == []
        logged = reader.http.get(
            f"{b}/api/v1/events?after={before['last_seq']}&limit=1000", timeout=TIMEOUT
        ).json()["items"]
        assert len(logged) == 40
        for name, tab in tabs.items():
            got, events = tab.envelopes(len(logged))
            # Every envelope once (the two processes' passes may interleave at a socket;
            # clients order by seq, holding what skips ahead).
            assert sorted(e["seq"] for e in got) == [e["seq"] for e in logged], name
            assert sorted(got, key=lambda e: e["seq"]) == logged, name
            if name.startswith("plain"):
                assert events == {"activity"}
    finally:
        for tab in tabs.values():
            tab.client.disconnect()


def test_presence_counts_people_on_every_process(servers):
    a, b = servers
    writer, reader = Person(a, "writer@example.com"), Person(b, "reader@example.com")
    on_a, on_b = Tab(a, writer), Tab(b, reader)
    try:
        both = {"online": 2, "departments": {"IT": 1, "Marketing": 1}}
        assert on_b.next("presence", lambda data: data == both) == both
        assert on_a.next("presence", lambda data: data == both) == both
    finally:
        on_a.client.disconnect()
        on_b.client.disconnect()


def test_logout_through_one_process_ends_that_logins_socket_on_the_other(servers):
    a, b = servers
    leaving, other = Person(a, "writer@example.com"), Person(a, "writer@example.com")
    leaving_tab, other_tab = Tab(b, leaving), Tab(b, other)
    try:
        assert leaving.post("auth/logout").status_code == 204
        leaving_tab.next("disconnect")
        assert other_tab.client.connected
    finally:
        other_tab.client.disconnect()


def test_a_role_change_made_by_the_cli_ends_the_sockets_on_every_process(servers, board_env):
    a, b = servers
    leaver = Person(a, "leaver@example.com")
    tabs = [Tab(a, leaver), Tab(b, leaver)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "users",
            "set-role",
            "leaver@example.com",
            "member",
        ],
        cwd=ROOT,
        env=board_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for tab in tabs:
        tab.next("disconnect")
    assert leaver.http.get(f"{a}/api/v1/me", timeout=TIMEOUT).status_code == 401


def test_another_origin_is_refused_by_every_process(servers):
    for server in servers:
        person = Person(server, "quitter@example.com")
        client = socketio_client.Client(reconnection=False)
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            client.connect(
                server,
                transports=["polling"],
                wait_timeout=TIMEOUT,
                headers={"Cookie": person.cookie(), "Origin": "https://evil.example"},
            )
