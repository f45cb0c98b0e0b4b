"""THE permission rules of the board: who may do what to which object.

Every route, page and socket handler asks here and never decides on its own.
The board is flat: nobody, the facilitator included, may put work on another
person, take a task away from its claimant, vote twice or change someone else's idea.
There is deliberately no action that assigns, reassigns or unclaims for someone else.
"""

from __future__ import annotations

from typing import Any

from board.errors import Denied, Unauthenticated

MEMBER, FACILITATOR, OBSERVER = "member", "facilitator", "observer"

# Actions that change something; observers (department heads) may do none of them.
WRITE_ACTIONS = {
    "idea.create",
    "idea.edit",
    "idea.vote",
    "comment.create",
    "comment.mentor_note",
    "task.create",
    "task.claim",
    "task.release",
    "task.complete",
    "task.plan",
    "task.renew",
    "idea.publish",
    "idea.mark_done",
    "prompt.create",
    "nudge.send",
    "nudge.read",
    # Following an idea exists to be notified; observers receive nothing but their summary.
    "idea.follow",
    "invite.create",
    "invite.revoke",
    # Not a write, but the same rule: nudges go to people who take part, never to observers.
    "nudge.receive",
    # Fixing one's own mistakes: only ever one's own comment, idea or completed task.
    "comment.edit",
    "comment.delete",
    "idea.withdraw",
    "task.reopen",
    # Moderation in the open: anyone taking part may flag; hiding is the facilitator's.
    "content.flag",
    "content.hide",
    "content.unhide",
    "image.upload",
}
# Actions only the facilitator (the social media manager) may take.
FACILITATOR_ACTIONS = {
    "prompt.create",
    "nudge.send",
    "comment.mentor_note",
    "help.view",
    "webhooks.manage",
    # Who may join: invite links for people outside BOARD_ALLOWED_EMAIL_DOMAINS.
    "invite.create",
    "invite.list",
    "invite.revoke",
    "content.hide",
    "content.unhide",
    "flags.list",
}
# Reading the public board: everyone logged in.
READ_ACTIONS = {"board.read", "feed.read", "feed.token", "calendar.read", "calendar.token"}
# A person's own settings (language, handle, e-mail notifications), their own inbox, their
# own account (name, department, password, sessions) and their own data (export, erasure):
# everyone logged in, observers included, and only ever their own; none of it changes
# the board. "profile.settings" is the one action every personal-settings form asks for.
OWN_ACTIONS = {
    "profile.settings",
    "notifications.read",
    "account.edit",
    "account.export",
    "account.erase",
}
ACTIONS = WRITE_ACTIONS | FACILITATOR_ACTIONS | READ_ACTIONS | OWN_ACTIONS
# The API endpoints that answer without a session (the contract's list); every other one
# needs a login.
PUBLIC_API_ENDPOINTS = {
    "api.list_departments",
    "api.register",
    "api.login",
    "api.openapi",
    "api.request_password_reset",
    "api.confirm_password_reset",
}


def _is_logged_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def why_not(user: Any, action: str, target: Any = None) -> Denied | Unauthenticated | None:
    """None when `user` may do `action` to `target`, else the refusal to raise."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not _is_logged_in(user):
        return Unauthenticated("Please log in first.", code="not_logged_in")
    if action in WRITE_ACTIONS and user.role == OBSERVER:
        return Denied("Observers watch the board and cannot change it.", code="read_only")
    if action in FACILITATOR_ACTIONS and user.role != FACILITATOR:
        return Denied("Only the facilitator may do this.", code="facilitator_only")
    if action == "idea.edit" and target.author_id != user.id:
        return Denied("Only its author may edit an idea.", code="not_author")
    if action in {"comment.edit", "comment.delete"} and target.author_id != user.id:
        return Denied("Only its author may change or delete a comment.", code="not_author")
    if action == "idea.withdraw" and target.author_id != user.id:
        return Denied("Only its author may withdraw an idea.", code="not_author")
    # Reopening brings a done task back to the person who completed it, never to anyone else.
    if action == "task.reopen" and target.claimed_by_id != user.id:
        return Denied("Only the person who completed a task may reopen it.", code="not_claimant")
    if action in {"task.release", "task.complete"} and target.claimed_by_id != user.id:
        return Denied(
            "Only the person who claimed a task may release or complete it.", code="not_claimant"
        )
    # Channels, publishing day and "help wanted" are set at creation by whoever creates the
    # task; afterwards only by the person who holds it (not even the facilitator plans
    # someone else's work). Renewing a claim lease is the claimant's alone, too.
    if action in {"task.plan", "task.renew"} and target.claimed_by_id != user.id:
        return Denied(
            "Only the person who claimed a task may change its plan or keep it.",
            code="not_claimant",
        )
    if action == "idea.mark_done" and target.author_id != user.id:
        return Denied("Only its author may mark an idea done.", code="not_author")
    if action == "nudge.receive" and not user.is_active:
        return Denied("This person can no longer log in.", code="inactive")
    if action in OWN_ACTIONS and target is not None and target.id != user.id:
        return Denied("You may only change your own settings.", code="not_yours")
    if action == "nudge.read" and user.id not in target:
        return Denied("Only a nudge's recipients may mark it read.", code="not_recipient")
    return None


def can(user: Any, action: str, target: Any = None) -> bool:
    return why_not(user, action, target) is None


def require(user: Any, action: str, target: Any = None) -> None:
    """Raise Denied (or Unauthenticated) unless `user` may do `action` to `target`."""
    refusal = why_not(user, action, target)
    if refusal is not None:
        raise refusal


def sees_hidden_content(user: Any, author_id: int | None) -> bool:
    """Who still reads a hidden idea or comment: its author and the facilitator (who decides
    whether it comes back). Everyone else sees the placeholder and the reason."""
    return _is_logged_in(user) and (user.role == FACILITATOR or user.id == author_id)


def may_write_mentor_notes(user: Any) -> bool:
    return can(user, "comment.mentor_note")


def receives_notifications(user: Any) -> bool:
    """Who is told of things as they happen: people taking part. Observers receive only
    their weekly summary (if they ask for it), former members nothing."""
    return user is not None and user.role != OBSERVER and user.is_active


def sees_names(viewer: Any, observers_see_names: bool) -> bool:
    """Whether `viewer` sees other people by name. Members and the facilitator always do
    (they are peers); observers (department heads) do unless the board runs in
    works-council mode (BOARD_OBSERVERS_SEE_NAMES=0), where every person appears to them
    only as their department."""
    if not _is_logged_in(viewer):
        return False
    return viewer.role != OBSERVER or observers_see_names


def event_visible_to(user: Any, private: bool, recipient_ids: set[int]) -> bool:
    """The audience rule of the event log: public events for everyone logged in,
    private ones (nudges) only for the people they name."""
    if not _is_logged_in(user):
        return False
    return not private or user.id in recipient_ids
