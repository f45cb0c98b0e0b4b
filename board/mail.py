"""E-mail: instant mails and daily/weekly digests, through a queue table and a sender.

Nothing here lives only in memory. Composing a mail and marking what it covers happen in
one transaction (the notifications' `mailed_at`, the person's `last_digest_at`, each
claimed by a conditional UPDATE, so two processes never compose the same mail). Sending
claims one queued row at a time (pending → sending by a conditional UPDATE), sends it,
and marks it sent; a row a crashed sender left in `sending` goes back to the queue after
a while and keeps its Message-ID, so a receiving server can recognise a repeat.

Without BOARD_SMTP_URL and BOARD_MAIL_FROM nothing is queued and nothing fails.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, literal_column, or_, select, update
from sqlalchemy.orm import Session

from board import clock, notifications, outbox, policy, prompts
from board.background import start_once
from board.i18n import current_language, force_locale, force_timezone
from board.settings import Settings
from board.text import inner_quotes
from models import Event, Notification, OutgoingMail, Prompt, Task, User

log = logging.getLogger(__name__)

INSTANT_GAP = timedelta(minutes=1)  # at most one instant mail per person per minute
STALE_SENDING = timedelta(minutes=10)  # a row left in `sending` this long: its sender died
MAX_ATTEMPTS = 12
LOOP_SECONDS = 10
FREE_TASKS = 8  # tasks a digest offers
DIGEST_ITEMS = 50  # unread notifications a digest lists (the newest; the inbox has them all)
DIGEST_PROMPTS = 20
# A digest's sections, in the order a reader wants them (what needs them first), each with
# the kinds of notification it lists: claims about to run out, the facilitator's nudges,
# mentions, challenges they took part in (voting, results), what happened on ideas they
# follow. New prompts and challenges (`prompt`) come after these, with their deadlines.
DIGEST_SECTIONS = (
    ("claims", ("claim_expiring",)),
    ("nudges", ("nudge",)),
    ("mentions", ("mention",)),
    ("challenges", ("phase",)),
    ("following", ("comment", "task_claimed", "task_completed", "idea_done", "published")),
)
_wake = threading.Event()
notifications.add_waker(_wake.set)


def mail_enabled(settings: Settings) -> bool:
    return bool(settings.smtp_url and settings.mail_from)


# ---- unsubscribing without a login (RFC 8058) ------------------------------------------


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="board-unsubscribe")


def unsubscribe_token(secret_key: str, user: User) -> str:
    return _serializer(secret_key).dumps({"u": user.id})


def unsubscribe_reader(session: Session, secret_key: str, token: str) -> User | None:
    """The person a mail's unsubscribe token names, changing nothing; None for a bad token."""
    try:
        user_id = int(_serializer(secret_key).loads(token)["u"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return session.get(User, user_id)


def unsubscribe(session: Session, secret_key: str, token: str) -> User | None:
    """Turn a person's mail off by the signed token in their mail; None for a bad token."""
    user = unsubscribe_reader(session, secret_key, token)
    if user is None:
        return None
    user.email_notifications = "off"
    session.commit()
    return user


# ---- composing ---------------------------------------------------------------------------


@contextlib.contextmanager
def _as_read_by(user: User, language: str | None = None):
    """A mail in its reader's language (`language` where they chose none, else the one their
    browser's pages spoke at their latest login, else English) and time zone (theirs, else
    BOARD_TIMEZONE), as their pages show it."""
    speaks = user.language or language or user.page_language or "en"
    with force_locale(speaks), force_timezone(user.timezone):
        yield


def _render(template: str, user: User, context: dict, language: str | None = None):
    """A mail's subject, text and HTML parts."""
    with _as_read_by(user, language):
        subject = " ".join(render_template(f"mail/{template}.subject.txt", **context).split())
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context, title=subject)
    return subject, text, html


def _queue(
    session: Session, app: Flask, user: User, kind: str, template: str, context: dict
) -> OutgoingMail:
    settings: Settings = app.extensions["board_settings"]
    token = unsubscribe_token(settings.secret_key, user)
    unsubscribe_url = f"{settings.base_url}/mail/unsubscribe/{token}"
    context = {
        **context,
        "user": user,
        "base": settings.base_url,
        "unsubscribe": unsubscribe_url,
        "setting": user.email_notifications,
    }
    subject, text, html = _render(template, user, context)
    row = OutgoingMail(
        user_id=user.id,
        kind=kind,
        to_address=user.email,
        subject=subject[:300],
        text_body=text,
        html_body=html,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    session.add(row)
    return row


def queue_password_reset(
    session: Session, app: Flask, user: User, token: str, minutes: int
) -> OutgoingMail | None:
    """The "forgot password" mail: the link, how long it works, and what to do when it was
    not you. Sent whatever the person's notification choice (they asked for it); the
    caller commits. None when mail is not set up."""
    settings: Settings = app.extensions["board_settings"]
    if not mail_enabled(settings):
        return None
    context = {
        "user": user,
        "base": settings.base_url,
        "link": f"{settings.base_url}/reset-password/{token}",
        "minutes": minutes,
    }
    # Someone who chose no language reads the board in their browser's: the page that
    # asked for the link was in it.
    subject, text, html = _render("reset", user, context, current_language())
    row = OutgoingMail(
        user_id=user.id,
        kind="password_reset",
        to_address=user.email,
        subject=subject[:300],
        text_body=text,
        html_body=html,
        headers={},
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    session.add(row)
    session.flush()
    _wake.set()
    return row


def _items(session: Session, user: User, rows: list[Notification]) -> list[dict]:
    """The notifications as the reader's inbox shows them, oldest first. `quoted`: its
    excerpt is what someone wrote (not the reason it is withheld)."""
    withheld = notifications.withheld_words(session, rows)
    items = []
    for row in rows:
        item = notifications.notification_dict(row, user.language, withheld.get(row.id))
        item["quoted"] = row.id not in withheld
        if item["quoted"] and item.get("excerpt"):
            item["excerpt"] = inner_quotes(item["excerpt"])  # the mail puts it in quotes
        items.append(item)
    return sorted(items, key=lambda i: i["id"])


def queue_instant_mails(session: Session, app: Flask) -> int:
    """One mail per person who chose `instant` and has unmailed notifications, at most one
    a minute each (what arrives meanwhile waits for the next, batched)."""
    if not mail_enabled(app.extensions["board_settings"]):
        return 0
    now = clock.now()
    waiting = session.scalars(
        select(User)
        .where(
            User.email_notifications == "instant",
            User.active.is_(True),
            User.id.in_(
                select(Notification.user_id).where(
                    Notification.mailed_at.is_(None), Notification.read_at.is_(None)
                )
            ),
        )
        .order_by(User.id)
    ).all()
    session.rollback()
    queued = 0
    for user in waiting:
        recent = session.scalar(
            select(func.count(OutgoingMail.id)).where(
                OutgoingMail.user_id == user.id,
                OutgoingMail.kind == "instant",
                OutgoingMail.created_at > now - INSTANT_GAP,
            )
        )
        if recent:
            session.rollback()
            continue
        rows = session.scalars(
            select(Notification).where(
                Notification.user_id == user.id,
                Notification.mailed_at.is_(None),
                Notification.read_at.is_(None),
            )
        ).all()
        ids = [row.id for row in rows]
        claimed = session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.mailed_at.is_(None))
            .values(mailed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not ids or claimed != len(ids):  # another process took (some of) them
            session.rollback()
            continue
        _queue(session, app, user, "instant", "instant", {"items": _items(session, user, rows)})
        session.commit()
        queued += 1
    return queued


def _digest_moment(now: datetime, period: str, settings: Settings) -> datetime:
    """The latest scheduled digest moment at or before `now` (local hour; Mondays for weekly)."""
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    moment = local.replace(hour=settings.digest_hour, minute=0, second=0, microsecond=0)
    if moment > local:
        moment -= timedelta(days=1)
    if period == "weekly":
        moment -= timedelta(days=moment.weekday())
    return moment


# The type as an expression no index is ordered by: grouped by the column, SQLite (without
# statistics, as the board runs) read the whole type index for its order instead of the
# period's events from the index on `at` (a day's digest at a million events: 70-190 ms
# where it takes 1; docs/performance.md, feedtype).
_TYPE_GROUPED = Event.type.op("||")(literal_column("''"))


def _observer_summary(session: Session, since: datetime) -> dict:
    counts = dict(
        session.execute(
            select(_TYPE_GROUPED, func.count(Event.seq))
            .where(Event.at >= since, Event.private.is_(False))
            .group_by(_TYPE_GROUPED)
        ).all()
    )
    return {
        "ideas": counts.get("idea.created", 0),
        "comments": counts.get("comment.created", 0),
        "claimed": counts.get("task.claimed", 0),
        "completed": counts.get("task.completed", 0),
        "prompts": counts.get("prompt.created", 0),
        "published": counts.get("idea.published", 0),
    }


SUMMARY_SPAN = timedelta(days=7)  # the observers' summary says "this week"


def _digest_context(session: Session, user: User, since: datetime) -> dict | None:
    """What a digest says, or None when nothing is new since the last one."""
    if user.role == policy.OBSERVER:
        # Its sentence speaks of this week: a first summary (or one after months of "off")
        # counts the last seven days, not everything since the account was made.
        summary = _observer_summary(session, max(since, clock.now() - SUMMARY_SPAN))
        return {"summary": summary} if any(summary.values()) else None
    rows = session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.id.desc())
        .limit(DIGEST_ITEMS)
    ).all()
    new = [row for row in rows if row.created_at >= since]
    # New prompts and challenges, and those whose notice is still unread, once each, with
    # their deadlines (not a second time as the notice that announced them); only those
    # that still take ideas or votes: a closed one's results reach who took part ("phase").
    now = clock.now()
    announced = {row.prompt_id for row in rows if row.kind == "prompt" and row.prompt_id}
    listed = [
        prompt
        for prompt in session.scalars(
            select(Prompt)
            .where(or_(Prompt.created_at >= since, Prompt.id.in_(announced)))
            .order_by(Prompt.id.desc())
            .limit(DIGEST_PROMPTS)
        )
        if prompts.phase_of(prompt, now) != "closed"
    ]
    if not new and not any(prompt.created_at >= since for prompt in listed):
        return None
    items = _latest_phase_only(_items(session, user, rows))
    sections = [
        {"name": name, "items": [item for item in items if item["kind"] in kinds]}
        for name, kinds in DIGEST_SECTIONS
    ]
    sections = [section for section in sections if section["items"]]
    listed_ids = {prompt.id for prompt in listed}
    shown = sum(len(section["items"]) for section in sections) + sum(
        1 for item in items if item["kind"] == "prompt" and item["prompt_id"] in listed_ids
    )
    return {
        "sections": sections,
        "prompts": listed,
        "free_tasks": free_tasks(session, user),
        "now": now,  # deadlines still ahead are shown, past ones are not
        "more": max(notifications.unread_count(session, user) - shown, 0),
    }


def _latest_phase_only(items: list[dict]) -> list[dict]:
    """A challenge's newest phase only: "now takes votes" is no news once it has closed."""
    newest = {}
    for item in items:
        if item["kind"] == "phase":
            newest[item["prompt_id"]] = item["id"]
    return [i for i in items if i["kind"] != "phase" or newest[i["prompt_id"]] == i["id"]]


def free_tasks(session: Session, user: User, limit: int = FREE_TASKS) -> list[dict]:
    """Work a person could take on: tasks whose claimant asked for a second pair of hands
    first (newest ask first, never their own), then open tasks (newest first)."""
    wanted = session.scalars(
        select(Task)
        .where(
            Task.status == "claimed",
            Task.help_wanted.is_(True),
            Task.claimed_by_id != user.id,
        )
        .order_by(Task.updated_at.desc(), Task.id.desc())
        .limit(limit)
    ).all()
    # Newest first as the board's column orders them: read in order from
    # ix_tasks_status_newest (by id, both databases sorted every open task).
    open_ = session.scalars(
        select(Task)
        .where(Task.status == "open")
        .order_by(Task.created_at.desc(), Task.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": task.id,
            "title": task.title,
            "help_wanted": task.status == "claimed",
            "claimant": task.claimed_by.display_name if task.claimed_by is not None else None,
        }
        for task in [*wanted, *open_][:limit]
    ]


def queue_digests(session: Session, app: Flask, period: str, *, force: bool = False) -> int:
    """Queue the `period` digest for everyone due (everyone who chose it, when `force`:
    the CLI). A person with nothing new gets none; their digest time still moves on."""
    settings: Settings = app.extensions["board_settings"]
    if not mail_enabled(settings):
        return 0
    now = clock.now()
    moment = now if force else _digest_moment(now, period, settings)
    who = select(User.id, User.last_digest_at, User.created_at).where(
        User.email_notifications == period, User.active.is_(True)
    )
    if period != "weekly":  # observers get only the weekly summary
        who = who.where(User.role != policy.OBSERVER)
    candidates = session.execute(who).all()
    session.rollback()
    queued = 0
    for user_id, last, created in candidates:
        if not force and (last or created) >= moment:
            continue
        condition = User.last_digest_at.is_(None) if last is None else User.last_digest_at == last
        won = session.execute(
            update(User)
            .where(User.id == user_id, condition)
            .values(last_digest_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            session.rollback()
            continue
        user = session.get(User, user_id)
        context = _digest_context(session, user, last or created)
        if context is not None:
            context["period"] = period
            _queue(session, app, user, period, "digest", context)
            queued += 1
        session.commit()
    return queued


# ---- sending -------------------------------------------------------------------------------


def _smtp(settings: Settings) -> smtplib.SMTP:
    url = urlsplit(settings.smtp_url)
    port = url.port or (465 if url.scheme == "smtps" else 25)
    if url.scheme == "smtps":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(url.hostname, port, timeout=30)
    else:
        connection = smtplib.SMTP(url.hostname, port, timeout=30)
        if url.scheme == "smtp+starttls":
            connection.starttls()
    if url.username:
        connection.login(unquote(url.username), unquote(url.password or ""))
    return connection


def _message(settings: Settings, row: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    domain = settings.mail_from.rpartition("@")[2] or "board.invalid"
    # The same on every attempt (make_msgid would add the time and a random part), so a
    # receiving server can drop the repeat a crashed sender's retry may cause.
    message["Message-ID"] = f"<board-mail-{row.id}.{row.created_at:%Y%m%d%H%M%S}@{domain}>"
    # Required by RFC 5322: without it a client files the mail by whenever it arrived,
    # and spam filters count it against the mail. The time it was written, on every attempt.
    message["Date"] = format_datetime(row.created_at.astimezone(UTC))
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


def send_pending(app: Flask, limit: int = 100) -> int:
    """Send what is due in the queue; returns how many went out."""
    settings: Settings = app.extensions["board_settings"]
    if not mail_enabled(settings):
        return 0
    database = app.extensions["board_db"]
    sent = 0
    with app.app_context(), database.Session() as session:
        due = outbox.due_ids(session, OutgoingMail, clock.now(), STALE_SENDING, limit)
        connection = None
        try:
            for mail_id in due:
                row = outbox.claim(session, OutgoingMail, mail_id)
                if row is None:
                    continue
                message = _message(settings, row)
                # Nothing held while the mail server takes its time: a write transaction
                # open through the send would keep every writer of the process waiting.
                session.commit()
                try:
                    connection = connection or _smtp(settings)
                    connection.send_message(message)
                except (smtplib.SMTPException, OSError) as error:
                    connection = None
                    _failed(session, row, error)
                    continue
                row.status, row.sent_at, row.attempts = "sent", clock.now(), row.attempts + 1
                session.commit()
                sent += 1
        finally:
            if connection is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    connection.quit()
    return sent


def _failed(session: Session, row: OutgoingMail, error: Exception) -> None:
    row.attempts += 1
    row.last_error = str(error)[:500]
    row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
    row.next_attempt_at = clock.now() + timedelta(minutes=min(2**row.attempts, 240))
    session.commit()
    log.warning(
        "mail %s to %s failed (attempt %s): %s", row.id, row.to_address, row.attempts, error
    )


# ---- the background sender ---------------------------------------------------------------


def run_once(app: Flask) -> int:
    """Compose what is due (instant mails, scheduled digests), then send the queue."""
    with app.app_context(), app.extensions["board_db"].Session() as session:
        queue_instant_mails(session, app)
        for period in ("daily", "weekly"):
            queue_digests(session, app, period)
    return send_pending(app)


def _loop(app: Flask) -> None:
    while True:
        _wake.wait(LOOP_SECONDS)
        _wake.clear()
        try:
            run_once(app)
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("the mail round failed; trying again in %s s", LOOP_SECONDS)


def start_mail_sender(app: Flask) -> bool:
    """Start the background sender once per app (not in tests; not without SMTP)."""
    if not mail_enabled(app.extensions["board_settings"]):
        return False
    return start_once(app, "board_mail_sender", "board-mail", _loop, app)
