"""The board's SQLAlchemy models. Importable without Flask (Alembic and scripts use them)."""

from models.base import Base, UTCDateTime, utcnow
from models.content import FLAG_REASONS, TARGET_KINDS, Flag, Image, ModerationAction
from models.events import Event, EventObject, EventPerson, EventRecipient
from models.ideas import Comment, Idea, IdeaTag, Publication, Vote
from models.idempotency import EndedSession, IdempotencyKey
from models.notifications import (
    NOTIFICATION_KINDS,
    Follow,
    Notification,
    OutgoingMail,
    Webhook,
    WebhookDelivery,
)
from models.nudges import Nudge, NudgeRecipient
from models.people import (
    EMAIL_CHOICES,
    ROLES,
    AuditEntry,
    Department,
    Invite,
    LoginSession,
    PasswordReset,
    User,
    UserIdentity,
)
from models.prompts import PHASES, Prompt
from models.tasks import TASK_STATUSES, Task

__all__ = [
    "Base",
    "UTCDateTime",
    "utcnow",
    "FLAG_REASONS",
    "TARGET_KINDS",
    "Flag",
    "Image",
    "ModerationAction",
    "Event",
    "EventObject",
    "EventPerson",
    "EventRecipient",
    "IdempotencyKey",
    "EndedSession",
    "Comment",
    "Idea",
    "IdeaTag",
    "Publication",
    "Vote",
    "NOTIFICATION_KINDS",
    "Follow",
    "Notification",
    "OutgoingMail",
    "Webhook",
    "WebhookDelivery",
    "EMAIL_CHOICES",
    "AuditEntry",
    "Nudge",
    "NudgeRecipient",
    "ROLES",
    "Department",
    "Invite",
    "LoginSession",
    "PasswordReset",
    "User",
    "UserIdentity",
    "PHASES",
    "Prompt",
    "TASK_STATUSES",
    "Task",
]
