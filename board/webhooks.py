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
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from board import clock, events
from board.errors import Invalid
from models import Event, Webhook, WebhookDelivery

log = logging.getLogger(__name__)
FORMATS = ("json", "slack", "teams", "mattermost")
GIVE_UP_AFTER = timedelta(hours=3)  # retried for at least an hour, then given up
STALE_SENDING = timedelta(minutes=5)
LOOP_SECONDS = 2
TIMEOUT_SECONDS = 5


# ---- managing (the CLI) --------------------------------------------------------------------


def add_webhook(
    session: Session, url: str, fmt: str, secret: str | None, event_types: list[str]
) -> Webhook:
    if not url.startswith(("http://", "https://")):
        raise Invalid("The URL must start with http:// or https://.", code="invalid_url")
    if fmt not in FORMATS:
        raise Invalid("Unknown format.", code="invalid_format")
    unknown = [t for t in event_types if t not in events.EVENT_TYPES]
    if unknown:
        raise Invalid(f"Unknown event types: {', '.join(unknown)}", code="invalid_events")
    hook = Webhook(
        url=url, format=fmt, secret=secret or None, event_types=event_types, created_at=clock.now()
    )
    session.add(hook)
    session.commit()
    return hook


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def remove_webhook(session: Session, webhook_id: int) -> bool:
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        return False
    session.query(WebhookDelivery).filter(WebhookDelivery.webhook_id == hook.id).delete()
    session.delete(hook)
    session.commit()
    return True


# ---- queueing, in the change's transaction --------------------------------------------------


def on_event(session: Session, envelope: dict, actor: Any, recipients: list[int] | None) -> None:
    if recipients is not None:
        return  # private: never leaves the board
    hooks = session.execute(select(Webhook.id, Webhook.event_types).where(Webhook.active.is_(True)))
    now = clock.now()
    for hook_id, types in hooks:
        if not types or envelope["type"] in types:
            session.add(
                WebhookDelivery(
                    webhook_id=hook_id, seq=envelope["seq"], created_at=now, next_attempt_at=now
                )
            )


events.add_recorder(on_event)


# ---- what is posted --------------------------------------------------------------------------


def readable(envelope: dict, base_url: str) -> str:
    """One line a person reads in a chat channel, with a link."""
    data, type_ = envelope.get("data") or {}, envelope["type"]
    who = (envelope.get("actor") or {}).get("display_name") or "Someone"
    obj = next((data[k] for k in ("idea", "comment", "task", "prompt") if k in data), {})
    title = obj.get("title") or ""
    if "idea" in data:
        link = f"{base_url}/ideas/{obj.get('id')}"
    elif "comment" in data:
        link = f"{base_url}/ideas/{obj.get('idea_id')}#comment-{obj.get('id')}"
    elif "task" in data:
        link = f"{base_url}/tasks/{obj.get('id')}"
    elif "prompt" in data:
        link = f"{base_url}/prompts/{obj.get('id')}"
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


def _post(hook: Webhook, body: bytes) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": "task-force-board"}
    if hook.secret:
        headers["X-Board-Signature"] = signature(hook.secret, body)
    request = urllib.request.Request(hook.url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
        if not 200 <= answer.status < 300:
            raise urllib.error.HTTPError(hook.url, answer.status, "not 2xx", answer.headers, None)


def deliver_due(app: Flask, limit: int = 200) -> int:
    """POST what is due; returns how many were delivered."""
    base_url = app.extensions["board_settings"].base_url
    delivered = 0
    with app.extensions["board_db"].Session() as session:
        now = clock.now()
        session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.status == "sending",
                WebhookDelivery.claimed_at < now - STALE_SENDING,
            )
            .values(status="pending")
        )
        due = session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.id)
            .limit(limit)
        ).all()
        session.commit()
        for delivery_id in due:
            won = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending")
                .values(status="sending", claimed_at=clock.now(), claim_token=secrets.token_hex(8))
                .execution_options(synchronize_session=False)
            ).rowcount
            session.commit()
            if won != 1:
                continue
            row = session.get(WebhookDelivery, delivery_id)
            session.refresh(row)
            hook = session.get(Webhook, row.webhook_id)
            event = session.get(Event, row.seq)
            if hook is None or event is None:
                row.status = "failed"
                session.commit()
                continue
            try:
                _post(hook, body_for(hook, events.envelope_of(event), base_url))
            except (urllib.error.URLError, OSError, ValueError) as error:
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
    settings = app.extensions["board_settings"]
    if settings.testing or app.testing or app.extensions.get("board_webhook_sender"):
        return False
    thread = threading.Thread(target=_loop, args=(app,), name="board-webhooks", daemon=True)
    app.extensions["board_webhook_sender"] = thread
    thread.start()
    return True
