"""The OpenAPI 3 description of /api/v1, written by hand from shared/API.md.

A test holds it to the real routes (every /api/v1 rule is described here with the same
methods), a validator checks its structure, and the fuzz test generates requests from it.
A new route therefore starts here. Request bodies say `additionalProperties: false`
because the API refuses unknown fields (`unknown_field`).
"""

from __future__ import annotations

from typing import Any

from board.events import EVENT_TYPES
from board.limits import DISPLAY_NAME_MAX, EMAIL_MAX, PASSWORD_MAX, TEXT_MAX, TITLE_MAX
from board.prompts import MAX_CHALLENGE_LENGTH
from board.publications import CLOCK_SKEW, RECORD_DAYS_BACK
from board.tasks import PLAN_DAYS_AHEAD, PLAN_DAYS_BACK

JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: list[str], properties: dict, *, closed: bool = False) -> dict:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


INT_ID = {"type": "integer", "minimum": 1}
NEXT_CURSOR = {
    "type": ["string", "null"],
    "description": "Pass as cursor for the next page; null on the last page",
}
TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
TITLE = {"type": "string", "minLength": 1, "maxLength": TITLE_MAX}
TEXT = {"type": "string", "maxLength": TEXT_MAX}
DAY = {
    "type": "string",
    "format": "date",
    "description": "A calendar day, YYYY-MM-DD, no time zone.",
}
# The bounds of the dates people set, as the services check them (tasks.check_publish_on,
# publications._published_at_problem, prompts._check_time_box). They move with the clock,
# so they are said in words: JSON Schema has no "today".
PUBLISH_ON_RULE = (
    f"From {PLAN_DAYS_BACK} days before today to {PLAN_DAYS_AHEAD} days after it (two "
    "years); a day has no time zone, so today is counted from the date at UTC-12 to the "
    "date at UTC+14. A day outside: 400 `invalid_fields`, `fields.publish_on` naming the "
    "first and last day."
)
PUBLISH_ON = {**nullable(DAY), "description": f"A calendar day, YYYY-MM-DD. {PUBLISH_ON_RULE}"}
PLAN_PUBLISH_ON = {
    **nullable(DAY),
    "description": f"A calendar day, YYYY-MM-DD. {PUBLISH_ON_RULE} Only a new day is "
    "checked: a day stored earlier stays while other fields change; null takes it off the "
    "calendar.",
}
_SKEW_MINUTES = int(CLOCK_SKEW.total_seconds() // 60)
PUBLISHED_AT = {
    **TIME,
    "description": "When it went live (with a UTC offset); default now. At most "
    f"{_SKEW_MINUTES} minutes after the server's clock (a publication lies in the past) "
    f"and at most {RECORD_DAYS_BACK} days back (its UTC date not before the day "
    f"{RECORD_DAYS_BACK} days ago). Outside: 400 `invalid_fields`, `fields.published_at`.",
}
_CHALLENGE_DAYS = MAX_CHALLENGE_LENGTH.days
SUBMISSIONS_CLOSE_AT = {
    **TIME_OR_NULL,
    "description": "A challenge's end of submissions (with a UTC offset): required for a "
    "challenge and after now. Missing or not after now: 400 `invalid_fields`, "
    "`fields.submissions_close_at`. A prompt has none (400 `invalid_fields` when given).",
}
VOTING_CLOSE_AT = {
    **TIME_OR_NULL,
    "description": "A challenge's end of voting (with a UTC offset): required for a "
    f"challenge, after `submissions_close_at` and at most {_CHALLENGE_DAYS} days after now. "
    "Missing, not after the submissions close or further ahead: 400 `invalid_fields`, "
    "`fields.voting_close_at`. A prompt has none (400 `invalid_fields` when given).",
}
CHANNELS = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Channel names from BOARD_CHANNELS (default instagram, tiktok, linkedin, "
    "youtube, facebook, x, blog, newsletter, intranet); an unknown one is a 400.",
}

HANDLE = {"type": ["string", "null"], "description": "The @handle mentions use."}
NAME_SHARED = {
    "type": ["boolean", "null"],
    "description": "Extension: someone else on the board has the same display name; show the "
    "department and @handle beside it to tell them apart. Names count as the same whatever "
    'their case or Unicode form ("ÖZLEM DEMIR" and "Özlem Demir"; Unicode case '
    "folding, without Turkish rules).",
}

SCHEMAS: dict[str, dict] = {
    "Error": obj(
        ["error"],
        {
            "error": obj(
                ["code", "message"],
                {
                    "code": {
                        "type": "string",
                        "pattern": "^[a-z][a-z0-9_]*$",
                        "description": "Stable, English, snake_case; programs switch on it.",
                    },
                    "message": {
                        "type": "string",
                        "description": "A sentence for people, translated.",
                    },
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Per-field problems, when the input was at fault.",
                    },
                },
            )
        },
    ),
    "Department": obj(["id", "name"], {"id": {"type": "integer"}, "name": {"type": "string"}}),
    "Person": obj(
        ["id", "display_name", "department"],
        {
            "id": {"type": "integer"},
            "display_name": {"type": "string"},
            "handle": HANDLE,
            "name_shared": NAME_SHARED,
            "department": ref("Department"),
        },
    ),
    "User": obj(
        ["id", "email", "display_name", "role", "department"],
        {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "display_name": {"type": "string"},
            "handle": HANDLE,
            "name_shared": NAME_SHARED,
            "role": {"type": "string", "enum": ["member", "facilitator", "observer"]},
            "department": ref("Department"),
            "language": {"type": ["string", "null"], "enum": ["en", "de", None]},
            "timezone": {"type": ["string", "null"], "description": "owner only"},
        },
    ),
    "Session": obj(
        ["user", "csrf_token"],
        {
            "user": ref("User"),
            "csrf_token": {
                "type": "string",
                "description": "Send it as X-CSRF-Token with every state-changing request.",
            },
        },
    ),
    "Idea": obj(
        [
            "id",
            "title",
            "body",
            "body_html",
            "tags",
            "author",
            "votes",
            "voted",
            "departments_supporting",
            "status",
            "prompt_id",
            "created_at",
        ],
        {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "body_html": {"type": "string", "description": "The body as sanitized HTML."},
            "tags": {"type": "array", "items": {"type": "string"}},
            "author": ref("Person"),
            "votes": {
                "type": ["integer", "null"],
                "description": "null while a challenge with hidden tallies is open.",
            },
            "voted": {"type": "boolean", "description": "Whether the caller voted for it."},
            "departments_supporting": {"type": ["integer", "null"]},
            "status": {
                "type": "string",
                "enum": ["open", "in_progress", "done"],
                "description": "Derived from its tasks, never set by hand: open while none "
                "is taken up, done once every task is done, in_progress between.",
            },
            "tasks_total": {"type": "integer"},
            "tasks_done": {"type": "integer", "description": "Progress, e.g. 3 of 3."},
            "publications": {"type": "array", "items": ref("Publication")},
            "prompt_id": {"type": ["integer", "null"]},
            "created_at": TIME,
            "withdrawn": {
                "type": "boolean",
                "description": "Its author withdrew it: gone from the lists, kept at its "
                "address and in the feed; no more votes, comments or edits.",
            },
            "withdrawn_at": TIME_OR_NULL,
            "hidden": nullable(ref("Hidden")),
            "images": {"type": "array", "items": ref("Image")},
        },
    ),
    "Hidden": obj(
        ["reason", "by", "at"],
        {
            "reason": {
                "type": "string",
                "description": "by facilitator: their words; by flags: the reason most "
                "flags gave (off_topic, confidential, guidelines, other).",
            },
            "by": {"type": "string", "enum": ["facilitator", "flags"]},
            "at": TIME,
        },
        closed=False,
    ),
    "Image": obj(
        ["id", "url", "markdown", "content_type", "width", "height", "size"],
        {
            "id": {"type": "integer"},
            "url": {"type": "string", "description": "/images/<id>, for people logged in"},
            "markdown": {
                "type": "string",
                "description": "Put it in an idea's body or a comment to show the image there; "
                "saving that text makes the image belong to it.",
            },
            "content_type": {"type": "string", "enum": ["image/png", "image/jpeg", "image/webp"]},
            "width": {"type": "integer", "maximum": 4000},
            "height": {"type": "integer", "maximum": 4000},
            "size": {"type": "integer", "description": "Bytes, as stored"},
            "created_at": TIME,
        },
    ),
    "ModerationState": obj(
        ["target_kind", "target_id", "flagged", "hidden"],
        {
            "target_kind": {"type": "string", "enum": ["idea", "comment"]},
            "target_id": {"type": "integer"},
            "flagged": {"type": "boolean", "description": "The caller's flag is standing."},
            "reason": {"type": ["string", "null"]},
            "hidden": nullable(ref("Hidden")),
        },
    ),
    "FlagList": obj(
        ["items"],
        {
            "items": {
                "type": "array",
                "items": obj(
                    ["target_kind", "target_id", "idea_id", "hidden", "flags"],
                    {
                        "target_kind": {"type": "string", "enum": ["idea", "comment"]},
                        "target_id": {"type": "integer"},
                        "idea_id": {"type": "integer"},
                        "title": {"type": "string"},
                        "excerpt": {"type": "string"},
                        "author": ref("Person"),
                        "hidden": nullable(ref("Hidden")),
                        "flags": {"type": "array", "items": {"type": "object"}},
                    },
                ),
            }
        },
    ),
    "IdeaList": obj(
        ["items", "next_cursor"],
        {"items": {"type": "array", "items": ref("Idea")}, "next_cursor": NEXT_CURSOR},
    ),
    "CommentList": obj(
        ["items", "next_cursor"],
        {"items": {"type": "array", "items": ref("Comment")}, "next_cursor": NEXT_CURSOR},
    ),
    "VoteResult": obj(
        ["idea_id", "votes", "voted"],
        {
            "idea_id": {"type": "integer"},
            "votes": {"type": ["integer", "null"]},
            "voted": {"type": "boolean"},
            "departments_supporting": {"type": ["integer", "null"]},
        },
    ),
    "Comment": obj(
        ["id", "idea_id", "body", "body_html", "author", "is_mentor_note", "created_at"],
        {
            "id": {"type": "integer"},
            "idea_id": {"type": "integer"},
            "body": {"type": "string"},
            "body_html": {"type": "string"},
            "author": ref("Person"),
            "is_mentor_note": {"type": "boolean"},
            "created_at": TIME,
            "edited_at": {**TIME_OR_NULL, "description": "Set when its author edited it."},
            "deleted": {
                "type": "boolean",
                "description": "Its author deleted it: it keeps its place, its text is gone.",
            },
            "deleted_at": TIME_OR_NULL,
            "hidden": nullable(ref("Hidden")),
            "images": {"type": "array", "items": ref("Image")},
        },
    ),
    "Task": obj(
        [
            "id",
            "title",
            "description",
            "idea_id",
            "status",
            "claimed_by",
            "claimed_at",
            "created_at",
        ],
        {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "idea_id": {"type": ["integer", "null"]},
            "status": {"type": "string", "enum": ["open", "claimed", "done"]},
            "claimed_by": nullable(ref("Person")),
            "claimed_at": TIME_OR_NULL,
            "created_at": TIME,
            "channels": CHANNELS,
            "publish_on": {
                **nullable(DAY),
                "description": "The publishing day (YYYY-MM-DD), on the calendar.",
            },
            "help_wanted": {"type": "boolean"},
            "lease_expires_at": {
                **TIME_OR_NULL,
                "description": "With BOARD_CLAIM_LEASE_DAYS: when the claim returns to open "
                "unless its claimant touches it.",
            },
            "lease_warning": {
                "type": "boolean",
                "description": "The lease ends within two days (the claim_expiring warning).",
            },
        },
    ),
    "TaskPlan": obj(
        [],
        {"channels": CHANNELS, "publish_on": PLAN_PUBLISH_ON, "help_wanted": {"type": "boolean"}},
        closed=True,
    ),
    "Calendar": obj(["items"], {"items": {"type": "array", "items": ref("Task")}}),
    "CalendarToken": obj(
        ["token", "ics_url"],
        {
            "token": {"type": ["string", "null"]},
            "ics_url": {
                "type": ["string", "null"],
                "description": "The private iCalendar (text/calendar) URL; it needs no login.",
            },
        },
    ),
    "Publication": obj(
        ["url", "channel", "published_at", "by"],
        {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "channel": {"type": "string"},
            "published_at": TIME,
            "by": ref("Person"),
        },
    ),
    "PublicationCreate": obj(
        ["url", "channel"],
        {
            "url": {"type": "string", "maxLength": 2000, "description": "http(s) only"},
            "channel": {"type": "string", "description": "One of BOARD_CHANNELS."},
            "published_at": PUBLISHED_AT,
        },
        closed=True,
    ),
    "TaskList": obj(
        ["items", "next_cursor"],
        {"items": {"type": "array", "items": ref("Task")}, "next_cursor": NEXT_CURSOR},
    ),
    "Prompt": obj(
        [
            "id",
            "kind",
            "title",
            "body",
            "phase",
            "submissions_close_at",
            "voting_close_at",
            "hide_tallies",
            "votes_per_person",
            "created_at",
        ],
        {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": ["prompt", "challenge"]},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "phase": {"type": "string", "enum": ["collecting", "voting", "closed"]},
            "submissions_close_at": TIME_OR_NULL,
            "voting_close_at": TIME_OR_NULL,
            "hide_tallies": {"type": "boolean"},
            "votes_per_person": {"type": ["integer", "null"]},
            "created_at": TIME,
        },
    ),
    "Nudge": obj(
        [
            "id",
            "message",
            "from",
            "to_user_id",
            "task_id",
            "department_id",
            "created_at",
            "read_at",
        ],
        {
            "id": {"type": "integer"},
            "message": {"type": "string"},
            "from": obj(
                ["id", "display_name"],
                {"id": {"type": "integer"}, "display_name": {"type": "string"}},
            ),
            "to_user_id": {"type": ["integer", "null"]},
            "task_id": {"type": ["integer", "null"]},
            "department_id": {"type": ["integer", "null"]},
            "created_at": TIME,
            "read_at": TIME_OR_NULL,
        },
    ),
    "NudgeList": obj(["items"], {"items": {"type": "array", "items": ref("Nudge")}}),
    "Envelope": obj(
        ["seq", "type", "at", "actor", "data"],
        {
            "seq": {"type": "integer"},
            "type": {
                "type": "string",
                "enum": sorted(EVENT_TYPES),
                "description": "content.flagged is private to the facilitator and the "
                "person who flagged; {idea,comment}.hidden by flags name no actor and carry "
                "`departments`.",
            },
            "at": TIME,
            "actor": {
                "type": ["object", "null"],
                "description": "null for idea.votes_changed and for hiding by flags.",
            },
            "data": {"type": "object"},
        },
    ),
    "EventPage": obj(
        ["items", "last_seq"],
        {
            "items": {"type": "array", "items": ref("Envelope")},
            "last_seq": {"type": "integer"},
        },
    ),
    # ---- the activity feed (extension; docs/feed.md) ----
    "FeedItem": obj(
        ["seq", "type", "kind", "at", "actor", "department", "text", "links", "url"],
        {
            "seq": {"type": "integer"},
            "type": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": ["ideas", "votes", "comments", "tasks", "challenges"],
            },
            "at": TIME,
            "actor": {"type": ["object", "null"], "description": "null for vote tallies."},
            "department": nullable(ref("Department")),
            "text": {"type": "string", "description": "The sentence, in the caller's language."},
            "links": {
                "type": "array",
                "items": obj(
                    ["title", "url"], {"title": {"type": "string"}, "url": {"type": "string"}}
                ),
            },
            "url": {"type": ["string", "null"]},
        },
    ),
    "FeedPage": obj(
        ["items", "last_seq", "next_before", "summary"],
        {
            "items": {"type": "array", "items": ref("FeedItem")},
            "last_seq": {"type": "integer"},
            "next_before": {
                "type": ["integer", "null"],
                "description": "Pass as before= for more.",
            },
            "summary": obj(
                ["ideas", "tasks_done", "challenges", "departments", "weeks"],
                {
                    "ideas": {"type": "integer"},
                    "tasks_done": {"type": "integer"},
                    "published": {"type": "integer", "description": "Posts that went live."},
                    "challenges": {"type": "integer"},
                    "departments": {"type": "integer"},
                    "weeks": {
                        "type": "array",
                        "items": obj(
                            ["start", "ideas", "tasks_done"],
                            {
                                "start": {"type": "string", "format": "date"},
                                "ideas": {"type": "integer"},
                                "tasks_done": {"type": "integer"},
                            },
                        ),
                    },
                },
            ),
        },
    ),
    "FeedToken": obj(
        ["token", "atom_url"],
        {
            "token": {"type": ["string", "null"]},
            "atom_url": {
                "type": ["string", "null"],
                "description": "The private Atom feed; it answers without a session.",
            },
        },
    ),
    # ---- request bodies: closed, so an unknown field is a 400 ----
    "NoBody": {
        "type": "object",
        "maxProperties": 0,
        "additionalProperties": False,
        "description": "Actions take no input; naming anyone else is refused.",
    },
    "Register": obj(
        ["email", "password", "display_name", "department_id"],
        {
            "email": {"type": "string", "format": "email", "maxLength": EMAIL_MAX},
            "password": {"type": "string", "minLength": 10, "maxLength": PASSWORD_MAX},
            "display_name": {"type": "string", "minLength": 1, "maxLength": DISPLAY_NAME_MAX},
            "department_id": {"type": "integer"},
            "invite": {
                "type": ["string", "null"],
                "maxLength": 200,
                "description": "The token of an invite link (`/register?invite=`): lets an "
                "address outside BOARD_ALLOWED_EMAIL_DOMAINS register; `403 invite_invalid` "
                "when used up, expired or revoked.",
            },
        },
        closed=True,
    ),
    "Invite": obj(
        ["id", "single_use", "uses", "status", "expires_at", "revoked_at", "created_at"],
        {
            "id": {"type": "integer"},
            "single_use": {"type": "boolean"},
            "uses": {"type": "integer", "minimum": 0},
            "status": {"enum": ["active", "used", "expired", "revoked"]},
            "expires_at": TIME,
            "revoked_at": TIME_OR_NULL,
            "created_at": TIME,
            "created_by": nullable(
                obj(
                    ["id", "display_name"],
                    {"id": {"type": "integer"}, "display_name": {"type": "string"}},
                )
            ),
            "token": {"type": "string", "description": "Only in the answer that made it."},
            "url": {"type": "string", "description": "Only in the answer that made it."},
        },
    ),
    "InviteList": obj(["items"], {"items": {"type": "array", "items": ref("Invite")}}),
    "InviteCreate": obj(
        [],
        {
            "single_use": {"type": "boolean", "default": True},
            "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 90, "default": 7},
        },
        closed=True,
    ),
    "Login": obj(
        ["email", "password"],
        {
            "email": {"type": "string", "maxLength": EMAIL_MAX},
            "password": {"type": "string", "maxLength": PASSWORD_MAX},
        },
        closed=True,
    ),
    "Directory": obj(
        ["names_shown", "departments", "items", "total"],
        {
            "total": {
                "type": "integer",
                "description": "How many people match (all of them are in `items`; the people "
                "page lists the first 50); 0 when no person is listed",
            },
            "names_shown": {
                "type": "boolean",
                "description": "false for an observer in works-council mode "
                "(BOARD_OBSERVERS_SEE_NAMES=0): no person is listed, departments only",
            },
            "departments": {
                "type": "array",
                "items": obj(
                    ["id", "name", "people"],
                    {
                        "id": {
                            "type": ["integer", "null"],
                            "description": 'null: small departments pooled as "other departments"',
                        },
                        "name": {"type": "string"},
                        "people": {"type": "integer", "description": "Active, not observers"},
                    },
                ),
            },
            "items": {
                "type": "array",
                "items": obj(
                    ["id", "display_name", "role", "department", "claimed_tasks", "ideas"],
                    {
                        "id": {"type": "integer"},
                        "display_name": {"type": "string"},
                        "handle": HANDLE,
                        "name_shared": NAME_SHARED,
                        "role": {"type": "string"},
                        "department": ref("Department"),
                        "claimed_tasks": {
                            "type": "array",
                            "items": obj(
                                ["id", "title"], {"id": INT_ID, "title": {"type": "string"}}
                            ),
                        },
                        "ideas": {
                            "type": "array",
                            "description": "The latest five",
                            "items": obj(
                                ["id", "title"], {"id": INT_ID, "title": {"type": "string"}}
                            ),
                        },
                        "ideas_count": {
                            "type": "integer",
                            "description": "Their ideas on the board: withdrawn and hidden ones are not counted or listed.",
                        },
                    },
                ),
            },
        },
    ),
    "PasswordResetRequest": obj(
        ["email"], {"email": {"type": "string", "maxLength": EMAIL_MAX}}, closed=True
    ),
    "PasswordResetConfirm": obj(
        ["token", "new_password"],
        {
            "token": {"type": "string", "maxLength": 100},
            "new_password": {"type": "string", "maxLength": PASSWORD_MAX},
        },
        closed=True,
    ),
    "MeUpdate": obj(
        [],
        {
            "language": {"type": ["string", "null"], "enum": ["en", "de", None]},
            "handle": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,28}[a-z0-9]$"},
            "email_notifications": {
                "type": "string",
                "enum": ["off", "instant", "daily", "weekly"],
            },
            "timezone": {
                "type": ["string", "null"],
                "maxLength": 64,
                "description": "An IANA time zone (Europe/Berlin) for the times on pages and "
                "in mail; null: the board's BOARD_TIMEZONE",
            },
            "display_name": {"type": "string", "minLength": 1, "maxLength": DISPLAY_NAME_MAX},
            "department_id": {"type": "integer"},
        },
        closed=True,
    ),
    "PasswordChange": obj(
        ["current_password", "new_password"],
        {
            "current_password": {"type": "string", "maxLength": PASSWORD_MAX},
            "new_password": {"type": "string", "minLength": 10, "maxLength": PASSWORD_MAX},
        },
        closed=True,
    ),
    "Erasure": obj(
        [],
        {
            "password": {
                "type": "string",
                "maxLength": PASSWORD_MAX,
                "description": "The caller's password; an account made by the company login "
                "needs a company login less than ten minutes old instead",
            }
        },
        closed=True,
    ),
    "MyData": obj(
        ["user", "ideas", "comments", "votes", "tasks", "nudges", "notifications", "follows"],
        {
            "exported_at": TIME,
            "user": {"type": "object"},
            "ideas": {"type": "array", "items": {"type": "object"}},
            "comments": {"type": "array", "items": {"type": "object"}},
            "votes": {
                "type": "array",
                "description": "The caller's own votes, nobody else's",
                "items": {"type": "object"},
            },
            "tasks": {"type": "array", "items": {"type": "object"}},
            "nudges": {"type": "object"},
            "notifications": {"type": "array", "items": {"type": "object"}},
            "follows": {"type": "array", "items": {"type": "object"}},
            "publications": {"type": "array", "items": {"type": "object"}},
            "prompts": {"type": "array", "items": {"type": "object"}},
            "sessions": {"type": "array", "items": {"type": "object"}},
            "company_logins": {"type": "array", "items": {"type": "object"}},
            "activity": {"type": "array", "items": {"type": "object"}},
        },
    ),
    "LoginSessionList": obj(
        ["items"],
        {
            "items": {
                "type": "array",
                "items": obj(
                    ["id", "user_agent", "created_at", "current"],
                    {
                        "id": {"type": "integer"},
                        "user_agent": {"type": "string"},
                        "created_at": TIME,
                        "current": {"type": "boolean"},
                    },
                ),
            }
        },
    ),
    "FollowState": obj(
        ["idea_id", "following"],
        {"idea_id": {"type": "integer"}, "following": {"type": "boolean"}},
    ),
    "Notification": obj(
        [
            "id",
            "kind",
            "actor",
            "idea_id",
            "task_id",
            "prompt_id",
            "text",
            "url",
            "created_at",
            "read_at",
        ],
        {
            "id": {"type": "integer"},
            "kind": {
                "type": "string",
                "enum": [
                    "mention",
                    "comment",
                    "task_claimed",
                    "task_completed",
                    "idea_done",
                    "published",
                    "prompt",
                    "phase",
                    "nudge",
                    "claim_expiring",
                ],
            },
            "actor": {"oneOf": [ref("Person"), {"type": "null"}]},
            "idea_id": {"type": ["integer", "null"]},
            "task_id": {"type": ["integer", "null"]},
            "prompt_id": {"type": ["integer", "null"]},
            "text": {"type": "string", "description": "A sentence in the caller's language."},
            "url": {"type": "string", "description": "Where on the board it happened."},
            "created_at": TIME,
            "read_at": TIME_OR_NULL,
            "idea_title": {"type": ["string", "null"]},
            "excerpt": {
                "type": ["string", "null"],
                "description": "A short excerpt of what was said. While the idea or comment "
                "it quotes is hidden, why it is hidden instead (and the text names no title); "
                "a deleted comment's excerpt says that it was deleted.",
            },
            "hidden": {
                "description": "Set while the idea or comment this notification quotes is "
                "hidden: why, by whom (facilitator or flags) and when; null otherwise.",
                "oneOf": [
                    obj(
                        ["reason", "by", "at"],
                        {
                            "reason": {"type": "string"},
                            "by": {"type": "string", "enum": ["facilitator", "flags"]},
                            "at": TIME,
                        },
                    ),
                    {"type": "null"},
                ],
            },
        },
    ),
    "NotificationPage": obj(
        ["items", "unread", "next_cursor"],
        {
            "items": {"type": "array", "items": ref("Notification")},
            "unread": {"type": "integer"},
            "next_cursor": {"type": ["string", "null"]},
        },
    ),
    "NotificationsRead": obj(
        [], {"ids": {"type": "array", "maxItems": 1000, "items": INT_ID}}, closed=True
    ),
    "NotificationsReadResult": obj(
        ["marked", "unread"],
        {
            "marked": {"type": "integer"},
            "unread": {"type": "integer"},
            "nudges_unread": {
                "type": "integer",
                "description": "Unread nudges: a nudge's notice marked read reads the nudge",
            },
        },
    ),
    "PeopleList": obj(
        ["items"],
        {
            "items": {
                "type": "array",
                "items": obj(
                    ["id", "handle", "display_name", "department"],
                    {
                        "id": {"type": "integer"},
                        "handle": {"type": "string"},
                        "display_name": {"type": "string"},
                        "department": ref("Department"),
                    },
                ),
            }
        },
    ),
    "IdeaCreate": obj(
        ["title", "body"],
        {
            "title": TITLE,
            "body": TEXT,
            "tags": {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 40}},
            "prompt_id": {"type": ["integer", "null"]},
        },
        closed=True,
    ),
    "IdeaUpdate": obj(
        [],
        {
            "title": TITLE,
            "body": TEXT,
            "tags": {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 40}},
        },
        closed=True,
    ),
    "CommentUpdate": obj(
        ["body"],
        {"body": {"type": "string", "minLength": 1, "maxLength": TEXT_MAX}},
        closed=True,
    ),
    "FlagCreate": obj(
        ["reason"],
        {
            "reason": {
                "type": "string",
                "enum": ["off_topic", "confidential", "guidelines", "other"],
            },
            "note": {
                "type": "string",
                "maxLength": 300,
                "description": "Free text; required with `other`. Read by the facilitator.",
            },
        },
        closed=True,
    ),
    "HideCreate": obj(
        ["reason"],
        {
            "reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": 300,
                "description": "Shown to everyone on the board and in the feed.",
            }
        },
        closed=True,
    ),
    "CommentCreate": obj(
        ["body"],
        {
            "body": {"type": "string", "minLength": 1, "maxLength": TEXT_MAX},
            "mentor_note": {"type": "boolean", "description": "Facilitator only."},
        },
        closed=True,
    ),
    "TaskCreate": obj(
        ["title"],
        {
            "title": TITLE,
            "description": TEXT,
            "idea_id": {"type": ["integer", "null"]},
            "channels": nullable(CHANNELS),
            "publish_on": PUBLISH_ON,
        },
        closed=True,
    ),
    "PromptCreate": obj(
        ["kind", "title", "body"],
        {
            "kind": {"type": "string", "enum": ["prompt", "challenge"]},
            "title": TITLE,
            "body": TEXT,
            "submissions_close_at": SUBMISSIONS_CLOSE_AT,
            "voting_close_at": VOTING_CLOSE_AT,
            "hide_tallies": {"type": "boolean"},
            "votes_per_person": {"type": ["integer", "null"], "minimum": 1},
        },
        closed=True,
    ),
    "NudgeCreate": obj(
        ["message"],
        {
            "message": {"type": "string", "minLength": 1, "maxLength": TEXT_MAX},
            "to_user_id": {"type": "integer"},
            "task_id": {"type": "integer"},
            "department_id": {"type": "integer"},
        },
        closed=True,
    ),
}

_ERRORS = {
    "400": ("Bad input (or a missing/wrong X-CSRF-Token on a write).", "BadRequest"),
    "401": ("Not logged in.", "NotLoggedIn"),
    "403": ("Not allowed (`read_only` for observers).", "Forbidden"),
    "404": ("No such object.", "NotFound"),
    "409": ("Conflicts with the current state.", "Conflict"),
    "422": (
        "`idempotency_key_reused`: this Idempotency-Key came with a different request body.",
        "KeyReused",
    ),
    "413": ("The upload is too large.", "TooLarge"),
    "415": (
        "`unsupported_media_type`: a request body must be JSON (Content-Type: application/json).",
        "UnsupportedMediaType",
    ),
    "429": ("Too many attempts; see Retry-After.", "TooManyRequests"),
    "503": (
        "`service_unavailable`: the database cannot be reached; retry after Retry-After.",
        "ServiceUnavailable",
    ),
}
RESPONSES = {
    name: {"description": text, "content": {JSON: {"schema": ref("Error")}}}
    for text, name in _ERRORS.values()
}
RESPONSES["TooManyRequests"]["headers"] = {
    "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
}
RESPONSES["ServiceUnavailable"]["headers"] = RESPONSES["TooManyRequests"]["headers"]

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: a write sent again with the same key (same person, "
        "method and path) gets the first answer again (status and body, with "
        "`Idempotent-Replayed: true`) and changes nothing a second time. A "
        "duplicate that arrives while the first is still running waits for it "
        "briefly, then gets `409 idempotency_in_progress`; the same key with a "
        "different body gets `422 idempotency_key_reused`. Keys expire after a "
        "day. Use a fresh random value (e.g. a UUID) per intended change."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


PUBLIC: list = []
READ = [{"session": []}]
WRITE = [{"session": [], "csrf": []}]


def answer(status: str, schema: dict | None, description: str) -> dict:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {JSON: {"schema": schema}}
    return {status: body}


def op(
    op_id: str,
    summary: str,
    ok: dict,
    errors: str,
    *,
    security: list,
    body: str | None = None,
    body_required: bool = True,
    params: list | None = None,
) -> dict:
    """One operation; `errors` lists the error statuses it may answer, e.g. "400 401 404"."""
    operation: dict[str, Any] = {
        "operationId": op_id,
        "summary": summary,
        "security": security,
        "responses": dict(ok),
    }
    if security is WRITE:
        # a missing CSRF token or a malformed Idempotency-Key (400); a duplicate still
        # running (409 idempotency_in_progress); a key reused with another body (422)
        errors = " ".join(sorted(set(errors.split()) | {"400", "409", "422"}))
        params = [*(params or []), IDEMPOTENCY_KEY]
    errors += " 503"  # any answer that needs the database, while it is unreachable
    if body:
        errors += " 415"  # a body that is not declared as JSON
    for status in errors.split():
        operation["responses"][status] = {"$ref": f"#/components/responses/{_ERRORS[status][1]}"}
    if body:
        operation["requestBody"] = {
            "required": body_required,
            "content": {JSON: {"schema": ref(body)}},
        }
    if params:
        operation["parameters"] = params
    return operation


def path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": INT_ID}


def query(name: str, schema: dict, description: str = "") -> dict:
    param = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        param["description"] = description
    return param


PAGE_PARAMS = [
    query(
        "limit",
        {"type": "integer", "minimum": 1, "default": 50},
        "Items per page, 1 to 200 (larger is brought down to 200)",
    ),
    query(
        "cursor",
        {"type": "string"},
        "The next_cursor of the previous page; a malformed one is a 400 (bad_cursor)",
    ),
]

IDEA = [path_id("idea_id")]
COMMENT = [path_id("comment_id")]
TASK = [path_id("task_id")]
NUDGE = [path_id("nudge_id")]
INVITE = [path_id("invite_id")]

PATHS: dict[str, dict] = {
    "/departments": {
        "get": op(
            "listDepartments",
            "Departments (no login needed)",
            answer("200", {"type": "array", "items": ref("Department")}, "Departments"),
            "",
            security=PUBLIC,
        ),
    },
    "/auth/register": {
        "post": op(
            "register",
            "Register as a member and log in (no CSRF token needed); `403 "
            "password_login_disabled` where only the company login is allowed, `403 "
            "email_domain_not_allowed` outside BOARD_ALLOWED_EMAIL_DOMAINS without an invite, "
            "`403 cross_site` when the browser says the request comes from another site",
            answer("201", ref("Session"), "Registered and logged in"),
            "400 403 409 429",
            security=PUBLIC,
            body="Register",
        ),
    },
    "/auth/login": {
        "post": op(
            "login",
            "Log in (no CSRF token needed, JSON only); `403 password_login_disabled` where "
            "only the company login (OpenID Connect, /auth/oidc/login) is allowed, `403 "
            "cross_site` when the browser says the request comes from another site "
            "(Sec-Fetch-Site, Origin); 429 says in words and Retry-After how long to wait",
            answer("200", ref("Session"), "Logged in"),
            "400 401 403 429",
            security=PUBLIC,
            body="Login",
        ),
    },
    "/auth/password-reset": {
        "post": op(
            "requestPasswordReset",
            "Extension: forgot password. A single-use link (valid an hour) goes by email to "
            "the address if it has an account with a password here; the answer is the same "
            "either way. `403 reset_by_mail_off` where no mail is set up (IT makes links with "
            "the CLI); at most 3 requests per address asked about and 10 per client an hour",
            answer("204", None, "If the address has an account, a link is on its way"),
            "400 403 429",
            security=PUBLIC,
            body="PasswordResetRequest",
        ),
    },
    "/auth/password-reset/confirm": {
        "post": op(
            "confirmPasswordReset",
            "Extension: set a new password with the link's token and log in; every other "
            "session of the person ends and every other link is spent. `404 reset_invalid` "
            "for a used, expired or unknown token",
            answer("200", ref("Session"), "New password set; logged in"),
            "400 403 404",
            security=PUBLIC,
            body="PasswordResetConfirm",
        ),
    },
    "/directory": {
        "get": op(
            "listDirectory",
            "Extension: the people page. Everyone on the task force (active accounts) with "
            "department, role, the tasks they hold and their latest ideas, facilitators first; "
            "`q` matches name, @handle or department. An observer in works-council mode gets "
            "departments with head counts only (small ones pooled)",
            answer("200", ref("Directory"), "The task force"),
            "400 401",
            security=READ,
            params=[
                query("q", {"type": "string", "maxLength": 200}, "Name, @handle or department"),
                query("department_id", {"type": "integer", "minimum": 1}),
            ],
        ),
    },
    "/auth/logout": {
        "post": op(
            "logout",
            "Log out; the session ends on the server",
            answer("204", None, "Logged out"),
            "401",
            security=WRITE,
            body="NoBody",
            body_required=False,
        ),
    },
    "/me": {
        "get": op(
            "getMe",
            "The caller and a fresh CSRF token",
            answer("200", ref("Session"), "The caller"),
            "401",
            security=READ,
        ),
        "patch": op(
            "updateMe",
            "The caller's own settings (language, handle, email notifications) and own "
            "name and department; everyone, observers included",
            answer("200", ref("Session"), "Updated"),
            "400 401 409",
            security=WRITE,
            body="MeUpdate",
        ),
        "delete": op(
            "eraseMe",
            "Erase the caller (GDPR): login impossible, email, name and handle gone, "
            "sessions ended; ideas, comments and tasks stay under 'former member', held "
            "tasks return to open, closed tallies stay",
            answer("204", None, "Erased and logged out"),
            "400 401 403",
            security=WRITE,
            body="Erasure",
            body_required=False,
        ),
    },
    "/me/export": {
        "get": op(
            "exportMe",
            "Everything the board holds about the caller, as JSON (their own votes "
            "included, nobody else's data)",
            answer("200", ref("MyData"), "The caller's data"),
            "401",
            security=READ,
        ),
    },
    "/people": {
        "get": op(
            "searchPeople",
            "People one may @mention whose handle or name starts with q (not observers)",
            answer("200", ref("PeopleList"), "Up to 8 people"),
            "400 401",
            security=READ,
            params=[query("q", {"type": "string", "maxLength": 40})],
        ),
    },
    "/ideas/{idea_id}/follow": {
        "put": op(
            "followIdea",
            "Follow an idea (idempotent)",
            answer("200", ref("FollowState"), "Following"),
            "401 403 404",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=IDEA,
        ),
        "delete": op(
            "unfollowIdea",
            "Stop following an idea (idempotent)",
            answer("200", ref("FollowState"), "Not following"),
            "401 403 404",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=IDEA,
        ),
    },
    "/notifications": {
        "get": op(
            "listNotifications",
            "The caller's notifications, newest first",
            answer("200", ref("NotificationPage"), "A page of notifications"),
            "400 401",
            security=READ,
            params=[
                query("unread", {"type": "string", "enum": ["1", "0"]}, "1: unread only"),
                query("limit", {"type": "integer", "minimum": 1}, "1-200, default 50"),
                query("cursor", {"type": "string"}, "next_cursor of the previous page"),
            ],
        ),
    },
    "/notifications/read": {
        "post": op(
            "readNotifications",
            "Mark the caller's notifications read: those ids, or all",
            answer("200", ref("NotificationsReadResult"), "Marked"),
            "401",
            security=WRITE,
            body="NotificationsRead",
            body_required=False,
        ),
    },
    "/me/password": {
        "post": op(
            "changePassword",
            "Change one's password (the current one required); every other session ends, "
            "this one goes on with a new CSRF token",
            answer("200", ref("Session"), "Changed"),
            "401 403",
            security=WRITE,
            body="PasswordChange",
        ),
    },
    "/me/sessions": {
        "get": op(
            "listMySessions",
            "Where the caller is logged in",
            answer("200", ref("LoginSessionList"), "Sessions"),
            "401",
            security=READ,
        ),
    },
    "/me/sessions/{session_id}": {
        "delete": op(
            "endMySession",
            "End one of the caller's other sessions (cookie and sockets)",
            answer("204", None, "Ended"),
            "401 404",
            security=WRITE,
            params=[path_id("session_id")],
        ),
    },
    "/ideas": {
        "get": op(
            "listIdeas",
            "Ideas",
            answer("200", ref("IdeaList"), "Ideas"),
            "400 401",
            security=READ,
            params=[
                query("sort", {"type": "string", "enum": ["top", "new", "hot"]}),
                query("department", {"type": "integer"}, "A department id"),
                query("tag", {"type": "string", "maxLength": 40}),
                query("q", {"type": "string", "maxLength": 200}, "Text search"),
                query("prompt_id", {"type": "integer"}),
                *PAGE_PARAMS,
            ],
        ),
        "post": op(
            "createIdea",
            "Post an idea",
            answer("201", ref("Idea"), "Created"),
            "401 403 409",
            security=WRITE,
            body="IdeaCreate",
        ),
    },
    "/ideas/{idea_id}": {
        "get": op(
            "getIdea",
            "One idea",
            answer("200", ref("Idea"), "The idea"),
            "401 404",
            security=READ,
            params=IDEA,
        ),
        "patch": op(
            "updateIdea",
            "Edit one's own idea",
            answer("200", ref("Idea"), "Edited"),
            "401 403 404",
            security=WRITE,
            body="IdeaUpdate",
            params=IDEA,
        ),
    },
    "/ideas/{idea_id}/vote": {
        "put": op(
            "vote",
            "Vote (idempotent)",
            answer("200", ref("VoteResult"), "Voted"),
            "401 403 404 409",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=IDEA,
        ),
        "delete": op(
            "unvote",
            "Take one's vote back (idempotent)",
            answer("200", ref("VoteResult"), "Not voted"),
            "401 403 404 409",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=IDEA,
        ),
    },
    "/ideas/{idea_id}/comments": {
        "get": op(
            "listComments",
            "An idea's comments, oldest first: all of them as a list, or with limit and/or "
            "cursor a page of them",
            answer(
                "200",
                {"oneOf": [{"type": "array", "items": ref("Comment")}, ref("CommentList")]},
                "Every comment (no limit or cursor given), or a page",
            ),
            "400 401 404",
            security=READ,
            params=[*IDEA, *PAGE_PARAMS],
        ),
        "post": op(
            "addComment",
            "Comment (mentor notes: facilitator only)",
            answer("201", ref("Comment"), "Created"),
            "401 403 404",
            security=WRITE,
            body="CommentCreate",
            params=IDEA,
        ),
    },
    "/ideas/{idea_id}/publications": {
        "post": op(
            "recordPublication",
            "Record where an idea went live (idea.published)",
            answer("201", ref("Idea"), "The idea with its publications"),
            "401 403 404",
            security=WRITE,
            body="PublicationCreate",
            params=IDEA,
        ),
    },
    "/ideas/{idea_id}/done": {
        "put": op(
            "markIdeaDone",
            "Its author marks the idea done (without a publication)",
            answer("200", ref("Idea"), "Done"),
            "401 403 404",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=IDEA,
        ),
        "delete": op(
            "unmarkIdeaDone",
            "Its author takes 'done' back",
            answer("200", ref("Idea"), "No longer marked done"),
            "401 403 404",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=IDEA,
        ),
    },
    "/tasks": {
        "get": op(
            "listTasks",
            "Tasks",
            answer("200", ref("TaskList"), "Tasks"),
            "400 401",
            security=READ,
            params=[
                query("status", {"type": "string", "enum": ["open", "claimed", "done"]}),
                query(
                    "mine",
                    {"type": "string", "enum": ["1", "0", "true", "false"]},
                    "1: the tasks the caller holds or has completed",
                ),
                query("idea_id", {"type": "integer"}),
                *PAGE_PARAMS,
            ],
        ),
        "post": op(
            "createTask",
            "Create an unclaimed task",
            answer("201", ref("Task"), "Created"),
            "401 403 404",
            security=WRITE,
            body="TaskCreate",
        ),
    },
    "/tasks/{task_id}": {
        "get": op(
            "getTask",
            "One task",
            answer("200", ref("Task"), "The task"),
            "401 404",
            security=READ,
            params=TASK,
        ),
        "patch": op(
            "planTask",
            "The claimant's plan: channels, publishing day, help wanted (task.updated)",
            answer("200", ref("Task"), "The task as planned"),
            "401 403 404 409",
            security=WRITE,
            body="TaskPlan",
            params=TASK,
        ),
    },
    "/tasks/{task_id}/renew": {
        "post": op(
            "renewTask",
            "Keep one's claimed task: its claim lease starts again",
            answer("200", ref("Task"), "Still the caller's"),
            "401 403 404 409",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=TASK,
        ),
    },
    "/calendar": {
        "get": op(
            "calendar",
            "Tasks whose publishing day lies in [from, to]",
            answer("200", ref("Calendar"), "Tasks by publishing day"),
            "400 401",
            security=READ,
            params=[
                {**query("from", DAY, "First day"), "required": True},
                {**query("to", DAY, "Last day (at most 400 days after from)"), "required": True},
                query("channel", {"type": "string"}, "Only tasks for this channel"),
                query("department", {"type": "integer"}, "Only tasks of this department"),
            ],
        ),
    },
    "/calendar/token": {
        "get": op(
            "getCalendarToken",
            "The caller's private iCalendar URL (made on first use)",
            answer("200", ref("CalendarToken"), "The URL"),
            "401",
            security=READ,
        ),
        "post": op(
            "renewCalendarToken",
            "A new private iCalendar URL; the old one stops working",
            answer("201", ref("CalendarToken"), "The new URL"),
            "401",
            security=WRITE,
            body="NoBody",
            body_required=False,
        ),
        "delete": op(
            "revokeCalendarToken",
            "Revoke the private iCalendar URL",
            answer("204", None, "Revoked"),
            "401",
            security=WRITE,
            body="NoBody",
            body_required=False,
        ),
    },
    "/tasks/{task_id}/claim": {
        "post": op(
            "claimTask",
            "Claim a task for oneself",
            answer("200", ref("Task"), "Claimed by the caller"),
            "401 403 404 409",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=TASK,
        ),
    },
    "/tasks/{task_id}/release": {
        "post": op(
            "releaseTask",
            "Give one's claimed task back",
            answer("200", ref("Task"), "Unclaimed"),
            "401 403 404 409",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=TASK,
        ),
    },
    "/tasks/{task_id}/reopen": {
        "post": op(
            "reopenTask",
            "The person who completed a task takes it back: claimed by them again "
            "(task.reopened); `409 not_done` for a task that is not done",
            answer("200", ref("Task"), "Claimed by the caller again"),
            "401 403 404 409",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=TASK,
        ),
    },
    "/ideas/{idea_id}/withdraw": {
        "post": op(
            "withdrawIdea",
            "Its author withdraws an idea (idea.withdrawn): it leaves the lists and stays "
            "in the history; its tasks stay with their claimants",
            answer("200", ref("Idea"), "Withdrawn"),
            "401 403 404",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=IDEA,
        ),
    },
    "/ideas/{idea_id}/flags": {
        "post": op(
            "flagIdea",
            "Flag an idea for the facilitator (members and the facilitator); flags from "
            "three departments hide it",
            answer("201", ref("ModerationState"), "Flagged"),
            "401 403 404",
            security=WRITE,
            body="FlagCreate",
            params=IDEA,
        ),
    },
    "/ideas/{idea_id}/hidden": {
        "put": op(
            "hideIdea",
            "The facilitator hides an idea with a reason everyone reads (idea.hidden)",
            answer("200", ref("ModerationState"), "Hidden"),
            "401 403 404",
            security=WRITE,
            body="HideCreate",
            params=IDEA,
        ),
        "delete": op(
            "unhideIdea",
            "The facilitator shows a hidden idea again (idea.unhidden); its flags are cleared",
            answer("200", ref("ModerationState"), "Shown"),
            "401 403 404",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=IDEA,
        ),
    },
    "/comments/{comment_id}": {
        "get": op(
            "getComment",
            "One comment",
            answer("200", ref("Comment"), "The comment"),
            "401 404",
            security=READ,
            params=COMMENT,
        ),
        "patch": op(
            "editComment",
            "Its author edits a comment (comment.updated; shown as edited); `409 comment_deleted`",
            answer("200", ref("Comment"), "Edited"),
            "401 403 404 409",
            security=WRITE,
            body="CommentUpdate",
            params=COMMENT,
        ),
        "delete": op(
            "deleteComment",
            "Its author deletes a comment (comment.deleted): the text and its images go, a "
            "placeholder keeps its place",
            answer("200", ref("Comment"), "Deleted"),
            "401 403 404",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=COMMENT,
        ),
    },
    "/comments/{comment_id}/flags": {
        "post": op(
            "flagComment",
            "Flag a comment for the facilitator; flags from three departments hide it",
            answer("201", ref("ModerationState"), "Flagged"),
            "401 403 404 409",
            security=WRITE,
            body="FlagCreate",
            params=COMMENT,
        ),
    },
    "/comments/{comment_id}/hidden": {
        "put": op(
            "hideComment",
            "The facilitator hides a comment with a reason everyone reads (comment.hidden)",
            answer("200", ref("ModerationState"), "Hidden"),
            "401 403 404",
            security=WRITE,
            body="HideCreate",
            params=COMMENT,
        ),
        "delete": op(
            "unhideComment",
            "The facilitator shows a hidden comment again (comment.unhidden)",
            answer("200", ref("ModerationState"), "Shown"),
            "401 403 404",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=COMMENT,
        ),
    },
    "/flags": {
        "get": op(
            "listFlags",
            "What people flagged and what is hidden, with every flag (facilitator only)",
            answer("200", ref("FlagList"), "Flagged and hidden ideas and comments"),
            "401 403",
            security=READ,
        ),
    },
    "/images": {
        "post": {
            **op(
                "uploadImage",
                "Upload an image (multipart/form-data, field `file`): PNG, JPEG, GIF or WebP "
                "of at most 5 MB and 4000 pixels a side, checked from its bytes and stored "
                "re-encoded without metadata (a GIF as a PNG of its first frame); "
                "`400 invalid_image` otherwise, `413` past the size",
                answer("201", ref("Image"), "Stored"),
                "401 403 413",
                security=WRITE,
            ),
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                            "additionalProperties": False,
                        }
                    }
                },
            },
        },
    },
    "/tasks/{task_id}/complete": {
        "post": op(
            "completeTask",
            "Complete one's claimed task",
            answer("200", ref("Task"), "Done"),
            "401 403 404 409",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=TASK,
        ),
    },
    "/prompts": {
        "get": op(
            "listPrompts",
            "Prompts and idea challenges",
            answer("200", {"type": "array", "items": ref("Prompt")}, "Prompts"),
            "401",
            security=READ,
        ),
        "post": op(
            "createPrompt",
            "Post a prompt or challenge (facilitator only)",
            answer("201", ref("Prompt"), "Created"),
            "401 403",
            security=WRITE,
            body="PromptCreate",
        ),
    },
    "/prompts/{prompt_id}": {
        "get": op(
            "getPrompt",
            "One prompt or challenge",
            answer("200", ref("Prompt"), "The prompt"),
            "401 404",
            security=READ,
            params=[path_id("prompt_id")],
        ),
    },
    "/prompts/{prompt_id}/results": {
        "get": op(
            "challengeResults",
            "A closed challenge's ideas ranked, and who took part "
            "(counts only); 409 `results_not_ready` before it closes (extension)",
            answer("200", {"type": "object"}, "Results"),
            "401 404 409",
            security=READ,
            params=[path_id("prompt_id")],
        ),
    },
    "/insights": {
        "get": op(
            "helpReport",
            "Where help is needed and how flat the work is (facilitator only; extension)",
            answer("200", {"type": "object"}, "The report"),
            "400 401 403",
            security=READ,
            params=[
                query(
                    "days", {"type": "integer", "minimum": 1}, "quiet days before work is flagged"
                ),
                query("weeks", {"type": "integer", "minimum": 1}, "weeks of participation history"),
            ],
        ),
    },
    "/nudges": {
        "get": op(
            "listNudges",
            "The caller's own nudges, received or sent",
            answer("200", ref("NudgeList"), "Nudges"),
            "401",
            security=READ,
        ),
        "post": op(
            "sendNudge",
            "Send a nudge (facilitator only)",
            answer("201", ref("Nudge"), "Sent"),
            "401 403 404",
            security=WRITE,
            body="NudgeCreate",
        ),
    },
    "/invites": {
        "get": op(
            "listInvites",
            "Invite links (facilitator only)",
            answer("200", ref("InviteList"), "Invites"),
            "401 403",
            security=READ,
        ),
        "post": op(
            "createInvite",
            "Make an invite link (facilitator only); its token and URL are shown only here",
            answer("201", ref("Invite"), "Made"),
            "401 403",
            security=WRITE,
            body="InviteCreate",
            body_required=False,
        ),
    },
    "/invites/{invite_id}": {
        "delete": op(
            "revokeInvite",
            "Revoke an invite link (facilitator only)",
            answer("200", ref("Invite"), "Revoked"),
            "401 403 404",
            security=WRITE,
            params=INVITE,
        ),
    },
    "/nudges/{nudge_id}/read": {
        "post": op(
            "readNudge",
            "Mark a nudge read (its recipients only)",
            answer("200", ref("Nudge"), "Read"),
            "401 403 404",
            security=WRITE,
            body="NoBody",
            body_required=False,
            params=NUDGE,
        ),
    },
    "/events": {
        "get": op(
            "listEvents",
            "Envelopes after a seq, for catching up after a reconnect (the same envelopes "
            "the socket sends as `activity`, or several in one `activity.batch`)",
            answer("200", ref("EventPage"), "Envelopes in seq order"),
            "400 401",
            security=READ,
            params=[
                query("after", {"type": "integer", "minimum": 0}),
                query(
                    "limit",
                    {"type": "integer", "minimum": 1},
                    "1-1000, default 100; larger is clamped",
                ),
            ],
        ),
    },
    "/feed": {
        "get": op(
            "readFeed",
            "The activity feed: public events as sentences, newest first",
            answer("200", ref("FeedPage"), "Feed items and the period's summary"),
            "400 401",
            security=READ,
            params=[
                query("department", {"type": "integer"}, "A department id"),
                query(
                    "kind",
                    {
                        "type": "string",
                        "enum": ["ideas", "votes", "comments", "tasks", "challenges"],
                    },
                    "Repeatable",
                ),
                query(
                    "period",
                    {"type": "string", "enum": ["7", "30", "90", "all"]},
                    "Days up to today (default 30)",
                ),
                query("from", {"type": "string", "format": "date"}),
                query("to", {"type": "string", "format": "date"}),
                query("before", {"type": "integer", "minimum": 1}, "A seq: older items"),
                query("after", {"type": "integer", "minimum": 0}, "A seq: newer items"),
                query(
                    "limit",
                    {"type": "integer", "minimum": 1},
                    "1-200, default 100; larger is clamped",
                ),
            ],
        ),
    },
    "/feed/token": {
        "get": op(
            "getFeedToken",
            "The caller's private Atom feed URL, if any",
            answer("200", ref("FeedToken"), "The token and URL (null when none)"),
            "401",
            security=READ,
        ),
        "post": op(
            "createFeedToken",
            "A new private Atom feed URL; the old one stops working",
            answer("201", ref("FeedToken"), "Created"),
            "401",
            security=WRITE,
            body="NoBody",
            body_required=False,
        ),
        "delete": op(
            "revokeFeedToken",
            "Revoke the private Atom feed URL (it answers 404)",
            answer("204", None, "Revoked"),
            "401",
            security=WRITE,
            body="NoBody",
            body_required=False,
        ),
    },
    "/openapi.json": {
        "get": op(
            "openapi",
            "This document (no login needed)",
            answer("200", {"type": "object"}, "OpenAPI 3.1"),
            "",
            security=PUBLIC,
        ),
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Task-force board API",
        "version": "1",
        "description": (
            "JSON in and out. Log in to get the session cookie; send the `csrf_token` from "
            "login, register or GET /me as `X-CSRF-Token` with every state-changing request. "
            'Errors are always `{"error": {"code", "message", "fields"?}}`. Live '
            "changes arrive over Socket.IO as `activity` events, one envelope each (see "
            '/events). A client that connects with `auth: {"batch": true}` may also get '
            "`activity.batch`: a list of envelopes in seq order, sent in one frame when "
            "the server has several ready for it at once (when it is behind); apply them "
            "one after the other, as if each had come as `activity`. Without the flag a "
            "client gets `activity` only."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": RESPONSES,
        "securitySchemes": {
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "session",
                "description": "The session cookie that login and register set.",
            },
            "csrf": {
                "type": "apiKey",
                "in": "header",
                "name": "X-CSRF-Token",
                "description": "The csrf_token from login, register or GET /me.",
            },
        },
    },
}


def spec() -> dict[str, Any]:
    """The document served at /api/v1/openapi.json."""
    return SPEC
