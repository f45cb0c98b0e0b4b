"""A person's rights over their data (GDPR): a copy of everything the board holds about
them, erasure, and the retention of private messages.

- `export_data`: everything about the caller, their own votes included, and nobody else's
  data (no other person's name, message or vote).
- `erase_person`: they can no longer log in; e-mail, name and handle are gone; every
  session ends; their ideas, comments and tasks stay under "former member"; the tasks
  they held return to open (with `task.released`, reason "member_left"); their votes stay
  as anonymous rows, so no tally changes; the event log no longer names them, nor do the
  mails to other people in the queue (sent copies go, waiting ones say "former member").
- `run_retention`: private nudges, notifications, private events and sent mails older
  than BOARD_RETENTION_DAYS are deleted (the server's schedule and the CLI call it).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from markupsafe import escape
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from board import calendar_copies, clock, events, people, policy
from board.errors import Denied, FieldMessage, Invalid
from board.i18n import translate
from board.person_json import FORMER_MEMBER
from board.tasks import open_again, task_dict
from models import (
    Comment,
    EndedSession,
    Event,
    EventPerson,
    EventRecipient,
    Follow,
    Idea,
    IdempotencyKey,
    LoginSession,
    Notification,
    Nudge,
    NudgeRecipient,
    OutgoingMail,
    PasswordReset,
    Prompt,
    Publication,
    Task,
    User,
    UserIdentity,
    Vote,
)

ERASED_PASSWORD = "!erased"  # no password opens it (Argon2 refuses it as a hash)
FRESH_LOGIN_SECONDS = 10 * 60  # single-sign-on accounts confirm an erasure by a fresh login
SESSION_LIFETIME_SECONDS = 31 * 24 * 3600  # Flask's cookie lifetime: ended sids kept as long


# ---- export ------------------------------------------------------------------------------


# The export's file name in its owner's language, as the feed's CSV is named in the reader's.
EXPORT_FILE_NAMES = {"en": "my-board-data", "de": "meine-board-daten"}


def export_file_name(language: str) -> str:
    """ "my-board-data.json" / "meine-board-daten.json" """
    return f"{EXPORT_FILE_NAMES.get(language, EXPORT_FILE_NAMES['en'])}.json"


def _iso(value: datetime | None) -> str | None:
    return clock.iso(value)


def export_data(session: Session, actor: User) -> dict[str, Any]:
    """Everything the board holds about `actor`, as JSON-ready data; nobody else's."""
    policy.require(actor, "account.export", actor)
    me = actor.id

    def rows(query):
        return list(session.scalars(query))

    ideas = rows(select(Idea).where(Idea.author_id == me).order_by(Idea.id))
    comments = rows(select(Comment).where(Comment.author_id == me).order_by(Comment.id))
    votes = session.execute(
        select(Vote.idea_id, Idea.title, Vote.created_at)
        .join(Idea, Idea.id == Vote.idea_id)
        .where(Vote.user_id == me)
        .order_by(Vote.id)
    ).all()
    tasks = rows(
        select(Task)
        .where(or_(Task.created_by_id == me, Task.claimed_by_id == me))
        .order_by(Task.id)
    )
    received = session.execute(
        select(Nudge, NudgeRecipient.read_at)
        .join(NudgeRecipient, NudgeRecipient.nudge_id == Nudge.id)
        .where(NudgeRecipient.user_id == me)
        .order_by(Nudge.id)
    ).all()
    sent = rows(select(Nudge).where(Nudge.from_id == me).order_by(Nudge.id))
    notifications = rows(
        select(Notification).where(Notification.user_id == me).order_by(Notification.id)
    )
    return {
        "exported_at": _iso(clock.now()),
        "user": {
            **people.user_dict(actor),
            "created_at": _iso(actor.created_at),
            # what their browser asked the pages for at their latest login: their mail's
            # language while they choose none
            "page_language": actor.page_language,
            "has_password": actor.password_hash not in (people.NO_PASSWORD, ERASED_PASSWORD),
            "private_feed_url": actor.feed_token is not None,
            "private_calendar_url": actor.calendar_token is not None,
        },
        "ideas": [
            {
                "id": i.id,
                "title": i.title,
                "body": i.body,
                "tags": list(i.tags),
                "prompt_id": i.prompt_id,
                "created_at": _iso(i.created_at),
            }
            for i in ideas
        ],
        "comments": [
            {
                "id": c.id,
                "idea_id": c.idea_id,
                "body": c.body,
                "is_mentor_note": c.is_mentor_note,
                "created_at": _iso(c.created_at),
            }
            for c in comments
        ],
        "votes": [
            {"idea_id": idea_id, "idea_title": title, "created_at": _iso(at)}
            for idea_id, title, at in votes
        ],
        "tasks": [
            {
                "id": t.id,
                "title": t.title,
                "description": t.description if t.created_by_id == me else None,
                "idea_id": t.idea_id,
                "created_by_me": t.created_by_id == me,
                "held_by_me": t.claimed_by_id == me,
                "status": t.status if t.claimed_by_id in (me, None) else "claimed",
                "claimed_at": _iso(t.claimed_at) if t.claimed_by_id == me else None,
                "completed_at": _iso(t.completed_at) if t.claimed_by_id == me else None,
                "created_at": _iso(t.created_at) if t.created_by_id == me else None,
            }
            for t in tasks
        ],
        "nudges": {
            "received": [
                {
                    "id": n.id,
                    "message": n.message,
                    "created_at": _iso(n.created_at),
                    "read_at": _iso(read_at),
                }
                for n, read_at in received
            ],
            "sent": [
                {"id": n.id, "message": n.message, "created_at": _iso(n.created_at)} for n in sent
            ],
        },
        "notifications": [
            {
                "id": n.id,
                "kind": n.kind,
                "idea_id": n.idea_id,
                "task_id": n.task_id,
                "prompt_id": n.prompt_id,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in notifications
        ],
        "follows": [
            {"idea_id": idea_id, "created_at": _iso(at)}
            for idea_id, at in session.execute(
                select(Follow.idea_id, Follow.created_at)
                .where(Follow.user_id == me)
                .order_by(Follow.idea_id)
            )
        ],
        "publications": [
            {
                "idea_id": p.idea_id,
                "url": p.url,
                "channel": p.channel,
                "published_at": _iso(p.published_at),
            }
            for p in rows(select(Publication).where(Publication.by_id == me))
        ],
        "prompts": [
            {
                "id": p.id,
                "kind": p.kind,
                "title": p.title,
                "body": p.body,
                "created_at": _iso(p.created_at),
            }
            for p in rows(select(Prompt).where(Prompt.author_id == me))
        ],
        "sessions": [
            {"user_agent": s.user_agent, "created_at": _iso(s.created_at)}
            for s in rows(select(LoginSession).where(LoginSession.user_id == me))
        ],
        "company_logins": [
            {"issuer": i.issuer, "subject": i.subject, "created_at": _iso(i.created_at)}
            for i in rows(select(UserIdentity).where(UserIdentity.user_id == me))
        ],
        # What the person did, not each event's envelope: a busy person has tens of
        # thousands, and reading their envelopes cost seconds.
        "activity": [
            {"seq": seq, "type": type_, "at": _iso(at)}
            for seq, type_, at in session.execute(
                select(Event.seq, Event.type, Event.at)
                .where(Event.actor_id == me, Event.private.is_(False))
                .order_by(Event.seq)
            )
        ],
    }


# ---- erasure -----------------------------------------------------------------------------


def confirm_erasure(actor: User, password: str | None, company_login_age: float | None) -> None:
    """The person confirms: their password, or (an account without one, made by the company
    login) a company login less than ten minutes old."""
    policy.require(actor, "account.erase", actor)
    if actor.password_hash == people.NO_PASSWORD:
        if company_login_age is None or company_login_age > FRESH_LOGIN_SECONDS:
            raise Denied(
                "Sign in with your company account again, then erase within ten minutes.",
                code="fresh_login_required",
            )
        return
    if not password or not people.password_matches(actor.password_hash, password):
        raise Invalid(
            "Some fields are missing or invalid.",
            code="wrong_password",
            fields={"password": FieldMessage("This is not your password.")},
        )


def former_member(person: dict) -> dict:
    """A person dict of the erased: same shape, nothing that names them."""
    shown = {key: None for key in person}
    shown["id"] = person.get("id")
    shown["display_name"] = FORMER_MEMBER
    for key in ("department", "role"):
        if key in person:
            shown[key] = person[key]
    return shown


def _scrub(value: Any, user_id: int) -> tuple[Any, bool]:
    """`value` with every person dict of `user_id` replaced; and whether anything changed."""
    if isinstance(value, list):
        changed = False
        out = []
        for item in value:
            new, hit = _scrub(item, user_id)
            out.append(new)
            changed |= hit
        return out, changed
    if not isinstance(value, dict):
        return value, False
    if value.get("id") == user_id and "display_name" in value:
        return former_member(value), True
    changed = False
    out = {}
    for key, item in value.items():
        out[key], hit = _scrub(item, user_id)
        changed |= hit
    return out, changed


# Who each envelope names, as `_scrub` finds them: every JSON object in it, at any depth,
# with a "display_name" and a number "id". A trigger on `events` writes them to
# `event_people` with the row (any writer's row), so that `_scrub_event_log` reads only the
# envelopes naming the person, not the whole log (1,100,000 envelopes decoded and walked
# here for each erasure). Migration 0025 fills it for the log written before.
# The WHEN clause is a cheap first look: an envelope naming nobody (a vote's) has no
# "display_name" key. An id is taken when it equals an integer (Python's `==` that _scrub
# asks: 5.0 is 5), within SQL's integer.
_PERSON_IDS = (  # a JSON path: the ids of the objects that have a display_name
    f'strict $.** ? (@.type() == "object" && exists(@.display_name)).id ? ({events.WHOLE_ID})'
)
_NAMED_POSTGRES = (
    "SELECT DISTINCT {seq}, person_id::numeric::integer"
    f" FROM {{rows}}jsonb_path_query({{envelope}}::jsonb, '{_PERSON_IDS}') AS person_id"
)
_NAMED_SQLITE = (
    "SELECT DISTINCT {seq}, CAST(t.atom AS INTEGER) FROM {rows}json_tree({envelope}) AS t"
    " WHERE t.key = 'id' AND t.type IN ('integer', 'real')"
    " AND t.atom = CAST(t.atom AS INTEGER)"
    " AND json_type({envelope}, t.path || '.display_name') IS NOT NULL"
)
_NAMES_POSTGRES = "strpos({envelope}::text, '\"display_name\"') > 0"
_NAMES_SQLITE = "instr({envelope}, '\"display_name\"') > 0"
_NEW = {"seq": "NEW.seq", "envelope": "NEW.envelope", "rows": ""}
_EVENTS = {"seq": "events.seq", "envelope": "events.envelope", "rows": "events, "}
_INSERT = "INSERT INTO event_people (seq, user_id) "
NAMED_POSTGRES_CREATE = [
    "CREATE FUNCTION events_named_people() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"{_INSERT}{_NAMED_POSTGRES.format(**_NEW)}; RETURN NULL; END $$",
    "CREATE TRIGGER events_named_people AFTER INSERT ON events FOR EACH ROW"
    f" WHEN ({_NAMES_POSTGRES.format(**_NEW)}) EXECUTE FUNCTION events_named_people()",
]
NAMED_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS events_named_people ON events",
    "DROP FUNCTION IF EXISTS events_named_people()",
]
NAMED_SQLITE_CREATE = [
    f"CREATE TRIGGER events_named_people AFTER INSERT ON events WHEN {_NAMES_SQLITE.format(**_NEW)}"
    f" BEGIN {_INSERT}{_NAMED_SQLITE.format(**_NEW)}; END",
]
NAMED_SQLITE_DROP = ["DROP TRIGGER IF EXISTS events_named_people"]
# The log written before the trigger, in one statement.
NAMED_POSTGRES_FILL = (
    f"{_INSERT}{_NAMED_POSTGRES.format(**_EVENTS)} WHERE {_NAMES_POSTGRES.format(**_EVENTS)}"
)
NAMED_SQLITE_FILL = (
    f"{_INSERT}{_NAMED_SQLITE.format(**_EVENTS)} AND {_NAMES_SQLITE.format(**_EVENTS)}"
)


def _scrub_event_log(session: Session, user_id: int) -> int:
    """Rewrite every stored envelope that names the person (their own actions, objects they
    wrote or held): those `event_people` lists for them. Returns how many changed."""
    changed = 0
    named = select(EventPerson.seq).where(EventPerson.user_id == user_id)
    for row in session.scalars(
        select(Event).where(Event.seq.in_(named)).execution_options(yield_per=500)
    ):
        scrubbed, hit = _scrub(row.envelope, user_id)
        if hit:
            row.envelope = scrubbed
            flag_modified(row, "envelope")
            changed += 1
    return changed


def _return_held_tasks(session: Session, user: User, now: datetime) -> list[int]:
    """Tasks the person held go back to open, each with its `task.released` event."""
    held = session.scalars(
        select(Task.id).where(Task.claimed_by_id == user.id, Task.status == "claimed")
    ).all()
    for task_id in held:
        session.execute(
            update(Task)
            .where(Task.id == task_id, Task.claimed_by_id == user.id, Task.status == "claimed")
            .values(**open_again(now))
            .execution_options(synchronize_session=False)
        )
        session.expire_all()
        events.record(
            session,
            "task.released",
            None,
            {"task": task_dict(session.get(Task, task_id)), "reason": "member_left"},
        )
    return list(held)


def _forget_name_in_mail(session: Session, user: User) -> None:
    """Mails to other people that name the person (a digest's "Mara Lange commented on …"):
    a sent copy is only a record, and goes; one still waiting to be sent calls them "former
    member" instead, in its reader's language. Without this, the name stayed in the mail
    queue for BOARD_RETENTION_DAYS after the erasure. Call before the name is erased."""
    spellings = {
        text
        for value in (user.display_name, user.email)
        if value
        for text in (value, str(escape(value)))  # as the HTML part writes it
    }
    named = re.compile("|".join(rf"(?<!\w){re.escape(text)}(?!\w)" for text in spellings))
    parts = (OutgoingMail.subject, OutgoingMail.text_body, OutgoingMail.html_body)
    # The person's own mails are gone already; "sending" ones are on their way out.
    candidates = session.scalars(
        select(OutgoingMail).where(
            OutgoingMail.status.in_(("pending", "sent", "failed")),
            or_(*(part.contains(text, autoescape=True) for part in parts for text in spellings)),
        )
    ).all()
    for mail in candidates:
        if not any(named.search(getattr(mail, part.key)) for part in parts):
            continue  # the name only inside a longer word ("Ben" in "Bento")
        if mail.status != "pending":
            session.delete(mail)
            continue
        reader = session.get(User, mail.user_id) if mail.user_id else None
        former = translate(FORMER_MEMBER, reader.language if reader else None)
        text, html = (_literal(former), _literal(str(escape(former))))
        mail.subject = named.sub(text, mail.subject)
        mail.text_body = named.sub(text, mail.text_body)
        mail.html_body = named.sub(html, mail.html_body)


def _literal(replacement: str) -> str:
    """`replacement` for re.sub, taken as it is (no group references)."""
    return replacement.replace("\\", "\\\\")


def _forget_private_messages(session: Session, user_id: int) -> None:
    """Nudges to the person alone go, with their notifications and private events; from
    nudges to a department or task, only the person's own copy goes."""
    direct = session.scalars(select(Nudge.id).where(Nudge.to_user_id == user_id)).all()
    mine = select(EventRecipient.seq).where(EventRecipient.user_id == user_id)
    private_seqs = session.scalars(
        select(Event.seq).where(Event.private.is_(True), Event.seq.in_(mine))
    ).all()
    direct_seqs = [
        seq
        for seq in private_seqs
        if ((session.get(Event, seq).envelope.get("data") or {}).get("nudge") or {}).get("id")
        in direct
    ]
    session.execute(delete(EventRecipient).where(EventRecipient.user_id == user_id))
    if direct_seqs:
        session.execute(delete(EventRecipient).where(EventRecipient.seq.in_(direct_seqs)))
        session.execute(delete(Event).where(Event.seq.in_(direct_seqs)))
    session.execute(delete(NudgeRecipient).where(NudgeRecipient.user_id == user_id))
    if direct:
        session.execute(delete(Notification).where(Notification.nudge_id.in_(direct)))
        session.execute(delete(NudgeRecipient).where(NudgeRecipient.nudge_id.in_(direct)))
        session.execute(delete(Nudge).where(Nudge.id.in_(direct)))


def erase_person(session: Session, user: User) -> list[str]:
    """Erase `user` (see the module's docstring). Commits. Returns the ids of the login
    sessions it ended, so that the caller can close their sockets too."""
    if user.erased_at is not None:
        return []
    now = clock.now()
    ended = list(
        session.scalars(select(LoginSession.board_sid).where(LoginSession.user_id == user.id))
    )
    expires = now + timedelta(seconds=SESSION_LIFETIME_SECONDS)
    for board_sid in ended:
        if session.get(EndedSession, board_sid) is None:
            session.add(EndedSession(board_sid=board_sid, expires_at=expires))
    uid = user.id
    for model, column in (
        (LoginSession, LoginSession.user_id),
        (UserIdentity, UserIdentity.user_id),
        (PasswordReset, PasswordReset.user_id),
        (Follow, Follow.user_id),
        (Notification, Notification.user_id),
        (IdempotencyKey, IdempotencyKey.user_id),
        (OutgoingMail, OutgoingMail.user_id),
    ):
        session.execute(delete(model).where(column == uid))
    _forget_private_messages(session, uid)
    _forget_name_in_mail(session, user)
    user.email = f"erased-{uid}@erased.invalid"
    user.display_name = FORMER_MEMBER
    user.handle = None
    user.password_hash = ERASED_PASSWORD
    user.language = None
    user.page_language = None
    user.timezone = None
    user.feed_token = None
    user.calendar_token = None
    user.email_notifications = "off"
    user.last_digest_at = None
    user.session_version += 1  # every cookie of theirs is refused from now on
    user.erased_at = now
    if user.active:  # one switched off before has left the people page already
        with calendar_copies.regrouping(session):  # one fewer in their department
            user.active = False
        people.record_person(session, "person.left", user)  # as "former member"
    session.flush()
    # After the name is gone: the releases' envelopes are written at COMMIT, after the log
    # is rewritten, so a task the person made must already show them as "former member".
    _return_held_tasks(session, user, now)
    _scrub_event_log(session, uid)
    events.end_sockets_after_commit(session, events.user_room(uid))
    session.commit()
    return ended


# ---- retention ---------------------------------------------------------------------------


def run_retention(session: Session, now: datetime, days: int) -> dict[str, int]:
    """Delete private nudges, notifications, private events and sent mails older than
    `days`. Commits; returns how many of each went."""
    cutoff = now - timedelta(days=days)
    old_nudges = select(Nudge.id).where(Nudge.created_at < cutoff)
    old_private = select(Event.seq).where(Event.private.is_(True), Event.at < cutoff)
    counts = {}
    counts["notifications"] = session.execute(
        delete(Notification).where(
            or_(Notification.created_at < cutoff, Notification.nudge_id.in_(old_nudges))
        )
    ).rowcount
    session.execute(delete(NudgeRecipient).where(NudgeRecipient.nudge_id.in_(old_nudges)))
    counts["nudges"] = session.execute(delete(Nudge).where(Nudge.created_at < cutoff)).rowcount
    session.execute(delete(EventRecipient).where(EventRecipient.seq.in_(old_private)))
    counts["private_events"] = session.execute(
        delete(Event).where(Event.private.is_(True), Event.at < cutoff)
    ).rowcount
    counts["mails"] = session.execute(
        delete(OutgoingMail).where(
            OutgoingMail.created_at < cutoff, OutgoingMail.status.in_(("sent", "failed"))
        )
    ).rowcount
    session.commit()
    return counts
