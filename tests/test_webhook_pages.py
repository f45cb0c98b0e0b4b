"""The facilitator's chat channels page (/webhooks) against a real HTTP receiver: connect a
channel (the signing secret is shown once and never again), send a test message, remove
it; everyone else is refused and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
from sqlalchemy import func, insert, select

from board import webhooks
from models import Event, Webhook, WebhookDelivery
from tests.conftest import BOTH_DATABASES
from tests.test_queries import plans_while
from tests.test_webhooks import Receiver

SLACK_URL = "https://hooks.slack.com/services/T0001/B0002/tokenPART4567wxyz"


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


def form(client, path: str, data: dict | None = None):
    """A page form posted as the browser would (CSRF token included)."""
    return client.client.post(path, data=data or {}, headers={"X-CSRF-Token": client.csrf_token})


def stored(app) -> list[Webhook]:
    with app.extensions["board_db"].Session() as session:
        return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def connect(client, url: str, fmt: str = "json", events=(), **extra):
    return form(client, "/webhooks", {"url": url, "format": fmt, "events": list(events), **extra})


def shown_secret(html: str) -> str:
    field = re.search(r'<input id="new-secret"[^>]*>', html).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


def test_the_new_secret_stands_in_a_field_a_keyboard_can_copy(app, facilitator, receiver):
    """It was text in a <code>: a mouse could select it, a keyboard could not."""
    html = connect(facilitator, receiver.url, "json", sign="1").get_data(as_text=True)
    field = re.search(r'<input id="new-secret"[^>]*>', html).group(0)
    assert "readonly" in field and "autofocus" in field
    assert 'aria-labelledby="new-secret-heading"' in field
    assert '<h2 id="new-secret-heading">The signing secret, shown only now</h2>' in html


@BOTH_DATABASES
def test_the_facilitator_connects_a_channel_and_sees_its_secret_once(
    app, facilitator, member, receiver
):
    response = connect(facilitator, receiver.url, "json", ["idea.created"], sign="1")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = shown_secret(response.get_data(as_text=True))
    [hook] = stored(app)
    assert (hook.url, hook.format, hook.secret, hook.event_types) == (
        receiver.url,
        "json",
        secret,
        ["idea.created"],
    )
    page = facilitator.get("/webhooks").get_data(as_text=True)
    assert secret not in page and "signed" in page
    idea = member.post("ideas", json={"title": "Booth reel", "body": ""}).get_json()
    member.post("tasks", json={"title": "Not subscribed"})
    assert webhooks.deliver_due(app) == 1
    [(headers, raw)] = receiver.received
    assert headers["X-Board-Signature"] == (
        "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    )
    assert json.loads(raw)["data"]["idea"]["id"] == idea["id"]
    assert "1 delivered" in facilitator.get("/webhooks").get_data(as_text=True)


def test_an_own_secret_is_kept_and_unsigned_is_a_choice(app, facilitator, receiver):
    connect(facilitator, receiver.url, "slack", secret="our-shared-secret")
    connect(facilitator, receiver.url, "mattermost")  # no "sign", no secret
    assert [(h.format, h.secret) for h in stored(app)] == [
        ("slack", "our-shared-secret"),
        ("mattermost", None),
    ]


def test_the_page_never_shows_the_token_in_a_chat_address(app, facilitator):
    connect(facilitator, SLACK_URL, "slack")
    page = facilitator.get("/webhooks").get_data(as_text=True)
    assert "tokenPART" not in page and "B0002" not in page
    assert "https://hooks.slack.com/…wxyz" in page


def test_a_test_message_reaches_the_channel_signed(app, facilitator, receiver):
    connect(facilitator, receiver.url, "teams", secret="s3cret")
    [hook] = stored(app)
    response = form(facilitator, f"/webhooks/{hook.id}/test")
    assert response.status_code == 302
    [(headers, raw)] = receiver.received
    assert json.loads(raw)["text"].startswith("A test from the task-force board")
    assert headers["X-Board-Signature"] == (
        "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    )
    page = facilitator.get("/webhooks").get_data(as_text=True)
    assert "The test message was delivered." in page
    with app.extensions["board_db"].Session() as session:  # a test is not a delivery
        assert session.scalar(select(func.count(WebhookDelivery.id))) == 0


def test_a_failed_test_says_why(app, facilitator, receiver):
    connect(facilitator, receiver.url, "json")
    [hook] = stored(app)
    receiver.fail = 1
    form(facilitator, f"/webhooks/{hook.id}/test")
    page = facilitator.get("/webhooks").get_data(as_text=True)
    assert "The test message did not arrive" in page
    assert receiver.received == []


def test_removing_a_channel_stops_what_it_receives(app, facilitator, member, receiver):
    connect(facilitator, receiver.url, "json")
    [hook] = stored(app)
    member.post("ideas", json={"title": "Queued before", "body": ""})
    assert form(facilitator, f"/webhooks/{hook.id}/remove").status_code == 302
    assert stored(app) == []
    member.post("ideas", json={"title": "After", "body": ""})
    assert webhooks.deliver_due(app) == 0
    assert receiver.received == []


def test_removing_a_channel_removed_meanwhile_says_so(app, facilitator, receiver):
    """Removed in another tab (or by a colleague, or the CLI): the second removal said
    nothing at all; it says the channel is gone already."""
    connect(facilitator, receiver.url, "json")
    [hook] = stored(app)
    assert form(facilitator, f"/webhooks/{hook.id}/remove").status_code == 302
    facilitator.client.get("/webhooks")  # the first removal's message is read
    again = form(facilitator, f"/webhooks/{hook.id}/remove")
    assert again.status_code == 302
    page = facilitator.client.get(again.headers["Location"]).get_data(as_text=True)
    assert "That channel was removed already" in page
    assert stored(app) == []


@pytest.mark.parametrize(
    "data",
    [
        {"url": "ftp://files.example.com/x", "format": "json"},
        {"url": "https://", "format": "json"},
        {"url": "https://example.com/hook", "format": "irc"},
        {"url": "https://example.com/hook", "format": "json", "events": ["no.such"]},
        {"url": "https://example.com/hook", "format": "json", "secret": "x" * 201},
    ],
)
def test_bad_input_comes_back_with_its_problem_and_nothing_is_stored(app, facilitator, data):
    response = form(facilitator, "/webhooks", data)
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert stored(app) == []


@pytest.mark.parametrize("role", ["member", "other_member", "observer"])
def test_nobody_but_the_facilitator_manages_channels(app, people_, facilitator, receiver, role):
    connect(facilitator, receiver.url, "json")
    [hook] = stored(app)
    someone = people_.client(role)
    assert someone.get("/webhooks").status_code == 403
    assert connect(someone, "https://example.com/theirs", "json").status_code == 302
    assert form(someone, f"/webhooks/{hook.id}/test").status_code == 302
    assert form(someone, f"/webhooks/{hook.id}/remove").status_code == 302
    assert [h.url for h in stored(app)] == [receiver.url]
    assert receiver.received == []
    assert "/webhooks" not in someone.get("/").get_data(as_text=True)


def test_the_facilitator_finds_the_page_in_the_menu(facilitator):
    assert 'href="/webhooks"' in facilitator.get("/").get_data(as_text=True)


def test_every_event_a_channel_can_take_has_a_name_on_the_page(facilitator):
    """Events added later (moderation, corrections) showed as comment.hidden, idea.withdrawn…"""
    from board.web.webhook_pages import EVENT_NAMES

    assert sorted(set(webhooks.public_event_types()) - set(EVENT_NAMES)) == []
    page = facilitator.get("/webhooks").get_data(as_text=True)
    assert not re.search(r"> (idea|comment|task|prompt)\.\w+\s*</label>", page)


def deliveries(app, hook_id: int, rows: list[tuple[str, str | None]]) -> None:
    """A delivery (status, last error) for each row, oldest first, each of an event of its
    own (private: the database queues none for it by itself)."""
    with app.extensions["board_db"].Session() as session:
        for status, error in rows:
            event = Event(type="idea.created", private=True, envelope={"data": {}})
            session.add(event)
            session.flush()
            session.add(
                WebhookDelivery(webhook_id=hook_id, seq=event.seq, status=status, last_error=error)
            )
        session.commit()


@BOTH_DATABASES
def test_the_page_counts_each_kind_of_delivery_up_to_a_bound(app, facilitator, monkeypatch):
    """Every public event leaves a delivered row for each webhook: the page counts each
    kind up to COUNTED_UP_TO and then says "more than", and its last problem is the newest
    error of a delivery not delivered since (read from an index of such deliveries). Counting
    every row by status read 1,080,000 of them on each load at a busy board."""
    monkeypatch.setattr(webhooks, "COUNTED_UP_TO", 3)
    connect(facilitator, "https://example.com/one", "json")
    connect(facilitator, "https://example.com/two", "json")
    one, two = (hook.id for hook in stored(app))
    deliveries(
        app,
        one,
        [("failed", "HTTP Error 502: old")]
        + [("failed", None)] * 3
        + [("delivered", None)] * 3
        + [("delivered", "HTTP Error 500: retried and delivered")]
        + [("pending", "timed out"), ("sending", None)],
    )
    deliveries(app, two, [("delivered", None)] * 3 + [("failed", "HTTP Error 404: gone")])
    page = facilitator.get("/webhooks").get_data(as_text=True)
    first, second = page.split('id="webhook-')[1:3]
    assert "more than 3 delivered, 2 waiting, more than 3 given up" in first
    assert "Last problem: timed out" in first
    assert "3 delivered, 1 given up" in second and "more than" not in second
    assert "Last problem: HTTP Error 404: gone" in second
    german = facilitator.get("/webhooks", headers={"Accept-Language": "de"})
    assert "mehr als 3 zugestellt, 2 ausstehend, mehr als 3 aufgegeben" in german.get_data(
        as_text=True
    )


@BOTH_DATABASES
def test_the_counts_are_written_as_the_readers_language_writes_numbers(app, facilitator):
    """At the bound and past it: 1,000 in English, 1.000 in German, as Babel writes them."""
    connect(facilitator, "https://example.com/one", "json")
    connect(facilitator, "https://example.com/two", "json")
    one, two = (hook.id for hook in stored(app))
    bound = webhooks.COUNTED_UP_TO
    with app.extensions["board_db"].Session() as session:
        event = Event(type="idea.created", private=True, envelope={"data": {}})
        session.add(event)
        session.flush()
        rows = [(one, "delivered")] * (bound + 1) + [(two, "delivered")] * bound
        rows += [(two, "failed")] * (bound + 1)
        session.execute(
            insert(WebhookDelivery),
            [{"webhook_id": hook, "seq": event.seq, "status": status} for hook, status in rows],
        )
        session.commit()
    english = facilitator.get("/webhooks").get_data(as_text=True)
    german = facilitator.get("/webhooks", headers={"Accept-Language": "de"}).get_data(as_text=True)
    for page, shown in [
        (english, ["more than 1,000 delivered", "1,000 delivered, more than 1,000 given up"]),
        (german, ["mehr als 1.000 zugestellt", "1.000 zugestellt, mehr als 1.000 aufgegeben"]),
    ]:
        first, second = page.split('id="webhook-')[1:3]
        assert shown[0] in first, first
        assert shown[1] in second, second


def test_the_page_reads_the_deliveries_from_indexes_in_one_statement(app, facilitator):
    connect(facilitator, "https://example.com/one", "json")
    [hook] = stored(app)
    deliveries(app, hook.id, [("delivered", None), ("failed", "HTTP Error 502")])
    plans = plans_while(
        app,
        lambda: facilitator.get("/webhooks"),
        lambda statement: "FROM webhook_deliveries" in statement,
    )
    [plan] = plans
    reads = [step for step in plan if "webhook_deliveries" in step]
    assert reads == [
        "SEARCH webhook_deliveries USING COVERING INDEX"
        " ix_webhook_deliveries_webhook_id_status (webhook_id=? AND status=?)",
        "SEARCH webhook_deliveries USING COVERING INDEX"
        " ix_webhook_deliveries_webhook_id_status (webhook_id=? AND status=?)",
        "SEARCH webhook_deliveries USING COVERING INDEX"
        " ix_webhook_deliveries_webhook_id_status (webhook_id=? AND status=?)",
        "SEARCH webhook_deliveries USING INDEX ix_webhook_deliveries_problems (webhook_id=?)",
    ], plan
