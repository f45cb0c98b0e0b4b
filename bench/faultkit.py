"""Shared tools of the fault and load scripts (bench/) and the quick fault tests.

- `prepare_board`: a migrated database (SQLite file or a PostgreSQL URL) with N people,
  and a signed session cookie plus CSRF token for each, made exactly as login makes them
  (N real logins would spend N × ~0.2 s of argon2 measuring nothing).
- `BoardProcess`: one real `python app.py` on a port of its own, with its log, its memory
  (VmRSS) and SIGKILL.
- `percentiles`, `describe_machine`.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bench import migrate

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "fault-password-long-enough"
DEPARTMENTS = ["Marketing", "IT", "Sales", "Legal", "HR", "Communications"]


@dataclass
class Login:
    user_id: int
    email: str
    cookie: str  # "session=…"
    csrf: str


@dataclass
class Board:
    database_url: str
    env: dict
    logins: list[Login] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_board(
    workdir: Path,
    people: int,
    *,
    database_url: str | None = None,
    message_queue: str | None = None,
    channel: str | None = None,
    migrated: bool = False,
) -> Board:
    """A board with `people` members (signed in) on SQLite in `workdir`, or on
    `database_url` (which must be empty of people)."""
    from flask import session as cookie_session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from board import create_app
    from board.people import hash_password
    from board.settings import Settings
    from models import Department, User

    url = database_url or f"sqlite:///{workdir / 'board.sqlite3'}"
    if not migrated:
        migrate(url)
    secret = secrets.token_hex(32)
    settings = Settings(
        instance_path=workdir / "instance", database_url=url, secret_key=secret, testing=True
    )
    app = create_app(settings=settings)
    password_hash = hash_password(PASSWORD)
    logins = []
    with app.extensions["board_db"].Session() as session:
        departments = [Department(name=name) for name in DEPARTMENTS]
        session.add_all(departments)
        session.flush()
        users = [
            User(
                email=f"person{i}@faults.example",
                password_hash=password_hash,
                display_name=f"Person {i}",
                role="member",
                department_id=departments[i % len(departments)].id,
            )
            for i in range(people)
        ]
        session.add_all(users)
        session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        for user in users:
            with app.test_request_context():
                login_user(user)
                cookie_session["board_sid"] = secrets.token_urlsafe(16)
                csrf = generate_csrf()
                cookie = f"{cookie_name}={serializer.dumps(dict(cookie_session))}"
            logins.append(Login(user.id, user.email, cookie, csrf))
    app.extensions["board_db"].dispose()
    env = {
        **os.environ,
        "BOARD_DATABASE_URL": url,
        "BOARD_SECRET_KEY": secret,
        "BOARD_INSTANCE_PATH": str(workdir / "instance"),
        "BOARD_HOST": "127.0.0.1",
    }
    env.pop("BOARD_MESSAGE_QUEUE", None)
    if message_queue:
        env["BOARD_MESSAGE_QUEUE"] = message_queue
        env["BOARD_SOCKETIO_CHANNEL"] = channel or f"faults-{secrets.token_hex(6)}"
    return Board(url, env, logins)


class BoardProcess:
    """`python app.py` on a free port; its stderr goes to a temporary file."""

    def __init__(self, env: dict, port: int | None = None, command: list[str] | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in stop()
        self._final_log = ""
        self.process = subprocess.Popen(
            command or [sys.executable, "app.py"],
            cwd=ROOT,
            env={**env, "BOARD_PORT": str(self.port)},
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            text=True,
        )

    def wait_until_serving(self, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()[-3000:]}")
            try:
                if requests.get(f"{self.url}/api/v1/departments", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server at {self.url} did not start: {self.log()[-3000:]}")
            time.sleep(0.1)  # polling a starting process

    def log(self) -> str:
        if self._log.closed:
            return self._final_log
        self._log.flush()
        self._log.seek(0)
        return self._log.read()

    def rss_mib(self) -> float:
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process used so far."""
        try:
            with open(f"/proc/{self.process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def kill(self) -> None:
        """SIGKILL: no atexit, no clean-up, as a crash or the OOM killer."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self._log.closed:
            self._final_log = self.log()
            self._log.close()


class OwnRedis:
    def __init__(self, workdir):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)

    def pause(self, seconds: float) -> None:
        redis.Redis.from_url(self.url).execute_command(
            "CLIENT", "PAUSE", int(seconds * 1000), "ALL"
        )


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "n": len(ordered),
        "p50_ms": round(at(0.50) * 1000, 1),
        "p95_ms": round(at(0.95) * 1000, 1),
        "p99_ms": round(at(0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def describe_machine() -> str:
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load[0]:.1f}"
    )
