"""Follows and notifications: who hears about what, written in the change's own transaction.

Notifications come out of the event flow: `events.record` calls `on_event` inside the
transaction of the change, which follows and notifies from the envelope, so a change and
its notifications commit (or roll back) together. After the commit each recipient's
sockets get a private `notification` event, and the mail worker is woken.

Rules that always hold here: nobody is notified of their own action; votes cause no
notification at all (nothing could name a voter); observers and former members receive
nothing (observers get only their weekly summary, see board/mail.py).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from board import clock, events, handles, policy
from board.errors import Invalid, NotFound
from board.i18n import LANGUAGES, N_, translate
from board.ideas import hidden_dict
from board.inputs import whole_number
from board.moderation import REASON_LABELS
from board.realtime import NAMESPACE, socketio
from board.tasks import channel_label
from board.text import plain_text
from models import (
    NOTIFICATION_KINDS,
    Comment,
    Follow,
    Idea,
    Notification,
    NudgeRecipient,
    User,
    UTCDateTime,
    Vote,
)

log = logging.getLogger(__name__)
MAX_ID = 2**31 - 1
EXCERPT = 140
# Woken after a commit that wrote notifications (the mail worker registers here).
_wakers: list[Callable[[], None]] = []


TEXTS = {
    "mention": N_("%(name)s mentioned you in “%(title)s”"),
    "comment": N_("%(name)s commented on “%(title)s”"),
    "task_claimed": N_("%(name)s claimed “%(task)s” of “%(title)s”"),
    "task_completed": N_("%(name)s completed “%(task)s” of “%(title)s”"),
    "idea_done": N_("%(name)s marked “%(title)s” as done"),
    # Rows written before the status rule (an idea was "done" with its last task).
    "idea_done_tasks": N_("“%(title)s” is done: every task is complete"),
    "published": N_("“%(title)s” went live on %(channel)s"),
    "prompt": N_("New prompt: “%(prompt)s”"),
    "challenge": N_("New challenge: “%(prompt)s”"),
    "phase_voting": N_("The challenge “%(prompt)s” now takes votes"),
    "phase_closed": N_("The challenge “%(prompt)s” has closed: see the results"),
    "nudge": N_("%(name)s nudged you: %(note)s"),
    "claim_expiring": N_("Your claim on “%(task)s” runs out soon; renew it to keep it"),
}
SOMEONE = N_("Someone")
# What a notification says instead of the words of a hidden idea or comment (the same
# sentences the board shows in their place), and of a deleted comment.
HIDDEN_IDEA_TEXT = N_("This notification is about an idea that is hidden now.")
HIDDEN_IDEA_TITLE = N_("A hidden idea")
HIDDEN_BY_FACILITATOR = N_("Hidden by the facilitator: %(reason)s")
HIDDEN_BY_FLAGS = N_("Hidden after flags from several departments: %(reason)s")
DELETED_COMMENT = N_("Deleted by its author.")


# ---- following ------------------------------------------------------------------------


def follow_quietly(session: Session, user_ids: Iterable[int], idea_id: int | None) -> None:
    """Make these people follow an idea (idempotent, safe when two requests race; an
    idea or person that does not exist is skipped)."""
    ids = sorted({uid for uid in user_ids if uid is not None})
    if idea_id is None or not ids:
        return
    session.flush()  # the idea may have been written just now
    values = {"ids": ids, "idea_id": idea_id, "at": clock.now()}
    session.connection().execute(_follow_statement(session.get_bind().dialect.name), values)


@functools.lru_cache(maxsize=4)
def _follow_statement(dialect: str):
    """Built once (every new idea and comment follows)."""
    module = postgresql if dialect == "postgresql" else sqlite
    rows = (
        select(User.id, Idea.id, bindparam("at", type_=UTCDateTime()))
        .select_from(User)
        .join(Idea, Idea.id == bindparam("idea_id"))
        .where(User.id.in_(bindparam("ids", expanding=True)))
    )
    return (
        module.insert(Follow.__table__)
        .from_select(["user_id", "idea_id", "created_at"], rows)
        .on_conflict_do_nothing()
    )


def _get_idea(session: Session, idea_id: int) -> Idea:
    idea = session.get(Idea, idea_id) if 0 < idea_id <= MAX_ID else None
    if idea is None:
        raise NotFound("No such idea.", code="idea_not_found")
    return idea


def set_following(session: Session, actor: User, idea_id: int, following: bool) -> dict:
    """PUT / DELETE /ideas/<id>/follow: idempotent either way."""
    idea = _get_idea(session, idea_id)
    policy.require(actor, "idea.follow", idea)
    if following:
        follow_quietly(session, [actor.id], idea.id)
    else:
        session.execute(delete(Follow).where(Follow.user_id == actor.id, Follow.idea_id == idea.id))
    session.commit()
    return {"idea_id": idea.id, "following": following}


def following_ids(session: Session, viewer: User | None, idea_ids: list[int]) -> set[int]:
    """Which of these ideas `viewer` follows, in one query."""
    if viewer is None or not idea_ids:
        return set()
    return set(
        session.scalars(
            select(Follow.idea_id).where(Follow.user_id == viewer.id, Follow.idea_id.in_(idea_ids))
        )
    )


def followers(session: Session, idea_id: int) -> list[int]:
    return list(session.scalars(select(Follow.user_id).where(Follow.idea_id == idea_id)))


# ---- writing notifications --------------------------------------------------------------


def notify(
    session: Session,
    kind: str,
    user_ids: Iterable[int],
    *,
    actor: User | None = None,
    idea_id: int | None = None,
    task_id: int | None = None,
    prompt_id: int | None = None,
    comment_id: int | None = None,
    nudge_id: int | None = None,
    data: dict | None = None,
) -> list[int]:
    """Notify these people of something, in the caller's transaction (commit is theirs).

    The one way in for every kind, other modules included (e.g. `claim_expiring`). It
    drops the actor, observers and former members; after the commit each recipient's
    sockets get the notification. Returns the ids of the people notified.

    The rows differ only in their reader and id (a comment on a followed idea notifies
    every follower): one INSERT writes them all, and each language's socket copy is made
    once."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    wanted = {uid for uid in user_ids if uid is not None}
    if actor is not None:
        wanted.discard(actor.id)
    if not wanted:
        return []
    session.flush()  # what the rows refer to (an idea, a comment) is written first
    connection = session.connection()
    people = connection.execute(_RECIPIENTS, {"ids": sorted(wanted)}).all()
    readers = {p.id: p.language for p in people if policy.receives_notifications(p)}
    if not readers:
        return []
    fields = {
        "kind": kind,
        "actor_id": actor.id if actor is not None else None,
        "idea_id": idea_id,
        "task_id": task_id,
        "prompt_id": prompt_id,
        "comment_id": comment_id,
        "nudge_id": nudge_id,
        "data": dict(data or {}),
        "created_at": clock.now(),
    }
    rows = [{**fields, "user_id": user_id} for user_id in readers]
    ids = dict(connection.execute(_INSERT_NOTIFICATIONS, rows).all())
    shared = Notification(**fields, actor=actor)  # never added: what every row shows
    withheld = _withheld_at_once(session, idea_id, comment_id)
    copies: dict[str | None, dict] = {}
    pushes = []
    for user_id, language in readers.items():
        if language not in copies:
            copies[language] = _pushed(shared, language, withheld)
        pushes.append((user_id, {**copies[language], "id": ids[user_id]}))
    events.call_after_commit(session, _after_commit, pushes)
    return list(readers)


# Who may be notified: plain rows with what `policy.receives_notifications` reads.
_RECIPIENTS = (
    select(User.id, User.role, User.active.label("is_active"), User.language)
    .where(User.id.in_(bindparam("ids", expanding=True)))
    .order_by(User.id)
)
# Every reader's row in one statement; each comes back with its reader (SQLite promises no
# order for a multi-row RETURNING, so ids are matched by user_id).
_INSERT_NOTIFICATIONS = Notification.__table__.insert().returning(
    Notification.user_id, Notification.id
)


def _pushed(row: Notification, language: str | None, withheld: dict | None) -> dict:
    """The socket's copy. Someone who has not chosen a language reads the board in their
    browser's, which only their page knows: it gets the sentence in each language (`texts`)
    and its page shows the one it is written in."""
    payload = notification_dict(row, language, withheld)
    if language is None:
        payload["texts"] = {
            each: notification_dict(row, each, withheld)["text"] for each in LANGUAGES
        }
    return payload


def _after_commit(pushes: list[tuple[int, dict]]) -> None:
    for user_id, payload in pushes:
        try:
            socketio.emit(
                "notification", payload, to=events.user_room(user_id), namespace=NAMESPACE
            )
        except Exception:  # noqa: BLE001 - committed already; the inbox still has it
            log.exception("could not push a notification")
    for wake in list(_wakers):
        wake()


def add_waker(callback: Callable[[], None]) -> None:
    if callback not in _wakers:
        _wakers.append(callback)


# ---- from events to notifications --------------------------------------------------------


def _excerpt(text: str | None, markdown: bool = True) -> str:
    """The start of what someone wrote, as plain words (the inbox and mails show no
    Markdown: '**' and '![](/images/3)' read as noise there)."""
    text = plain_text(text) if markdown else " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _mention(
    session: Session,
    actor: User | None,
    text: str | None,
    idea_id: int | None,
    *,
    title: str,
    task_id: int | None = None,
    comment_id: int | None = None,
    task_title: str | None = None,
    only_new: bool = False,
) -> set[int]:
    """Notify the people `@named` in `text`; they follow the idea. The ids reached."""
    named = handles.mentioned_handles(text)
    if not named:
        return set()
    people = session.scalars(select(User).where(User.handle.in_(named))).all()
    reached = {p.id for p in people if policy.receives_notifications(p)}
    if actor is not None:
        reached.discard(actor.id)
    if only_new and reached:
        # An edit mentions only those the text did not already mention.
        told = session.scalars(
            select(Notification.user_id).where(
                Notification.kind == "mention",
                Notification.idea_id == idea_id,
                Notification.task_id == task_id
                if task_id is not None
                else Notification.task_id.is_(None),
                Notification.comment_id.is_(None),
                Notification.user_id.in_(reached),
            )
        )
        reached -= set(told)
    if not reached:
        return set()
    follow_quietly(session, reached, idea_id)
    notify(
        session,
        "mention",
        reached,
        actor=actor,
        idea_id=idea_id,
        task_id=task_id,
        comment_id=comment_id,
        data={"title": title, "task": task_title, "excerpt": _excerpt(text)},
    )
    return reached


def _idea_title(session: Session, idea_id: int | None) -> str:
    if idea_id is None:
        return ""
    idea = session.identity_map.get(Session.identity_key(Idea, idea_id))
    if idea is not None and "title" in idea.__dict__:  # loaded by the change (a comment's)
        return idea.title
    return session.scalar(select(Idea.title).where(Idea.id == idea_id)) or ""


def _on_idea(session: Session, envelope: dict, actor: User | None) -> None:
    idea = envelope["data"]["idea"]
    if envelope["type"] == "idea.created" and actor is not None:
        follow_quietly(session, [actor.id], idea["id"])
    _mention(
        session,
        actor,
        idea.get("body"),
        idea["id"],
        title=idea["title"],
        only_new=envelope["type"] == "idea.updated",
    )
    if envelope["type"] == "idea.published":
        publications = idea.get("publications") or []
        latest = publications[-1] if publications else {}
        notify(
            session,
            "published",
            followers(session, idea["id"]),
            actor=actor,
            idea_id=idea["id"],
            data={
                "title": idea["title"],
                "channel": latest.get("channel") or "",
                "url": latest.get("url"),
            },
        )


def _on_comment(session: Session, envelope: dict, actor: User | None) -> None:
    comment = envelope["data"]["comment"]
    idea_id = comment["idea_id"]
    title = _idea_title(session, idea_id)
    audience = set(followers(session, idea_id))
    mentioned = _mention(
        session, actor, comment.get("body"), idea_id, title=title, comment_id=comment["id"]
    )
    if actor is not None and actor.id not in audience:
        follow_quietly(session, [actor.id], idea_id)
    notify(
        session,
        "comment",
        audience - mentioned,  # a mention already told them
        actor=actor,
        idea_id=idea_id,
        comment_id=comment["id"],
        data={"title": title, "excerpt": _excerpt(comment.get("body"))},
    )


def _on_task(session: Session, envelope: dict, actor: User | None) -> None:
    task = envelope["data"]["task"]
    idea_id = task.get("idea_id")
    title = _idea_title(session, idea_id)
    type_ = envelope["type"]
    if type_ in ("task.created", "task.updated"):
        _mention(
            session,
            actor,
            task.get("description"),
            idea_id,
            title=title or task["title"],
            task_id=task["id"],
            task_title=task["title"],
            only_new=type_ == "task.updated",
        )
        return
    if idea_id is None:
        return
    data = {"title": title, "task": task["title"]}
    if type_ == "task.claimed":
        if actor is not None:
            follow_quietly(session, [actor.id], idea_id)
        notify(
            session,
            "task_claimed",
            followers(session, idea_id),
            actor=actor,
            idea_id=idea_id,
            task_id=task["id"],
            data=data,
        )
    elif type_ == "task.completed":
        # Never `idea_done` here: an idea is done when it went live or its author says so
        # (board/ideas.py _idea_status), not when the tasks written down so far are.
        notify(
            session,
            "task_completed",
            followers(session, idea_id),
            actor=actor,
            idea_id=idea_id,
            task_id=task["id"],
            data=data,
        )


def _on_prompt_created(session: Session, envelope: dict, actor: User | None) -> None:
    prompt = envelope["data"]["prompt"]
    everyone = session.scalars(
        select(User.id).where(User.active.is_(True), User.role != policy.OBSERVER)
    )
    notify(
        session,
        "prompt",
        everyone,
        actor=actor,
        prompt_id=prompt["id"],
        data={"prompt": prompt["title"], "kind": prompt["kind"]},
    )


def _on_phase_changed(session: Session, envelope: dict, actor: User | None) -> None:
    prompt = envelope["data"]["prompt"]
    if prompt.get("phase") not in ("voting", "closed"):
        return
    ideas = select(Idea.id).where(Idea.prompt_id == prompt["id"])
    # Who took part: wrote an idea, commented on one, or voted (told only themselves).
    authors = select(Idea.author_id).where(Idea.prompt_id == prompt["id"])
    commenters = select(Comment.author_id).where(Comment.idea_id.in_(ideas))
    voters = select(Vote.user_id).where(Vote.idea_id.in_(ideas))
    took_part = set(session.scalars(authors.union(commenters, voters)))
    notify(
        session,
        "phase",
        took_part,
        actor=None,
        prompt_id=prompt["id"],
        data={"prompt": prompt["title"], "phase": prompt["phase"]},
    )


def _on_nudge(session: Session, envelope: dict, actor: User | None, recipients) -> None:
    nudge = envelope["data"]["nudge"]
    notify(
        session,
        "nudge",
        recipients or [],
        actor=actor,
        task_id=nudge.get("task_id"),
        nudge_id=nudge["id"],
        data={"message": _excerpt(nudge.get("message"), markdown=False)},
    )


def on_event(session: Session, envelope: dict, actor: Any, recipients: list[int] | None) -> None:
    """events.record calls this inside the change's transaction. Votes: nothing, ever."""
    try:
        _dispatch(session, envelope, actor, recipients)
    except (KeyError, TypeError, AttributeError):
        # An envelope without the object it should carry (a hand-made one): nothing to say.
        log.warning("no notifications for malformed %s envelope", envelope.get("type"))


def _dispatch(session: Session, envelope: dict, actor: Any, recipients: list[int] | None) -> None:
    type_ = envelope["type"]
    data = envelope["data"]
    if type_ in ("idea.created", "idea.updated", "idea.published") and "idea" in data:
        _on_idea(session, envelope, actor)
    elif type_ == "comment.created":
        _on_comment(session, envelope, actor)
    elif type_ in ("task.created", "task.updated", "task.claimed", "task.completed"):
        _on_task(session, envelope, actor)
    elif type_ == "prompt.created":
        _on_prompt_created(session, envelope, actor)
    elif type_ == "prompt.phase_changed":
        _on_phase_changed(session, envelope, actor)
    elif type_ == "nudge.sent":
        _on_nudge(session, envelope, actor, recipients)


events.add_recorder(on_event)


# ---- reading ----------------------------------------------------------------------------


def withheld_words(session: Session, rows: list[Notification]) -> dict[int, dict]:
    """Per notification whose idea or comment is hidden (or whose comment was deleted) now:
    why, so that its text is not shown. Read when shown, so showing it again restores it.
    Two queries at most, whatever the number of rows."""
    idea_ids = {row.idea_id for row in rows if row.idea_id is not None}
    comment_ids = {row.comment_id for row in rows if row.comment_id is not None}
    hidden_ideas = {
        idea.id: hidden_dict(idea)
        for idea in (
            session.scalars(select(Idea).where(Idea.id.in_(idea_ids), Idea.hidden_at.is_not(None)))
            if idea_ids
            else []
        )
    }
    gone_comments = {
        comment.id: {"hidden": hidden_dict(comment), "deleted": comment.deleted_at is not None}
        for comment in (
            session.scalars(
                select(Comment).where(
                    Comment.id.in_(comment_ids),
                    (Comment.hidden_at.is_not(None)) | (Comment.deleted_at.is_not(None)),
                )
            )
            if comment_ids
            else []
        )
    }
    withheld: dict[int, dict] = {}
    for row in rows:
        if row.idea_id in hidden_ideas:
            withheld[row.id] = {"what": "idea", "hidden": hidden_ideas[row.idea_id]}
        elif row.comment_id in gone_comments:
            withheld[row.id] = {"what": "comment", **gone_comments[row.comment_id]}
    return withheld


def _withheld_at_once(session: Session, idea_id: int | None, comment_id: int | None):
    """`withheld_words` for one new notification (its author may edit a hidden idea, and
    the mentions in it are told): the rows are usually in the session already."""
    idea = session.get(Idea, idea_id) if idea_id is not None else None
    if idea is not None and idea.hidden_at is not None:
        return {"what": "idea", "hidden": hidden_dict(idea)}
    comment = session.get(Comment, comment_id) if comment_id is not None else None
    if comment is not None and (comment.hidden_at or comment.deleted_at) is not None:
        hidden = hidden_dict(comment)
        return {"what": "comment", "hidden": hidden, "deleted": comment.deleted_at is not None}
    return None


def hidden_line(hidden: dict, language: str | None) -> str:
    """Why something is hidden, as the board says it."""
    if hidden.get("by") == "flags":
        label = REASON_LABELS.get(hidden.get("reason") or "", REASON_LABELS["other"])
        return translate(HIDDEN_BY_FLAGS, language, reason=translate(label, language))
    return translate(HIDDEN_BY_FACILITATOR, language, reason=hidden.get("reason") or "")


def notification_text(row: Notification, language: str | None) -> str:
    data = row.data or {}
    key = row.kind
    if row.kind == "prompt" and data.get("kind") == "challenge":
        key = "challenge"
    elif row.kind == "phase":
        key = "phase_closed" if data.get("phase") == "closed" else "phase_voting"
    elif row.kind == "idea_done" and row.task_id is not None:
        key = "idea_done_tasks"
    name = row.actor.display_name if row.actor is not None else translate(SOMEONE, language)
    params = {
        "name": name,
        "title": data.get("title") or "",
        "task": data.get("task") or "",
        "prompt": data.get("prompt") or "",
        "channel": channel_label(data["channel"]) if data.get("channel") else "",
        "note": data.get("message") or "",
    }
    return translate(TEXTS[key], language, **params)


def notification_url(row: Notification) -> str:
    if row.kind == "nudge":
        # The nudge itself on the nudges page (the list holds every nudge one received).
        return f"/nudges#nudge-{row.nudge_id}" if row.nudge_id is not None else "/nudges"
    if row.comment_id is not None and row.idea_id is not None:
        return f"/ideas/{row.idea_id}#comment-{row.comment_id}"
    if row.task_id is not None and row.kind in ("task_claimed", "task_completed", "claim_expiring"):
        return f"/tasks/{row.task_id}"
    if row.idea_id is not None:
        return f"/ideas/{row.idea_id}"
    if row.task_id is not None:
        return f"/tasks/{row.task_id}"
    if row.prompt_id is not None:
        return f"/prompts/{row.prompt_id}"
    return "/notifications"


def notification_dict(
    row: Notification, language: str | None, withheld: dict | None = None
) -> dict:
    """One notification for its reader. `withheld` (from `withheld_words`): its idea or
    comment is hidden or deleted now, and none of its words are shown, to anyone."""
    data = row.data or {}
    if withheld is not None:
        return _withheld_dict(row, language, withheld)
    return {
        "id": row.id,
        "kind": row.kind,
        "actor": events.user_summary(row.actor),
        "idea_id": row.idea_id,
        "task_id": row.task_id,
        "prompt_id": row.prompt_id,
        "text": notification_text(row, language),
        "url": notification_url(row),
        "created_at": clock.iso(row.created_at),
        "read_at": clock.iso(row.read_at),
        # Extensions: what the inbox groups by, and a short excerpt of what was said.
        "idea_title": data.get("title") or None if row.idea_id is not None else None,
        "excerpt": data.get("excerpt"),
        "hidden": None,
    }


def _withheld_dict(row: Notification, language: str | None, withheld: dict) -> dict:
    shown = notification_dict(row, language)
    hidden = withheld.get("hidden")
    if withheld["what"] == "idea":
        # Its title is in the sentence, its words (or a comment's on it) in the excerpt.
        shown["text"] = translate(HIDDEN_IDEA_TEXT, language)
        shown["idea_title"] = translate(HIDDEN_IDEA_TITLE, language)
    reason = hidden_line(hidden, language) if hidden else translate(DELETED_COMMENT, language)
    return {**shown, "excerpt": reason, "hidden": hidden}


def unread_count(session: Session, user: User) -> int:
    return session.scalar(_unread_statement(user.id)) or 0


def _unread_statement(user_id):
    return select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )


def unread_badges(session: Session, user: User) -> tuple[int, int]:
    """The navigation's two badges, unread nudges and unread notifications, in one
    statement: every page shows both (each asked on its own was a statement per page)."""
    row = session.execute(_unread_badges_statement(), {"user_id": user.id}).one()
    return row[0] or 0, row[1] or 0


def last_seq_and_badges(session: Session, user: User) -> tuple[int, int, int]:
    """The log's newest seq (events.last_seq) and the navigation's two badges
    (unread_badges), in one statement: a page reads the seq before its data and shows
    both badges. A page's request only reads (db.py): the badges cannot change under it."""
    seq, nudge_count, inbox = (
        session.connection().execute(_last_seq_and_badges_statement(), {"user_id": user.id}).one()
    )
    return seq or 0, nudge_count or 0, inbox or 0


@functools.cache
def _last_seq_and_badges_statement():
    return select(events.LAST_SEQ.scalar_subquery(), *_unread_badges_statement().selected_columns)


@functools.cache
def _unread_badges_statement():
    """Built once: building it (and its cache key) cost more than running it."""
    user_id = bindparam("user_id")
    return select(
        unread_nudges_statement(user_id).scalar_subquery(),
        _unread_statement(user_id).scalar_subquery(),
    )


def unread_nudges_statement(user_id):
    """How many nudges `user_id` (a value or a bindparam) has not read. Here, not in
    board/nudges.py: reading a nudge's notice reads the nudge (mark_read), so nudges.py
    asks this module, and the navigation's badges count both in one statement."""
    return (
        select(func.count())
        .select_from(NudgeRecipient)
        .where(NudgeRecipient.user_id == user_id, NudgeRecipient.read_at.is_(None))
    )


def parse_cursor(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    cursor = whole_number(raw)
    if cursor is None or not 0 < cursor <= MAX_ID:
        raise Invalid("This cursor is not one the board gave out.", code="bad_cursor")
    return cursor


def list_notifications(
    session: Session,
    viewer: User,
    language: str | None,
    *,
    unread_only: bool = False,
    limit: int = 50,
    cursor: int | None = None,
) -> dict:
    """The viewer's own notifications, newest first, a page at a time."""
    policy.require(viewer, "notifications.read", viewer)
    query = select(Notification).where(Notification.user_id == viewer.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if cursor is not None:
        query = query.where(Notification.id < cursor)
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    withheld = withheld_words(session, rows)
    return {
        "items": [notification_dict(row, language, withheld.get(row.id)) for row in rows],
        "unread": unread_count(session, viewer),
        "next_cursor": str(rows[-1].id) if more and rows else None,
    }


def mark_read(session: Session, actor: User, ids: list[int] | None) -> dict:
    """Mark these (or all) of the actor's own notifications read; others' ids do nothing.

    A nudge's notice and the nudge are one thing to read: reading the notice reads the
    nudge too (its sender's read receipt on /nudges counts it), as reading the nudge on
    its page reads the notice (`read_nudge_notices`). The actor's other open pages are
    told after the commit (`push_reads`)."""
    policy.require(actor, "notifications.read", actor)
    condition = and_(Notification.user_id == actor.id, Notification.read_at.is_(None))
    if ids is not None:
        condition = and_(condition, Notification.id.in_([i for i in ids if 0 < i <= MAX_ID]))
    marked = session.execute(select(Notification.id, Notification.nudge_id).where(condition)).all()
    if marked:
        now = clock.now()
        session.execute(
            update(Notification)
            .where(Notification.id.in_([row.id for row in marked]), Notification.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        nudge_ids = sorted({row.nudge_id for row in marked if row.nudge_id is not None})
        if nudge_ids and policy.can(actor, "nudge.read", {actor.id}):
            session.execute(
                update(NudgeRecipient)
                .where(
                    NudgeRecipient.user_id == actor.id,
                    NudgeRecipient.nudge_id.in_(nudge_ids),
                    NudgeRecipient.read_at.is_(None),
                )
                .values(read_at=now)
                .execution_options(synchronize_session=False)
            )
        counts = push_reads(session, actor.id, [row.id for row in marked])
    else:
        counts = _badge_counts(session, actor.id)
    session.commit()
    return {"marked": len(marked), **counts}


def read_nudge_notices(session: Session, user_id: int, nudge_id: int, at) -> list[int]:
    """A nudge read on its own page: its notice in the reader's inbox is read too (one
    nudge, not an unread notice left for the inbox badge and the next digest). In the
    caller's transaction; the reader's open pages are told after its commit."""
    session.flush()  # the nudge's own read_at first: the badges count it
    ids = list(
        session.scalars(
            select(Notification.id).where(
                Notification.user_id == user_id,
                Notification.nudge_id == nudge_id,
                Notification.read_at.is_(None),
            )
        )
    )
    if ids:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.read_at.is_(None))
            .values(read_at=at)
            .execution_options(synchronize_session=False)
        )
    push_reads(session, user_id, ids)
    return ids


# The private Socket.IO event that tells a person's open pages what they read elsewhere.
READ_EVENT = "notifications.read"


def push_reads(session: Session, user_id: int, ids: list[int]) -> dict:
    """After this transaction commits, tell every socket of `user_id` which notifications
    they read (`ids`) and both badges' new counts (returned), so another tab's inbox and
    header follow. Only their own sockets: nobody else learns when someone reads."""
    counts = _badge_counts(session, user_id)
    events.call_after_commit(session, _emit_reads, user_id, {"ids": ids, **counts})
    return counts


def _badge_counts(session: Session, user_id: int) -> dict:
    """The two badges as this transaction sees them (its own changes included)."""
    nudges_unread, unread = session.execute(_unread_badges_statement(), {"user_id": user_id}).one()
    return {"unread": unread or 0, "nudges_unread": nudges_unread or 0}


def _emit_reads(user_id: int, payload: dict) -> None:
    try:
        socketio.emit(READ_EVENT, payload, to=events.user_room(user_id), namespace=NAMESPACE)
    except Exception:  # noqa: BLE001 - committed already; a reload shows it
        log.exception("could not tell a person's pages what they read")


def inbox_since(session: Session, viewer: User, language: str | None, after: int) -> dict:
    """What changed in the viewer's inbox since a page showing their notifications up to
    id `after` was made: the newer ones (`items`, newest first), which of the older ones
    are still unread (`unread_ids`, the newest 1,000: more than a page shows) and both
    badges' counts. The inbox page asks it live and after every reconnect."""
    policy.require(viewer, "notifications.read", viewer)
    rows = session.scalars(
        select(Notification)
        .where(Notification.user_id == viewer.id, Notification.id > after)
        .order_by(Notification.id.desc())
        .limit(INBOX_PAGE)
    ).all()
    withheld = withheld_words(session, rows)
    still_unread = session.scalars(
        select(Notification.id)
        .where(
            Notification.user_id == viewer.id,
            Notification.read_at.is_(None),
            Notification.id <= after,
        )
        .order_by(Notification.id.desc())
        .limit(1000)
    ).all()
    return {
        "items": [notification_dict(row, language, withheld.get(row.id)) for row in rows],
        "unread_ids": list(still_unread),
        **_badge_counts(session, viewer.id),
    }


INBOX_PAGE = 200  # notifications the inbox page shows (and takes at once when live)


def inbox_groups(items: list[dict]) -> list[dict]:
    """The inbox page: unread first, then grouped by idea (other things on their own).
    Each group's `key` names it on the page, where a live notice finds its group."""
    groups: dict[Any, dict] = {}
    for item in sorted(items, key=lambda i: (i["read_at"] is not None, -i["id"])):
        key = ("idea", item["idea_id"]) if item["idea_id"] is not None else ("one", item["id"])
        group = groups.setdefault(
            key,
            {
                "key": f"{key[0]}-{key[1]}",
                "idea_id": item["idea_id"],
                "title": item["idea_title"],
                "items": [],
                "unread": 0,
            },
        )
        group["items"].append(item)
        group["unread"] += item["read_at"] is None
    return list(groups.values())
