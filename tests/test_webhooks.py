"""Webhooks against a real HTTP receiver on loopback: public envelopes arrive (the json
format posts the envelope itself, chat formats a readable line with a link), signed with
HMAC-SHA256 when there is a secret, retried after the receiver fails, and private events
never leave the board."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from board import clock, create_app, webhooks
from board.settings import Settings
from models import User, Webhook, WebhookDelivery
from tests.conftest import BOTH_DATABASES, JsonClient, make_user
from tests.test_accounts import page_token


class Receiver:
    """An HTTP server that records every POST; `fail` answers 500 that many times first;
    with `hold` set, it answers once `hold` is set (`arrived` tells a POST is waiting)."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.fail = 0
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.hold is not None:
                    outer.arrived.set()
                    outer.hold.wait(60)
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


def add(app, url, fmt="json", secret=None, types=()):
    runner = app.test_cli_runner()
    args = ["webhooks", "add", url, "--format", fmt]
    if secret:
        args += ["--secret", secret]
    if types:
        args += ["--events", ",".join(types)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result


@BOTH_DATABASES
def test_public_events_arrive_signed_and_private_ones_never(app, receiver, member, facilitator):
    add(app, receiver.url, secret="s3cret")
    idea = member.post("ideas", json={"title": "Booth reel", "body": ""}).get_json()
    facilitator.post("nudges", json={"message": "Psst", "to_user_id": member.user["id"]})
    assert webhooks.deliver_due(app) == 1
    [(headers, raw)] = receiver.received
    expected = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    assert headers["X-Board-Signature"] == expected
    envelope = json.loads(raw)
    assert envelope["type"] == "idea.created"
    assert envelope["data"]["idea"]["id"] == idea["id"]
    assert envelope in member.get("events?after=0").get_json()["items"]
    assert all(e["type"] != "nudge.sent" for e in receiver.bodies())


def test_chat_formats_post_a_readable_line_with_a_link(app, receiver, member):
    add(app, receiver.url, fmt="slack", types=["task.completed", "idea.created"])
    idea = member.post("ideas", json={"title": "Booth reel", "body": ""}).get_json()
    task = member.post("tasks", json={"title": "Film it"}).get_json()  # not subscribed
    member.post(f"tasks/{task['id']}/claim")
    member.post(f"tasks/{task['id']}/complete")
    webhooks.deliver_due(app)
    texts = [b["text"] for b in receiver.bodies()]
    assert texts == [
        f"Mara posted a new idea: Booth reel http://127.0.0.1:5000/ideas/{idea['id']}",
        f"Mara completed: Film it http://127.0.0.1:5000/tasks/{task['id']}",
    ]
    assert "X-Board-Signature" not in receiver.received[0][0]


def test_a_failed_delivery_is_retried_with_backoff(app, receiver, member):
    add(app, receiver.url)
    receiver.fail = 2
    member.post("ideas", json={"title": "Booth reel", "body": ""})
    assert webhooks.deliver_due(app) == 0
    assert webhooks.deliver_due(app) == 0  # not before its backoff
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(seconds=11))
    assert webhooks.deliver_due(app) == 0  # the second failure
    clock.set_clock(lambda: start + timedelta(minutes=2))
    assert webhooks.deliver_due(app) == 1
    assert [b["type"] for b in receiver.bodies()] == ["idea.created"]
    with app.extensions["board_db"].Session() as session:
        row = session.scalars(select(WebhookDelivery)).one()
        assert (row.status, row.attempts) == ("delivered", 3)
    assert webhooks.deliver_due(app) == 0


@BOTH_DATABASES
def test_a_slow_receiver_keeps_nobody_from_writing(app, receiver, member, monkeypatch):
    """While a receiver takes its time over a delivery, people go on posting: the sender
    holds no write transaction through the POST (on SQLite one would keep every
    writer of the process waiting)."""
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 60)
    add(app, receiver.url)
    member.post("ideas", json={"title": "Booth reel", "body": ""})
    receiver.hold = threading.Event()
    delivering = threading.Thread(target=webhooks.deliver_due, args=(app,))
    delivering.start()
    try:
        assert receiver.arrived.wait(30)
        answer = member.post("ideas", json={"title": "Second reel", "body": ""})
        assert answer.status_code == 201, answer.get_json()
        assert delivering.is_alive()  # the first delivery is still waiting for its answer
    finally:
        receiver.hold.set()
        delivering.join(60)
    assert [b["data"]["idea"]["title"] for b in receiver.bodies()] == ["Booth reel"]
    assert webhooks.deliver_due(app) == 1  # the second idea's, in its turn


def test_an_unreachable_receiver_never_fails_the_request(app, member):
    add(app, "http://127.0.0.1:9/nobody")
    response = member.post("ideas", json={"title": "Booth reel", "body": ""})
    assert response.status_code == 201
    assert webhooks.deliver_due(app) == 0


@pytest.mark.parametrize("port", ["abc", "99999", "-1"])
def test_a_port_that_is_no_port_is_refused_and_never_breaks_a_round(app, member, db, port):
    """Issue 17: "https://a.example:abc/x" was taken; every POST to it raised http.client's
    InvalidURL, which is no OSError, so each round of deliveries stopped there and the row
    stayed "sending" without ever counting an attempt."""
    result = app.test_cli_runner().invoke(args=["webhooks", "add", f"https://a.example:{port}/x"])
    assert result.exit_code == 1, result.output
    assert "url: Give the full address" in result.output
    # One stored before the rule: its deliveries fail like any unreachable receiver's.
    db.add(Webhook(url=f"http://127.0.0.1:{port}/x", format="json", created_at=clock.now()))
    db.commit()
    member.post("ideas", json={"title": "Booth reel", "body": ""})
    assert webhooks.deliver_due(app) == 0
    db.expire_all()
    row = db.scalars(select(WebhookDelivery)).one()
    assert (row.status, row.attempts) == ("pending", 1)


def test_webhooks_are_listed_and_removed(app, receiver, member):
    add(app, receiver.url, fmt="teams")
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["webhooks", "list"]).output
    assert "teams" in listing and receiver.url in listing
    hook_id = listing.split("\t")[0]
    assert runner.invoke(args=["webhooks", "remove", hook_id]).exit_code == 0
    member.post("ideas", json={"title": "Booth reel", "body": ""})
    assert webhooks.deliver_due(app) == 0
    assert runner.invoke(args=["webhooks", "add", "ftp://x", "--format", "json"]).exit_code != 0
    # A private type would be taken and never delivered: refused, saying why.
    private = runner.invoke(args=["webhooks", "add", receiver.url, "--events", "nudge.sent"])
    assert private.exit_code != 0
    assert "Private events never leave the board: nudge.sent" in private.output
    assert "nudge.sent" not in runner.invoke(args=["webhooks", "list"]).output


@BOTH_DATABASES
def test_each_event_is_queued_for_the_active_webhooks_that_take_its_type(app, member, facilitator):
    """The database queues the deliveries with the event row (a trigger): one per active
    webhook that takes the event's type, or every type; none for a private event, none for
    a switched-off webhook; each due from the event's moment, in its transaction."""
    from sqlalchemy import update

    from models import Event, Webhook

    add(app, "http://127.0.0.1:9/all")
    add(app, "http://127.0.0.1:9/ideas", types=["idea.created"])
    add(app, "http://127.0.0.1:9/off")
    with app.extensions["board_db"].Session() as session:
        session.execute(update(Webhook).where(Webhook.url.endswith("/off")).values(active=False))
        session.commit()
    idea = member.post("ideas", json={"title": "Booth reel", "body": ""}).get_json()
    member.put(f"ideas/{idea['id']}/vote")
    facilitator.post("nudges", json={"message": "Psst", "to_user_id": member.user["id"]})
    with app.extensions["board_db"].Session() as session:
        rows = session.execute(
            select(Webhook.url, Event.type, WebhookDelivery.status, WebhookDelivery.attempts)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .join(Event, Event.seq == WebhookDelivery.seq)
            .where(WebhookDelivery.next_attempt_at == Event.at)
            .order_by(WebhookDelivery.seq, Webhook.id)
        ).all()
    assert [(url.rsplit("/", 1)[1], type_) for url, type_, _, _ in rows] == [
        ("all", "idea.created"),
        ("ideas", "idea.created"),
        ("all", "idea.votes_changed"),
    ]
    assert {(status, attempts) for _, _, status, attempts in rows} == {("pending", 0)}


# ---- where a webhook may post (BOARD_WEBHOOK_LOCAL_NETWORK) ----------------------------------


@pytest.fixture
def internet_only(settings):
    """The board as it is shipped: webhooks post to addresses on the internet only."""
    app = create_app(
        {"TESTING": True}, settings=dataclasses.replace(settings, webhook_local_network=False)
    )
    yield app
    app.extensions["board_db"].dispose()


INWARD = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://LOCALHOST./hook",
    "http://chat.localhost/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://10.0.0.5/hook",
    "http://192.168.1.20/hook",
    "http://169.254.169.254/latest/meta-data",
    "https://[fd00::5]/hook",
]


@pytest.mark.parametrize("url", INWARD)
def test_an_address_on_the_boards_own_network_is_refused_by_default(internet_only, url):
    """The facilitator chooses the address and the board posts from inside the company:
    its own machine and network (Redis, an admin page, a cloud's metadata) stay out of reach
    unless IT allows them."""
    make_user(internet_only, "sam", "facilitator", "Communications")
    cli = internet_only.test_cli_runner().invoke(args=["webhooks", "add", url])
    assert cli.exit_code == 1
    assert "own network" in cli.output
    page = JsonClient(internet_only.test_client()).login("sam@example.com")
    answer = page.client.post(
        "/webhooks",
        data={"csrf_token": page_token(page.client, "/webhooks"), "url": url, "format": "json"},
    )
    assert answer.status_code == 400
    assert "own network" in answer.get_data(as_text=True)
    with internet_only.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(Webhook.id))) == 0


def test_a_webhook_that_reaches_inward_is_not_posted_to(internet_only, receiver):
    """Checked on the address each connection reached, after the name was looked up: a
    hook stored before the rule, or a name that points inward (here `localhost` written
    as the receiver's name), fails its deliveries and its test, and nothing arrives."""
    make_user(internet_only, "sam", "facilitator", "Communications")
    member = JsonClient(internet_only.test_client()).login(make_user(internet_only, "mara").email)
    port = receiver.server.server_address[1]
    with internet_only.extensions["board_db"].Session() as session:
        hook = webhooks.add_webhook(
            session,
            f"http://localhost:{port}/hook",
            "json",
            None,
            [],
            actor=None,
            local_network=True,
        )
        hook_id = hook.id
    member.post("ideas", json={"title": "Booth reel", "body": ""})
    assert webhooks.deliver_due(internet_only) == 0
    with internet_only.extensions["board_db"].Session() as session:
        [delivery] = session.scalars(select(WebhookDelivery)).all()
        assert delivery.status == "pending" and "own network" in delivery.last_error
        sam = session.scalar(select(User).where(User.email == "sam@example.com"))
        problem = webhooks.send_test(session, sam, hook_id, "https://board.example.com")
    assert "own network" in problem
    assert receiver.received == []


def test_the_operator_may_let_webhooks_reach_the_companys_network(tmp_path):
    env = {"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_SECRET_KEY": "k"}
    assert Settings.from_env(env).webhook_local_network is False
    allowed = Settings.from_env({**env, "BOARD_WEBHOOK_LOCAL_NETWORK": "1"})
    assert allowed.webhook_local_network is True
