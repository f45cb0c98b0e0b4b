"""Mail and webhook deliveries queued before a worker is killed go out once.

Two `python app.py` processes on PostgreSQL share a Redis of their own and send the same
queues (`outgoing_mail`, `webhook_deliveries`) to a real SMTP server (aiosmtpd) and a
real HTTP receiver on loopback. Both receivers hold the first mail and the first POST
that come from the process chosen as the victim; while it waits for their answer, it gets
SIGKILL. The survivor sends the rest; the rows the victim left in `sending` go back to
the queue once they are stale (the test moves their claim an hour back instead of
waiting ten minutes) and the survivor sends them too.

Afterwards every queued row is sent, each arrived exactly once, except the two the
victim was sending when it died: the receivers had taken those (they answer after the
kill), so they arrive a second time, with the same `Message-ID` / `X-Board-Delivery`,
which is how a receiver recognises the repeat (docs/notifications.md)."""

from __future__ import annotations

import asyncio
import email
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from bench.faultkit import ROOT, BoardProcess, OwnRedis, prepare_board
from tests.browser.helpers import free_port
from tests.conftest import require_redis_server, truncate_postgres

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.postgres]

MEMBERS = 16
IDEAS = 16
WAIT = 90  # seconds, for anything that should happen within a few sender rounds


def pid_of_local_port(port: int, pids: list[int]) -> int | None:
    """Which of `pids` owns the TCP socket bound locally to `port` (read from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    for pid in pids:
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if any(link == f"socket:[{inode}]" for link in links for inode in inodes):
            return pid
    return None


class Hold:
    """Lets everything through, except the first item from the victim's process: that one
    is taken (recorded) and answered only after `release`."""

    def __init__(self):
        self.victim_pid: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held: str | None = None
        self.lock = threading.Lock()

    def should_hold(self, peer_port: int, key: str) -> bool:
        if self.victim_pid is None:
            return False
        with self.lock:
            if self.holding.is_set():
                return False
            if pid_of_local_port(peer_port, [self.victim_pid]) != self.victim_pid:
                return False
            self.held = key
            self.holding.set()
            return True


class Inbox:
    """The SMTP server's handler: records every Message-ID it takes."""

    def __init__(self):
        self.ids: list[str] = []
        self.hold = Hold()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email_policy.default)
        key = message["Message-ID"]
        self.ids.append(key)
        if self.hold.should_hold(session.peer[1], key):
            await asyncio.get_running_loop().run_in_executor(None, self.hold.release.wait, WAIT)
        else:
            await asyncio.sleep(0.1)  # a real server takes a moment: the queue drains slowly
        return "250 OK"


class Receiver:
    """The webhook receiver: records every POST's X-Board-Delivery and body."""

    def __init__(self):
        self.received: list[tuple[str, bytes]] = []
        self.hold = Hold()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers["X-Board-Delivery"]
                outer.received.append((key, body))
                if outer.hold.should_hold(self.client_address[1], key):
                    outer.hold.release.wait(WAIT)
                else:
                    time.sleep(0.1)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def mail_row(message_id: str) -> int:
    """The outgoing_mail row a Message-ID such as <board-mail-7.20261203…@…> names."""
    return int(message_id.strip().split(".")[0].removeprefix("<board-mail-"))


def wait_for(check, what: str, seconds: float = WAIT):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.2)  # polling the database and the receivers
    return result


def test_deliveries_queued_before_a_worker_is_killed_go_out_once(postgres_migrated, tmp_path):
    require_redis_server()
    truncate_postgres(postgres_migrated)
    inbox, receiver = Inbox(), Receiver()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    own_redis = OwnRedis(tmp_path)
    own_redis.start()
    engine = create_engine(postgres_migrated)
    servers: list[BoardProcess] = []
    try:
        board = prepare_board(
            tmp_path,
            MEMBERS + 2,
            database_url=postgres_migrated,
            message_queue=own_redis.url,
            migrated=True,
        )
        # quiet takes no mail: nudging them only wakes a process's mail sender (below)
        sam, members, quiet = board.logins[0], board.logins[1:-1], board.logins[-1]
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE users SET role = 'facilitator' WHERE id = :id"), {"id": sam.user_id}
            )
            conn.execute(text("UPDATE users SET email_notifications = 'instant'"))
            conn.execute(
                text("UPDATE users SET email_notifications = 'off' WHERE id = :id"),
                {"id": quiet.user_id},
            )
        env = {
            **board.env,
            "BOARD_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "BOARD_MAIL_FROM": "board@faults.example",
            "BOARD_BASE_URL": "https://board.faults.example",
            "BOARD_WEBHOOK_LOCAL_NETWORK": "1",  # the receiver listens on loopback
        }
        added = subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "app",
                "webhooks",
                "add",
                receiver.url,
                "--format",
                "json",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert added.returncode == 0, added.stderr
        servers = [BoardProcess(env), BoardProcess(env)]
        for server in servers:
            server.wait_until_serving()
        victim, survivor = servers
        inbox.hold.victim_pid = receiver.hold.victim_pid = victim.process.pid

        http = requests.Session()
        http.headers.update({"Cookie": sam.cookie, "X-CSRF-Token": sam.csrf})
        api = f"{victim.url}/api/v1"  # its mail sender wakes at once: it sends the first mails
        for person in members:  # each nudge: a notification, mailed at once (`instant`)
            answer = http.post(
                f"{api}/nudges",
                json={"message": "Your reel idea would fit Friday", "to_user_id": person.user_id},
                timeout=30,
            )
            assert answer.status_code == 201, answer.text

        def count(sql: str) -> int:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar_one()

        # The victim holds its first mail (its SMTP client waits up to 30 s for the answer),
        # then the ideas' deliveries start; the victim's first POST is held too (its client
        # waits 5 s) and the victim dies with both under way.
        wait_for(inbox.hold.holding.is_set, "the victim is sending a mail")
        for number in range(IDEAS):  # each idea: a public envelope, one webhook delivery
            answer = http.post(
                f"{api}/ideas", json={"title": f"Trail story {number}", "body": ""}, timeout=30
            )
            assert answer.status_code == 201, answer.text
        wait_for(receiver.hold.holding.is_set, "the victim is posting a webhook delivery", 20)
        victim.kill()
        inbox.hold.release.set()
        receiver.hold.release.set()
        held_mail, held_post = mail_row(inbox.hold.held), int(receiver.hold.held)
        # the victim's claims: it was sending both when it died
        assert count(f"SELECT status FROM outgoing_mail WHERE id = {held_mail}") == "sending"
        assert count(f"SELECT status FROM webhook_deliveries WHERE id = {held_post}") == "sending"
        stuck = (
            "SELECT (SELECT count(*) FROM outgoing_mail WHERE status = 'sending')"
            " + (SELECT count(*) FROM webhook_deliveries WHERE status = 'sending')"
        )

        # The survivor's mail sender wakes every 10 s, or at once when its process commits a
        # notification: a nudge through it to someone who takes no mail starts its next
        # round now (no mail, and no webhook delivery: nudges are private).
        def wake_mail_sender(server: BoardProcess) -> None:
            answer = http.post(
                f"{server.url}/api/v1/nudges",
                json={"message": "Thanks for Friday", "to_user_id": quiet.user_id},
                timeout=30,
            )
            assert answer.status_code == 201, answer.text

        wake_mail_sender(survivor)  # it composes the mails of the nudges the victim took
        wait_for(
            lambda: count("SELECT count(*) FROM outgoing_mail") == MEMBERS, "every mail queued"
        )
        deliveries = count("SELECT count(*) FROM webhook_deliveries")
        assert deliveries >= IDEAS
        left = (
            "SELECT (SELECT count(*) FROM outgoing_mail WHERE status <> 'sent')"
            " + (SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered')"
        )
        # The survivor sends everything else; the victim's two rows stay claimed.
        wait_for(lambda: count(left) == count(stuck) == 2, "all but the victim's two rows sent")
        with engine.begin() as conn:  # ten minutes pass for the two rows the victim held
            for table in ("outgoing_mail", "webhook_deliveries"):
                conn.execute(
                    text(
                        f"UPDATE {table} SET claimed_at = claimed_at - interval '1 hour'"  # noqa: S608
                        " WHERE status = 'sending'"
                    )
                )
        wake_mail_sender(survivor)
        wait_for(lambda: count(left) == 0, "the survivor sends what the victim left")
        wait_for(lambda: len(inbox.ids) == MEMBERS + 1, "the repeated mail arrives")
        wait_for(lambda: len(receiver.received) == deliveries + 1, "the repeated POST arrives")
        time.sleep(3)  # a sender round or two more: nothing else may arrive

        mails = Counter(inbox.ids)
        assert len(mails) == MEMBERS, mails
        assert {key: n for key, n in mails.items() if n > 1} == {inbox.hold.held: 2}
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id FROM outgoing_mail")).scalars().all()
        assert sorted(mail_row(key) for key in mails) == sorted(rows)

        posts = Counter(key for key, _ in receiver.received)
        assert len(posts) == deliveries, posts
        assert {key: n for key, n in posts.items() if n > 1} == {receiver.hold.held: 2}
        repeated = [body for key, body in receiver.received if key == receiver.hold.held]
        assert repeated[0] == repeated[1]
        seqs = sorted(json.loads(body)["seq"] for _, body in receiver.received)
        assert len(set(seqs)) == deliveries
    finally:
        for server in servers:
            server.stop()
        inbox.hold.release.set()
        receiver.hold.release.set()
        smtp.stop()
        receiver.server.shutdown()
        own_redis.stop()
        engine.dispose()
