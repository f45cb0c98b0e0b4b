"""Chat webhooks: every public envelope is queued for each webhook in the transaction that
records it, and POSTed by a background sender (never by the request that made the change).

`json` posts the envelope itself; `slack`, `mattermost` and `teams` post a readable line
with a link. With a secret, `X-Board-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
Failures are retried with backoff for a few hours. Private envelopes (nudges) are never
queued, so they cannot leave the board.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from board import clock, events, outbox, policy
from board.background import start_once
from board.db import written
from board.errors import FieldMessage, Invalid, NotFound
from board.i18n import N_
from board.inputs import url_parts
from models import Event, User, Webhook, WebhookDelivery

log = logging.getLogger(__name__)
FORMATS = ("json", "slack", "teams", "mattermost")
GIVE_UP_AFTER = timedelta(hours=3)  # retried for at least an hour, then given up
STALE_SENDING = timedelta(minutes=5)
LOOP_SECONDS = 2
TIMEOUT_SECONDS = 5
MAX_ID = 2**31 - 1


# ---- managing (the facilitator's page and the CLI) ------------------------------------------

# What the page offers ticked: new ideas, challenges and their results, completed tasks.
CHAT_DEFAULT_TYPES = (
    "idea.created",
    "idea.published",
    "prompt.created",
    "prompt.phase_changed",
    "task.completed",
)
URL_MAX = 2000
SECRET_MAX = 200


# Events that only their recipients (or the facilitator) see: never sent to a webhook.
PRIVATE_EVENT_TYPES = frozenset({"nudge.sent", "content.flagged"})


def public_event_types() -> list[str]:
    """Every event type a webhook may receive (private ones never leave the board)."""
    return sorted(events.EVENT_TYPES - PRIVATE_EVENT_TYPES)


def _check_manager(actor: User | None) -> None:
    """`actor` None is IT at the command line (the shell is the permission there)."""
    if actor is not None:
        policy.require(actor, "webhooks.manage")


def add_webhook(
    session: Session,
    url: str,
    fmt: str,
    secret: str | None,
    event_types: list[str],
    *,
    actor: User | None,
    local_network: bool = False,
) -> Webhook:
    """A new webhook; the facilitator's page passes its user, the CLI None. An address on
    the board's own machine or network is refused unless `local_network`
    (BOARD_WEBHOOK_LOCAL_NETWORK): see `_GuardedConnection`."""
    _check_manager(actor)
    url = (url or "").strip()
    parts = url_parts(url)
    fields: dict[str, str] = {}
    if (
        not url.startswith(("http://", "https://"))
        or len(url) > URL_MAX
        or any(ch.isspace() for ch in url)
        or parts is None
        or not parts.hostname
    ):
        fields["url"] = N_("Give the full address, starting with https://.")
    elif not local_network and _names_local_host(parts.hostname):
        fields["url"] = N_(
            "This address is on the board's own network. Ask IT to allow such addresses "
            "(BOARD_WEBHOOK_LOCAL_NETWORK) if your chat server lives there."
        )
    if fmt not in FORMATS:
        fields["format"] = FieldMessage("One of: %(choices)s.", choices=", ".join(FORMATS))
    if secret is not None and len(secret) > SECRET_MAX:
        fields["secret"] = FieldMessage("At most %(limit)s characters.", limit=SECRET_MAX)
    unknown = [t for t in event_types if t not in events.EVENT_TYPES]
    private = [t for t in event_types if t in PRIVATE_EVENT_TYPES]
    if unknown:
        fields["events"] = FieldMessage("Unknown event types: %(types)s", types=", ".join(unknown))
    elif private:  # they would be accepted and never arrive
        fields["events"] = FieldMessage(
            "Private events never leave the board: %(types)s", types=", ".join(private)
        )
    if fields:
        code = "invalid_url" if "url" in fields else "invalid_fields"
        raise Invalid(_first_problem(fields), code=code, fields=fields)
    hook = Webhook(
        url=url, format=fmt, secret=secret or None, event_types=event_types, created_at=clock.now()
    )
    session.add(hook)
    session.commit()
    return hook


def _first_problem(fields: dict) -> str:
    """The English sentence for the CLI (pages show the translated fields)."""
    name, problem = next(iter(fields.items()))
    return f"{name}: {problem}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def shown_url(url: str) -> str:
    """The address without its secret part: chat webhook URLs carry their token in the
    path (Slack, Teams, Mattermost), so the page shows only the host and the last four."""
    parts = url_parts(url)
    rest = url[len(f"{parts.scheme}://{parts.netloc}") :] if parts else ""
    if len(rest) <= 8:
        return url
    return f"{parts.scheme}://{parts.netloc}/…{rest[-4:]}"


# The page counts a webhook's deliveries of each kind up to this many and then says "more
# than": every public event leaves a delivered row for each webhook, and counting them all
# read every row on each load (1,080,000 at a busy board: 163-204 ms). Up to it the counts
# are exact, each a walk of the (webhook_id, status) index that stops there.
COUNTED_UP_TO = 1000
_STATUSES = {"delivered": ("delivered",), "waiting": ("pending", "sending"), "failed": ("failed",)}


def _counted(statuses: tuple[str, ...]):
    """How many of a webhook's deliveries (the outer statement's) have one of `statuses`,
    COUNTED_UP_TO + 1 at most."""
    rows = (
        select(literal_column("1"))
        .where(
            WebhookDelivery.webhook_id == Webhook.id,
            WebhookDelivery.status.in_([written(status) for status in statuses]),
        )
        .correlate(Webhook)
        .limit(COUNTED_UP_TO + 1)
        .subquery()
    )
    return select(func.count()).select_from(rows).scalar_subquery()


def _last_problem():
    """The error of a webhook's newest delivery that failed and was not delivered since,
    from the index of such deliveries (models.WebhookDelivery: its condition is this one)."""
    return (
        select(WebhookDelivery.last_error)
        .where(
            WebhookDelivery.webhook_id == Webhook.id,
            WebhookDelivery.last_error.is_not(None),
            WebhookDelivery.status != written("delivered"),
        )
        .order_by(WebhookDelivery.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def webhooks_overview(session: Session, actor: User) -> list[dict]:
    """The facilitator's page: each webhook, how its deliveries went; never its secret. In
    one statement, whatever the number of deliveries."""
    _check_manager(actor)
    rows = session.execute(
        select(
            Webhook,
            *(_counted(statuses) for statuses in _STATUSES.values()),
            _last_problem(),
        ).order_by(Webhook.id)
    )
    return [
        {
            "id": hook.id,
            "url": shown_url(hook.url),
            "format": hook.format,
            "signed": bool(hook.secret),
            "event_types": list(hook.event_types or []),
            "created_at": hook.created_at,
            **dict(zip(_STATUSES, counts, strict=True)),
            "last_error": last_error,
        }
        for hook, *counts, last_error in rows
    ]


def remove_webhook(session: Session, webhook_id: int, *, actor: User | None) -> bool:
    _check_manager(actor)
    hook = session.get(Webhook, webhook_id) if 0 < webhook_id <= MAX_ID else None
    if hook is None:
        return False
    session.query(WebhookDelivery).filter(WebhookDelivery.webhook_id == hook.id).delete()
    session.delete(hook)
    session.commit()
    return True


def send_test(
    session: Session, actor: User, webhook_id: int, base_url: str, *, local_network: bool = False
) -> str | None:
    """POST a test message to the webhook now (the facilitator waits for the answer, at
    most TIMEOUT_SECONDS): None when it was taken, else what went wrong."""
    _check_manager(actor)
    hook = session.get(Webhook, webhook_id) if 0 < webhook_id <= MAX_ID else None
    if hook is None:
        raise NotFound("No such webhook.", code="webhook_not_found")
    text = f"A test from the task-force board: this channel is connected. {base_url}/"
    if hook.format == "json":
        payload: dict = {
            "type": "webhook.test",
            "at": clock.iso(clock.now()),
            "actor": events.user_summary(actor),
            "data": {"message": text},
        }
    else:
        payload = {"text": text}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        _post(hook, body, local_network)
    except SEND_ERRORS as error:
        return str(getattr(error, "reason", None) or error)[:300]
    return None


# ---- queueing, in the change's transaction --------------------------------------------------


# Each public event's deliveries are written by the database, in the statement that writes
# the event row (a trigger on `events`), for every active webhook that takes its type: the
# event's own transaction, as before, without a statement of the board's to look the
# webhooks up on every write (a vote's was one of its eight) and, on PostgreSQL, without a
# second round trip while the event lock is held (events._number_events). A delivery is
# due from the event's moment on. Private events never leave the board.
_DELIVERY_COLUMNS = "webhook_id, seq, status, attempts, next_attempt_at, created_at"
_DELIVERY_ROWS = "SELECT id, NEW.seq, 'pending', 0, NEW.at, NEW.at FROM webhooks WHERE active"
DELIVERIES_SQLITE_CREATE = [
    "CREATE TRIGGER events_webhook_deliveries AFTER INSERT ON events WHEN NOT NEW.private "
    f"BEGIN INSERT INTO webhook_deliveries ({_DELIVERY_COLUMNS}) {_DELIVERY_ROWS} AND ("
    "json_type(event_types) IS NOT 'array' OR json_array_length(event_types) = 0"
    " OR EXISTS (SELECT 1 FROM json_each(webhooks.event_types) WHERE value = NEW.type)); END",
]
DELIVERIES_SQLITE_DROP = ["DROP TRIGGER IF EXISTS events_webhook_deliveries"]
DELIVERIES_POSTGRES_CREATE = [
    "CREATE FUNCTION events_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO webhook_deliveries ({_DELIVERY_COLUMNS}) {_DELIVERY_ROWS} AND CASE"
    " WHEN json_typeof(event_types) = 'array' THEN"
    " json_array_length(event_types) = 0 OR event_types::jsonb ? NEW.type ELSE true END;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER events_webhook_deliveries AFTER INSERT ON events "
    "FOR EACH ROW WHEN (NOT NEW.private) EXECUTE FUNCTION events_webhook_deliveries()",
]
DELIVERIES_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS events_webhook_deliveries ON events",
    "DROP FUNCTION IF EXISTS events_webhook_deliveries()",
]


# ---- what is posted --------------------------------------------------------------------------


def readable(envelope: dict, base_url: str) -> str:
    """One line a person reads in a chat channel, with a link."""
    data, type_ = envelope.get("data") or {}, envelope["type"]
    who = (envelope.get("actor") or {}).get("display_name") or "Someone"
    obj = next((data[k] for k in ("idea", "comment", "task", "prompt") if k in data), {})
    title = obj.get("title") or ""
    person = (data.get("person") or {}).get("display_name") or "Someone"
    if "idea" in data:
        link = f"{base_url}/ideas/{obj.get('id')}"
    elif "comment" in data:
        link = f"{base_url}/ideas/{obj.get('idea_id')}#comment-{obj.get('id')}"
    elif "task" in data:
        link = f"{base_url}/tasks/{obj.get('id')}"
    elif "prompt" in data:
        link = f"{base_url}/prompts/{obj.get('id')}"
    elif "person" in data:
        link = f"{base_url}/people"
    else:
        link = f"{base_url}/feed"
    sentences = {
        "idea.created": f"{who} posted a new idea: {title}",
        "idea.updated": f"{who} edited the idea: {title}",
        "idea.published": f"{title} went live",
        "comment.created": f"{who} commented on an idea",
        "task.created": f"{who} created a task: {title}",
        "task.claimed": f"{who} took on: {title}",
        "task.released": f"Free to claim again: {title}",
        "task.completed": f"{who} completed: {title}",
        "prompt.created": f"New {obj.get('kind') or 'prompt'}: {title}",
        "prompt.phase_changed": f"The challenge {title} is now {obj.get('phase')}",
        "idea.votes_changed": "Votes changed",
        "person.joined": f"{person} joined the board",
        "person.left": f"{person} left the board",
    }
    return f"{sentences.get(type_, type_)} {link}"


def body_for(hook: Webhook, envelope: dict, base_url: str) -> bytes:
    if hook.format == "json":
        payload: dict = envelope
    else:
        payload = {"text": readable(envelope, base_url)}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ---- delivering -------------------------------------------------------------------------------


# ---- where a webhook may post ------------------------------------------------------------------
#
# The facilitator, not the operator, chooses a webhook's address, and the board POSTs to it
# from inside the company's network: without a rule, a facilitator's account could make the
# board reach its own machine (Redis, PostgreSQL's neighbours, an admin page on localhost)
# or a cloud's metadata address. So the board posts only to addresses on the internet
# unless the operator allows its own network (BOARD_WEBHOOK_LOCAL_NETWORK=1: a self-hosted
# Mattermost). The check is made on the address each connection actually reached, after
# the name was looked up, so neither a name that points inward (or is made to later) nor a
# redirect gets past it.


class AddressNotAllowed(OSError):
    """A webhook's connection reached an address the board may not post to."""


def _local_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def _names_local_host(hostname: str) -> bool:
    """Whether an address's host, as written, is this machine or its network: an IP
    literal that is not global, or localhost. A name is judged when it is reached."""
    hostname = hostname.rstrip(".")
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return _local_address(hostname)
    except ValueError:
        return False


def _guarded_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """socket.create_connection, refusing a peer on the board's own network."""
    sock = socket.create_connection(address, timeout, source_address)
    peer = sock.getpeername()[0]
    if _local_address(peer):
        sock.close()
        raise AddressNotAllowed(
            f"{peer} is on the board's own network (BOARD_WEBHOOK_LOCAL_NETWORK allows it)"
        )
    return sock


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connection  # before TLS: nothing is sent


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(
            _GuardedHTTPSConnection,
            req,
            context=self._context,
            check_hostname=self._check_hostname,
        )


# Every hop of a redirect goes through the same handlers.
_INTERNET_ONLY = urllib.request.build_opener(_GuardedHTTPHandler, _GuardedHTTPSHandler)
_ANY_ADDRESS = urllib.request.build_opener()


def _post(hook: Webhook, body: bytes, local_network: bool, delivery_id: int | None = None) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": "task-force-board"}
    if delivery_id is not None:  # the same on a retry: a receiver drops what it has taken
        headers["X-Board-Delivery"] = str(delivery_id)
    if hook.secret:
        headers["X-Board-Signature"] = signature(hook.secret, body)
    request = urllib.request.Request(hook.url, data=body, headers=headers, method="POST")
    opener = _ANY_ADDRESS if local_network else _INTERNET_ONLY
    with opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
        if not 200 <= answer.status < 300:
            raise urllib.error.HTTPError(hook.url, answer.status, "not 2xx", answer.headers, None)


# What a POST may raise about the receiver: http.client's InvalidURL (a port that is no
# port, in a webhook stored before add_webhook refused one) is neither OSError nor ValueError.
SEND_ERRORS = (urllib.error.URLError, OSError, ValueError, http.client.HTTPException)


def deliver_due(app: Flask, limit: int = 200) -> int:
    """POST what is due; returns how many were delivered."""
    settings = app.extensions["board_settings"]
    base_url, local_network = settings.base_url, settings.webhook_local_network
    delivered = 0
    with app.extensions["board_db"].Session() as session:
        due = outbox.due_ids(session, WebhookDelivery, clock.now(), STALE_SENDING, limit)
        for delivery_id in due:
            row = outbox.claim(session, WebhookDelivery, delivery_id)
            if row is None:
                continue
            hook = session.get(Webhook, row.webhook_id)
            event = session.get(Event, row.seq)
            if hook is None or event is None:
                row.status = "failed"
                session.commit()
                continue
            body = body_for(hook, events.envelope_of(event), base_url)
            # Nothing held while the receiver takes its time: a write transaction open
            # through the POST would keep every writer of the process waiting.
            session.commit()
            try:
                _post(hook, body, local_network, row.id)
            except SEND_ERRORS as error:
                _failed(session, row, error)
                continue
            row.status, row.delivered_at, row.attempts = "delivered", clock.now(), row.attempts + 1
            session.commit()
            delivered += 1
    return delivered


def _failed(session: Session, row: WebhookDelivery, error: Exception) -> None:
    row.attempts += 1
    row.last_error = str(error)[:500]
    now = clock.now()
    if now - row.created_at > GIVE_UP_AFTER:
        row.status = "failed"
    else:
        row.status = "pending"
        row.next_attempt_at = now + timedelta(seconds=min(5 * 2**row.attempts, 600))
    session.commit()
    log.warning("webhook delivery %s failed (attempt %s): %s", row.id, row.attempts, error)


def _loop(app: Flask) -> None:
    while True:
        time.sleep(LOOP_SECONDS)
        try:
            with app.app_context():
                deliver_due(app)
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("the webhook round failed")


def start_webhook_sender(app: Flask) -> bool:
    return start_once(app, "board_webhook_sender", "board-webhooks", _loop, app)
