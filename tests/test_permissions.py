"""Every route × every role, in one table.

Roles: anonymous, member (the author of the idea and the claimant of the claimed task),
other_member (neither), facilitator, observer. Each row names what each of them gets.
`test_every_route_has_a_row` walks the app's URL map: a route added without a row here
fails the suite, so nobody adds a route without deciding who may use it.
"""

from __future__ import annotations

import io
import itertools
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from board import create_app
from board import ideas as idea_service
from board import images as image_service
from board import invites as invite_service
from board import nudges as nudge_service
from board import prompts as prompt_service
from board import tasks as task_service
from board import webhooks as webhook_service
from board.settings import Settings
from models import Event, LoginSession, User
from tests.conftest import PASSWORD, JsonClient, make_user

ROLES = ("anonymous", "member", "other_member", "facilitator", "observer")
# A publishing day the board takes (a week ahead: far past or future days are refused).
PLANNED_DAY = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
EMAILS = {
    "member": "mara@example.com",
    "other_member": "ivan@example.com",
    "facilitator": "sam@example.com",
    "observer": "olga@example.com",
}
IGNORED_ENDPOINTS = {"static"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _picture() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (8, 8), (0, 120, 200)).save(out, "PNG")
    return out.getvalue()


PICTURE = _picture()

Outcome = int | tuple[int, str]  # a status, or a status and the error code


def expect(
    anonymous: Outcome,
    member: Outcome,
    other_member: Outcome,
    facilitator: Outcome,
    observer: Outcome,
) -> dict[str, Outcome]:
    return {
        "anonymous": anonymous,
        "member": member,
        "other_member": other_member,
        "facilitator": facilitator,
        "observer": observer,
    }


LOGIN = (401, "not_logged_in")
READ_ONLY = (403, "read_only")


def read(status: int = 200) -> dict[str, Outcome]:
    """Everyone logged in may read."""
    return expect(LOGIN, status, status, status, status)


def write(status: int) -> dict[str, Outcome]:
    """Everyone logged in may do it, except observers."""
    return expect(LOGIN, status, status, status, READ_ONLY)


def FACILITATOR_ONLY(status: int) -> dict[str, Outcome]:  # noqa: N802 - reads like a constant
    """Only the facilitator may do it."""
    only = (403, "facilitator_only")
    return expect(LOGIN, only, only, status, READ_ONLY)


PAGE = expect(302, 200, 200, 200, 200)  # a page for everyone logged in


# A page form: Post/Redirect/Get for everyone logged in, a refusal shown as a flash message;
# anonymous has no CSRF token (400).
PAGE_FORM = expect(400, 302, 302, 302, 302)

# A form people type into: an empty one comes back to whoever may send it, as typed, with
# the errors beside the fields (400); an observer is told why not (302 and a flash message).
TYPED_FORM = expect(400, 400, 400, 400, 302)
# The same for flagging member's idea or comment (not their own to flag) and for hiding it
# (the facilitator's alone).
FLAG_FORM = expect(400, 302, 400, 400, 302)
HIDE_FORM = expect(400, 302, 302, 400, 302)


def own_only(status: int, code: str) -> dict[str, Outcome]:
    """Only the member who owns the target (author, claimant) may do it."""
    return expect(LOGIN, status, (403, code), (403, code), READ_ONLY)


@dataclass(frozen=True)
class Row:
    method: str
    rule: str  # exactly as in app.url_map
    path: str  # the URL, with {idea}, {task} (open) and {claimed} (held by member) filled in
    outcomes: dict[str, Outcome]
    body: object = None
    note: str = ""
    headers: dict = field(default_factory=dict)


API = "/api/v1"
MATRIX: list[Row] = [
    Row("GET", f"{API}/departments", f"{API}/departments", expect(200, 200, 200, 200, 200)),
    Row(
        "POST",
        f"{API}/auth/register",
        f"{API}/auth/register",
        expect(201, 201, 201, 201, 201),
        body="register",
        note="always a new member",
    ),
    Row(
        "POST",
        f"{API}/auth/login",
        f"{API}/auth/login",
        expect(200, 200, 200, 200, 200),
        body="login",
    ),
    Row("POST", f"{API}/auth/logout", f"{API}/auth/logout", expect(LOGIN, 204, 204, 204, 204)),
    Row("GET", f"{API}/me", f"{API}/me", read()),
    Row(
        "PATCH",
        f"{API}/me",
        f"{API}/me",
        expect(LOGIN, 200, 200, 200, 200),
        body={"language": "de"},
        note="everyone's own settings",
    ),
    Row("GET", f"{API}/people", f"{API}/people?q=i", read()),
    Row("PUT", f"{API}/ideas/<int:idea_id>/follow", f"{API}/ideas/{{idea}}/follow", write(200)),
    Row("DELETE", f"{API}/ideas/<int:idea_id>/follow", f"{API}/ideas/{{idea}}/follow", write(200)),
    Row("GET", f"{API}/notifications", f"{API}/notifications?unread=1", read()),
    Row(
        "POST",
        f"{API}/notifications/read",
        f"{API}/notifications/read",
        expect(LOGIN, 200, 200, 200, 200),
        note="one's own only",
    ),
    Row("GET", f"{API}/ideas", f"{API}/ideas", read()),
    Row("POST", f"{API}/ideas", f"{API}/ideas", write(201), body={"title": "New", "body": ""}),
    Row("GET", f"{API}/ideas/<int:idea_id>", f"{API}/ideas/{{idea}}", read()),
    Row(
        "PATCH",
        f"{API}/ideas/<int:idea_id>",
        f"{API}/ideas/{{idea}}",
        own_only(200, "not_author"),
        body={"title": "Changed"},
    ),
    Row("PUT", f"{API}/ideas/<int:idea_id>/vote", f"{API}/ideas/{{idea}}/vote", write(200)),
    Row("DELETE", f"{API}/ideas/<int:idea_id>/vote", f"{API}/ideas/{{idea}}/vote", write(200)),
    Row("GET", f"{API}/ideas/<int:idea_id>/comments", f"{API}/ideas/{{idea}}/comments", read()),
    Row(
        "POST",
        f"{API}/ideas/<int:idea_id>/comments",
        f"{API}/ideas/{{idea}}/comments",
        write(201),
        body={"body": "Nice"},
    ),
    Row(
        "POST",
        f"{API}/ideas/<int:idea_id>/comments",
        f"{API}/ideas/{{idea}}/comments",
        expect(LOGIN, (403, "facilitator_only"), (403, "facilitator_only"), 201, READ_ONLY),
        body={"body": "Mentor note", "mentor_note": True},
        note="mentor note",
    ),
    Row("GET", f"{API}/tasks", f"{API}/tasks", read()),
    Row("GET", f"{API}/tasks", f"{API}/tasks?mine=1", read(), note="mine"),
    Row("POST", f"{API}/tasks", f"{API}/tasks", write(201), body={"title": "New task"}),
    Row(
        "POST",
        f"{API}/tasks",
        f"{API}/tasks",
        expect(
            LOGIN,
            (400, "unknown_field"),
            (400, "unknown_field"),
            (400, "unknown_field"),
            (400, "unknown_field"),
        ),
        body={"title": "For Ivan", "assignee_id": 2},
        note="naming an assignee",
    ),
    Row("GET", f"{API}/tasks/<int:task_id>", f"{API}/tasks/{{task}}", read()),
    Row(
        "POST",
        f"{API}/tasks/<int:task_id>/claim",
        f"{API}/tasks/{{task}}/claim",
        write(200),
        note="open task",
    ),
    Row(
        "POST",
        f"{API}/tasks/<int:task_id>/claim",
        f"{API}/tasks/{{claimed}}/claim",
        expect(LOGIN, 200, (409, "already_claimed"), (409, "already_claimed"), READ_ONLY),
        note="task held by member",
    ),
    Row(
        "POST",
        f"{API}/tasks/<int:task_id>/release",
        f"{API}/tasks/{{claimed}}/release",
        own_only(200, "not_claimant"),
    ),
    Row(
        "POST",
        f"{API}/tasks/<int:task_id>/complete",
        f"{API}/tasks/{{claimed}}/complete",
        own_only(200, "not_claimant"),
    ),
    # from idea to published post (issue 15): the plan of a task is its claimant's alone
    Row(
        "PATCH",
        f"{API}/tasks/<int:task_id>",
        f"{API}/tasks/{{claimed}}",
        own_only(200, "not_claimant"),
        body={"publish_on": PLANNED_DAY, "channels": ["blog"], "help_wanted": True},
    ),
    Row(
        "PATCH",
        f"{API}/tasks/<int:task_id>",
        f"{API}/tasks/{{task}}",
        expect(
            LOGIN,
            (403, "not_claimant"),
            (403, "not_claimant"),
            (403, "not_claimant"),
            READ_ONLY,
        ),
        body={"publish_on": PLANNED_DAY},
        note="open task: claim it first",
    ),
    Row(
        "POST",
        f"{API}/tasks/<int:task_id>/renew",
        f"{API}/tasks/{{claimed}}/renew",
        own_only(200, "not_claimant"),
    ),
    Row(
        "POST",
        f"{API}/ideas/<int:idea_id>/publications",
        f"{API}/ideas/{{idea}}/publications",
        write(201),
        body={"url": "https://example.com/post", "channel": "blog"},
    ),
    Row(
        "PUT",
        f"{API}/ideas/<int:idea_id>/done",
        f"{API}/ideas/{{idea}}/done",
        own_only(200, "not_author"),
    ),
    Row(
        "DELETE",
        f"{API}/ideas/<int:idea_id>/done",
        f"{API}/ideas/{{idea}}/done",
        own_only(200, "not_author"),
    ),
    Row("GET", f"{API}/calendar", f"{API}/calendar?from=2026-05-01&to=2026-05-31", read()),
    Row("GET", f"{API}/calendar/token", f"{API}/calendar/token", read()),
    Row(
        "POST", f"{API}/calendar/token", f"{API}/calendar/token", expect(LOGIN, 201, 201, 201, 201)
    ),
    Row(
        "DELETE",
        f"{API}/calendar/token",
        f"{API}/calendar/token",
        expect(LOGIN, 204, 204, 204, 204),
    ),
    Row("GET", "/calendar", "/calendar", PAGE),
    Row("GET", "/calendar/ics/<token>", "/calendar/ics/unknown", expect(404, 404, 404, 404, 404)),
    Row("POST", "/calendar/token", "/calendar/token", expect(400, 303, 303, 303, 303)),
    Row(
        "POST", "/calendar/token/revoke", "/calendar/token/revoke", expect(400, 303, 303, 303, 303)
    ),
    Row("POST", "/tasks/<int:task_id>/plan", "/tasks/{claimed}/plan", PAGE_FORM),
    Row("POST", "/tasks/<int:task_id>/renew", "/tasks/{claimed}/renew", PAGE_FORM),
    Row("POST", "/ideas/<int:idea_id>/publications", "/ideas/{idea}/publications", TYPED_FORM),
    Row("POST", "/ideas/<int:idea_id>/done", "/ideas/{idea}/done", PAGE_FORM),
    Row("GET", f"{API}/events", f"{API}/events?after=0", read()),
    # the activity feed (issue 5): everyone logged in reads it; the private Atom URL
    # answers by its token alone (an unknown one is a 404 for everybody)
    Row("GET", f"{API}/feed", f"{API}/feed", read()),
    Row("GET", f"{API}/feed/token", f"{API}/feed/token", read()),
    Row("POST", f"{API}/feed/token", f"{API}/feed/token", expect(LOGIN, 201, 201, 201, 201)),
    Row("DELETE", f"{API}/feed/token", f"{API}/feed/token", expect(LOGIN, 204, 204, 204, 204)),
    Row("GET", "/feed", "/feed", expect(302, 200, 200, 200, 200)),
    Row("GET", "/feed/updates", "/feed/updates?after=0", expect(302, 200, 200, 200, 200)),
    Row("GET", "/feed.csv", "/feed.csv", expect(302, 200, 200, 200, 200)),
    Row("GET", "/feed/export.csv", "/feed/export.csv", expect(302, 200, 200, 200, 200)),
    Row("GET", "/feed/atom/<token>", "/feed/atom/unknown", expect(404, 404, 404, 404, 404)),
    Row(
        "POST",
        "/feed/token",
        "/feed/token",
        expect(400, 303, 303, 303, 303),
        note="a form; without a session there is no CSRF token either",
    ),
    Row(
        "POST",
        "/feed/token/revoke",
        "/feed/token/revoke",
        expect(400, 303, 303, 303, 303),
        note="a form; without a session there is no CSRF token either",
    ),
    # pages
    Row("GET", "/", "/", expect(302, 200, 200, 200, 200), note="anonymous goes to /login"),
    Row("GET", "/login", "/login", expect(200, 200, 200, 200, 200)),
    Row(
        "GET",
        "/health",
        "/health",
        expect(200, 200, 200, 200, 200),
        note="for load balancers: names nothing of the board",
    ),
    # the company login: off on this board (tests/test_oidc.py has its rows with it on)
    Row(
        "GET",
        "/auth/oidc/login",
        "/auth/oidc/login",
        expect(404, 404, 404, 404, 404),
        note="no company login set up",
    ),
    Row(
        "GET",
        "/auth/oidc/callback",
        "/auth/oidc/callback",
        expect(404, 404, 404, 404, 404),
        note="no company login set up",
    ),
    Row("GET", "/register", "/register", expect(200, 200, 200, 200, 200)),
    Row("GET", "/ideas/<int:idea_id>", "/ideas/{idea}", expect(302, 200, 200, 200, 200)),
    Row("GET", "/tasks/<int:task_id>", "/tasks/{task}", expect(302, 200, 200, 200, 200)),
    # the tasks one holds: observers claim none (task.claim), so the page is not theirs
    Row("GET", "/my-tasks", "/my-tasks", expect(302, 200, 200, 200, 403)),
    Row("GET", "/tasks", "/tasks?status=done", expect(302, 200, 200, 200, 200)),
    Row("GET", "/notifications", "/notifications", PAGE),
    # what the open inbox asks live (its own notifications only; observers have none)
    Row("GET", "/notifications/updates", "/notifications/updates?after=0", PAGE),
    Row("GET", "/settings", "/settings", PAGE),
    Row("GET", "/people/<handle>", "/people/mara", PAGE),
    Row("POST", "/notifications/read", "/notifications/read", PAGE_FORM),
    # one-click unsubscribe from a mail (RFC 8058): no login, the signed token decides
    # (tests/test_mail.py turns mail off with a good one); GET only asks, and says at once
    # when the link cannot work
    Row("GET", "/mail/unsubscribe/<token>", "/mail/unsubscribe/x", expect(400, 400, 400, 400, 400)),
    Row(
        "POST",
        "/mail/unsubscribe/<token>",
        "/mail/unsubscribe/forged",
        expect(400, 400, 400, 400, 400),
        note="a forged token changes nothing",
    ),
    Row("POST", "/settings", "/settings", expect(400, 302, 302, 302, 302)),
    Row("POST", "/ideas/<int:idea_id>/follow", "/ideas/{idea}/follow", PAGE_FORM),
    # page forms: CSRF first (anonymous has no token: 400); then Post/Redirect/Get, with a
    # refusal shown as a flash message (tests/test_pages.py checks each one's wording)
    Row("POST", "/login", "/login", expect(400, 401, 401, 401, 401), note="form: empty"),
    Row("POST", "/register", "/register", expect(400, 400, 400, 400, 400), note="form: empty"),
    Row("POST", "/logout", "/logout", expect(400, 302, 302, 302, 302)),
    # everyone's own: anonymous too, with the token its page gives (the effect is checked in
    # test_everyone_chooses_the_language_their_pages_speak)
    Row("POST", "/language", "/language", expect(400, 302, 302, 302, 302)),
    Row("POST", "/ideas", "/ideas", TYPED_FORM),
    Row("POST", "/ideas/<int:idea_id>/edit", "/ideas/{idea}/edit", expect(400, 400, 302, 302, 302)),
    Row("POST", "/ideas/<int:idea_id>/vote", "/ideas/{idea}/vote", expect(400, 302, 302, 302, 302)),
    Row(
        "POST",
        "/ideas/<int:idea_id>/comments",
        "/ideas/{idea}/comments",
        TYPED_FORM,
    ),
    Row("POST", "/tasks", "/tasks", TYPED_FORM),
    Row(
        "POST", "/tasks/<int:task_id>/claim", "/tasks/{task}/claim", expect(400, 302, 302, 302, 302)
    ),
    Row(
        "POST",
        "/tasks/<int:task_id>/release",
        "/tasks/{claimed}/release",
        expect(400, 302, 302, 302, 302),
    ),
    Row(
        "POST",
        "/tasks/<int:task_id>/complete",
        "/tasks/{claimed}/complete",
        expect(400, 302, 302, 302, 302),
    ),
    Row(
        "GET",
        f"{API}/openapi.json",
        f"{API}/openapi.json",
        expect(200, 200, 200, 200, 200),
        note="the API's own description, public",
    ),
    # the facilitator's toolkit: {prompt} is an open question, {prompt_idea} an idea
    # answering it, {nudge} a nudge from the facilitator to member
    Row("GET", f"{API}/prompts", f"{API}/prompts", read()),
    Row(
        "POST",
        f"{API}/prompts",
        f"{API}/prompts",
        FACILITATOR_ONLY(201),
        body={"kind": "prompt", "title": "What could we film?"},
    ),
    Row("GET", f"{API}/prompts/<int:prompt_id>", f"{API}/prompts/{{prompt}}", read()),
    Row(
        "GET",
        f"{API}/prompts/<int:prompt_id>/results",
        f"{API}/prompts/{{prompt}}/results",
        read((409, "results_not_ready")),
        note="an open question has no results",
    ),
    Row(
        "POST",
        f"{API}/nudges",
        f"{API}/nudges",
        FACILITATOR_ONLY(201),
        body={"message": "Hello Marketing!", "department_id": 1},
    ),
    Row("GET", f"{API}/nudges", f"{API}/nudges", read()),
    Row(
        "POST",
        f"{API}/nudges/<int:nudge_id>/read",
        f"{API}/nudges/{{nudge}}/read",
        expect(LOGIN, 200, (403, "not_recipient"), (403, "not_recipient"), READ_ONLY),
    ),
    Row(
        "GET",
        f"{API}/insights",
        f"{API}/insights",
        expect(
            LOGIN,
            (403, "facilitator_only"),
            (403, "facilitator_only"),
            200,
            (403, "facilitator_only"),
        ),
    ),
    # the facilitator's pages
    Row("GET", "/prompts", "/prompts", PAGE),
    Row("GET", "/prompts/<int:prompt_id>", "/prompts/{prompt}", PAGE),
    Row("GET", "/nudges", "/nudges", PAGE),
    Row("GET", "/help", "/help", expect(302, 403, 403, 200, 403)),
    # the facilitator's page forms (these rows send no fields: the facilitator's empty
    # prompt form comes back with its problems, 400)
    Row("POST", "/prompts", "/prompts", expect(400, 302, 302, 400, 302)),
    Row("POST", "/prompts/<int:prompt_id>/ideas", "/prompts/{prompt}/ideas", PAGE_FORM),
    Row(
        "POST",
        "/prompts/<int:prompt_id>/ideas/<int:idea_id>/vote",
        "/prompts/{prompt}/ideas/{prompt_idea}/vote",
        PAGE_FORM,
    ),
    Row(
        "POST",
        "/prompts/<int:prompt_id>/ideas/<int:idea_id>/notes",
        "/prompts/{prompt}/ideas/{prompt_idea}/notes",
        PAGE_FORM,
    ),
    Row(
        "POST",
        "/prompts/<int:prompt_id>/ideas/<int:idea_id>/tasks",
        "/prompts/{prompt}/ideas/{prompt_idea}/tasks",
        PAGE_FORM,
    ),
    Row("POST", "/nudges", "/nudges", PAGE_FORM),
    Row("POST", "/nudges/<int:nudge_id>/read", "/nudges/{nudge}/read", PAGE_FORM),
    # who may join: invite links ({invite} is an active one made with the CLI);
    # tests/test_invites.py checks what each role's request changed
    Row("POST", f"{API}/invites", f"{API}/invites", FACILITATOR_ONLY(201)),
    Row(
        "GET",
        f"{API}/invites",
        f"{API}/invites",
        expect(
            LOGIN,
            (403, "facilitator_only"),
            (403, "facilitator_only"),
            200,
            (403, "facilitator_only"),
        ),
    ),
    Row(
        "DELETE",
        f"{API}/invites/<int:invite_id>",
        f"{API}/invites/{{invite}}",
        FACILITATOR_ONLY(200),
    ),
    Row("GET", "/invites", "/invites", expect(302, 403, 403, 200, 403)),
    # my account: everyone, observers included, manages only their own
    # ({session} is a login session of member's; tests/test_accounts.py checks the effects)
    Row(
        "PATCH",
        f"{API}/me",
        f"{API}/me",
        expect(LOGIN, 200, 200, 200, 200),
        body={"department_id": 1},
        note="own department",
    ),
    Row(
        "POST",
        f"{API}/me/password",
        f"{API}/me/password",
        expect(LOGIN, *[(400, "wrong_password")] * 4),
        body={"current_password": "not-the-password", "new_password": "a-new-long-passphrase"},
        note="wrong current password",
    ),
    Row("GET", f"{API}/me/sessions", f"{API}/me/sessions", read()),
    # my data (GDPR): everyone exports and may erase only themselves
    # (tests/test_privacy_rights.py checks what an erasure with the right password does)
    Row("GET", f"{API}/me/export", f"{API}/me/export", read()),
    Row(
        "DELETE",
        f"{API}/me",
        f"{API}/me",
        expect(LOGIN, *[(400, "wrong_password")] * 4),
        body={"password": "not-the-password"},
        note="wrong password",
    ),
    Row(
        "DELETE",
        f"{API}/me/sessions/<int:session_id>",
        f"{API}/me/sessions/{{session}}",
        expect(LOGIN, 204, 404, 404, 404),
        note="member's other session",
    ),
    Row("GET", "/profile", "/profile", PAGE),
    Row("POST", "/profile", "/profile", PAGE_FORM),
    Row("POST", "/profile/time-zone", "/profile/time-zone", PAGE_FORM),
    Row("POST", "/profile/password", "/profile/password", PAGE_FORM),
    # erasing oneself: unconfirmed here, so nothing happens (tests/test_privacy_rights.py)
    Row("POST", "/profile/erase", "/profile/erase", PAGE_FORM, note="unconfirmed"),
    Row(
        "POST",
        "/profile/sessions/<int:session_id>/end",
        "/profile/sessions/{session}/end",
        PAGE_FORM,
    ),
    Row(
        "GET",
        "/reset-password/<token>",
        "/reset-password/unknown",
        expect(404, 404, 404, 404, 404),
    ),
    Row(
        "POST",
        "/reset-password/<token>",
        "/reset-password/unknown",
        expect(400, 404, 404, 404, 404),
        note="a form; without a session there is no CSRF token",
    ),
    # forgot password (issue 17): this board has no mail, so the request is refused for
    # everyone (tests/test_password_reset_mail.py sends real mail); an unknown token is a 404
    Row("GET", "/forgot-password", "/forgot-password", expect(200, 200, 200, 200, 200)),
    Row(
        "POST",
        "/forgot-password",
        "/forgot-password",
        expect(400, 403, 403, 403, 403),
        note="a form; without a session there is no CSRF token",
    ),
    Row(
        "POST",
        f"{API}/auth/password-reset",
        f"{API}/auth/password-reset",
        expect(*[(403, "reset_by_mail_off")] * 5),
        body={"email": "mara@example.com"},
        note="no mail here",
    ),
    Row(
        "POST",
        f"{API}/auth/password-reset/confirm",
        f"{API}/auth/password-reset/confirm",
        expect(*[(404, "reset_invalid")] * 5),
        body={"token": "unknown", "new_password": "a-new-long-passphrase"},
    ),
    # the people page (issue 17): everyone logged in; tests/test_people_page.py checks
    # what each sees (works-council mode: observers get departments only)
    Row("GET", "/people", "/people", PAGE),
    Row("GET", f"{API}/directory", f"{API}/directory?q=a", read()),
    Row("POST", "/invites", "/invites", PAGE_FORM),
    Row("POST", "/invites/<int:invite_id>/revoke", "/invites/{invite}/revoke", PAGE_FORM),
    # fixing mistakes and moderation in the open (issue 17): {comment} is member's comment
    # on {idea}, {done} a task member completed, {image} a picture member uploaded;
    # tests/test_corrections.py, test_moderation.py and test_images.py check the effects
    Row(
        "POST",
        f"{API}/ideas/<int:idea_id>/withdraw",
        f"{API}/ideas/{{idea}}/withdraw",
        own_only(200, "not_author"),
    ),
    Row(
        "POST",
        f"{API}/ideas/<int:idea_id>/flags",
        f"{API}/ideas/{{idea}}/flags",
        write(201),
        body={"reason": "off_topic"},
    ),
    Row(
        "PUT",
        f"{API}/ideas/<int:idea_id>/hidden",
        f"{API}/ideas/{{idea}}/hidden",
        FACILITATOR_ONLY(200),
        body={"reason": "confidential launch date"},
    ),
    Row(
        "DELETE",
        f"{API}/ideas/<int:idea_id>/hidden",
        f"{API}/ideas/{{idea}}/hidden",
        FACILITATOR_ONLY(200),
    ),
    Row("GET", f"{API}/comments/<int:comment_id>", f"{API}/comments/{{comment}}", read()),
    Row(
        "PATCH",
        f"{API}/comments/<int:comment_id>",
        f"{API}/comments/{{comment}}",
        own_only(200, "not_author"),
        body={"body": "Fixed a typo"},
    ),
    Row(
        "DELETE",
        f"{API}/comments/<int:comment_id>",
        f"{API}/comments/{{comment}}",
        own_only(200, "not_author"),
    ),
    Row(
        "POST",
        f"{API}/comments/<int:comment_id>/flags",
        f"{API}/comments/{{comment}}/flags",
        write(201),
        body={"reason": "guidelines"},
    ),
    Row(
        "PUT",
        f"{API}/comments/<int:comment_id>/hidden",
        f"{API}/comments/{{comment}}/hidden",
        FACILITATOR_ONLY(200),
        body={"reason": "a customer's name"},
    ),
    Row(
        "DELETE",
        f"{API}/comments/<int:comment_id>/hidden",
        f"{API}/comments/{{comment}}/hidden",
        FACILITATOR_ONLY(200),
    ),
    Row(
        "GET",
        f"{API}/flags",
        f"{API}/flags",
        expect(
            LOGIN,
            (403, "facilitator_only"),
            (403, "facilitator_only"),
            200,
            (403, "facilitator_only"),
        ),
    ),
    Row(
        "POST",
        f"{API}/images",
        f"{API}/images",
        expect(LOGIN, *[(400, "invalid_image")] * 3, READ_ONLY),
        note="no file",
    ),
    Row(
        "POST",
        f"{API}/tasks/<int:task_id>/reopen",
        f"{API}/tasks/{{done}}/reopen",
        own_only(200, "not_claimant"),
    ),
    Row("POST", "/ideas/<int:idea_id>/withdraw", "/ideas/{idea}/withdraw", PAGE_FORM),
    # an empty flag or hide form comes back, as typed, to whoever may send it (400); the
    # author (who cannot flag their own) and the rest are told why not (302)
    Row("POST", "/ideas/<int:idea_id>/flag", "/ideas/{idea}/flag", FLAG_FORM),
    Row("POST", "/ideas/<int:idea_id>/hide", "/ideas/{idea}/hide", HIDE_FORM),
    Row("POST", "/comments/<int:comment_id>/edit", "/comments/{comment}/edit", PAGE_FORM),
    Row("POST", "/comments/<int:comment_id>/delete", "/comments/{comment}/delete", PAGE_FORM),
    Row("POST", "/comments/<int:comment_id>/flag", "/comments/{comment}/flag", FLAG_FORM),
    Row("POST", "/comments/<int:comment_id>/hide", "/comments/{comment}/hide", HIDE_FORM),
    Row("POST", "/tasks/<int:task_id>/reopen", "/tasks/{done}/reopen", PAGE_FORM),
    Row("GET", "/moderation", "/moderation", expect(302, 403, 403, 200, 403)),
    Row("GET", "/images/<int:image_id>", "/images/{image}", PAGE),
    # chat channels ({webhook} is one added with the CLI; the facilitator's empty form comes
    # back with its problems, 400; tests/test_webhook_pages.py checks the effects per role)
    Row("GET", "/webhooks", "/webhooks", expect(302, 403, 403, 200, 403)),
    Row("POST", "/webhooks", "/webhooks", expect(400, 302, 302, 400, 302)),
    Row("POST", "/webhooks/<int:webhook_id>/test", "/webhooks/{webhook}/test", PAGE_FORM),
    Row("POST", "/webhooks/<int:webhook_id>/remove", "/webhooks/{webhook}/remove", PAGE_FORM),
]


# ---- the board the matrix runs on ------------------------------------------------------


@dataclass
class Board:
    app: object
    user_ids: dict[str, int]
    counter: itertools.count
    path: Path
    template: Path | None = None
    targets: dict[str, int] = field(default_factory=dict)

    def client(self, role: str) -> JsonClient:
        """A new login (after fresh_targets: restoring the board ends the logins before it)."""
        client = JsonClient(self.app.test_client())
        if role != "anonymous":
            client.login(EMAILS[role])
        return client

    def fresh_targets(self) -> dict[str, int]:
        """An idea by member, an open task, a task member holds, an open question with an
        idea answering it, and a nudge to member: the board as the module built it, put
        back for every case (a copy of its database file; the app stays)."""
        database = self.app.extensions["board_db"]
        database.dispose()
        # The last connection closed folds the WAL into the file and removes it: with a
        # connection still open somewhere, copying over the file would corrupt the board.
        assert not self.path.with_name(self.path.name + "-wal").exists()
        shutil.copy(self.template, self.path)
        return dict(self.targets)

    def make_targets(self) -> dict[str, int]:
        with self.app.extensions["board_db"].Session() as session:
            author = session.get(User, self.user_ids["member"])
            idea = idea_service.create_idea(session, author, "Target", "body")
            task = task_service.create_task(session, author, "Open task")
            claimed = task_service.create_task(session, author, "Claimed task")
            task_service.claim_task(session, author, claimed["id"], claim_limit=10**6)
            comment = idea_service.add_comment(session, author, idea["id"], "A comment")
            done = task_service.create_task(session, author, "Done task")
            task_service.claim_task(session, author, done["id"], claim_limit=10**6)
            task_service.complete_task(session, author, done["id"])
            image = image_service.upload_image(
                session,
                author,
                PICTURE,
                self.app.extensions["board_settings"].instance_path / "images",
            )
            sam = session.get(User, self.user_ids["facilitator"])
            prompt = prompt_service.create_prompt(session, sam, "prompt", "Question?")
            prompt_idea = idea_service.create_idea(
                session, author, "Answer", "", prompt_id=prompt["id"]
            )
            nudge = nudge_service.send_nudge(session, sam, "Hi!", to_user_id=author.id)
            invite, _token = invite_service.create_invite(session, None)
            # Nothing listens on port 9: a test message fails at once.
            webhook = webhook_service.add_webhook(
                session,
                "http://127.0.0.1:9/matrix",
                "json",
                None,
                [],
                actor=None,
                local_network=True,  # as IT allows for a chat server on the network
            )
            other_login = LoginSession(
                board_sid=f"matrix-{next(self.counter)}", user_id=author.id, user_agent="phone"
            )
            session.add(other_login)
            session.commit()
        return {
            "comment": comment["id"],
            "done": done["id"],
            "image": image["id"],
            "session": other_login.id,
            "invite": invite.id,
            "webhook": webhook.id,
            "idea": idea["id"],
            "task": task["id"],
            "claimed": claimed["id"],
            "prompt": prompt["id"],
            "prompt_idea": prompt_idea["id"],
            "nudge": nudge["id"],
        }

    def event_count(self) -> int:
        with self.app.extensions["board_db"].Session() as session:
            return session.scalar(select(func.count(Event.seq)))

    def body_for(self, row: Row, role: str):
        if row.body == "register":
            return {
                "email": f"new{next(self.counter)}@example.com",
                "password": PASSWORD,
                "display_name": "Newcomer",
                "department_id": 1,
            }
        if row.body == "login":
            return {"email": EMAILS.get(role, EMAILS["member"]), "password": PASSWORD}
        return row.body


@pytest.fixture(scope="module")
def board(sqlite_template, tmp_path_factory) -> Board:
    path = tmp_path_factory.mktemp("matrix") / "board.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        instance_path=path.parent / "instance",
        database_url=f"sqlite:///{path}",
        secret_key="test-secret",
        claim_limit=10**6,
        testing=True,
    )
    app = create_app({"TESTING": True}, settings=settings)
    people = {
        "member": ("mara", "Marketing"),
        "other_member": ("ivan", "IT"),
        "facilitator": ("sam", "Communications"),
        "observer": ("olga", "Sales"),
    }
    user_ids = {
        role: make_user(
            app, name, role if role in ("facilitator", "observer") else "member", department
        ).id
        for role, (name, department) in people.items()
    }
    board = Board(app, user_ids, itertools.count(), path)
    board.targets = board.make_targets()
    app.extensions["board_db"].dispose()
    board.template = path.with_name("template.sqlite3")
    shutil.copy(path, board.template)
    yield board
    app.extensions["board_db"].dispose()


# ---- the matrix ------------------------------------------------------------------------


CASES = [
    pytest.param(row, role, id=f"{row.method} {row.path} {row.note} as {role}".replace("  ", " "))
    for row in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("row", "role"), CASES)
def test_route_answers_each_role_as_the_matrix_says(board, row, role):
    targets = board.fresh_targets()
    client = board.client(role)
    events_before = board.event_count()
    response = client._call(
        row.method, row.path.format(**targets), json=board.body_for(row, role), headers=row.headers
    )
    expected = row.outcomes[role]
    status, code = expected if isinstance(expected, tuple) else (expected, None)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if code is not None:
        assert response.get_json()["error"]["code"] == code
    if status >= 400:
        assert board.event_count() == events_before, "a refused request changed the board"


def _routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in IGNORED_ENDPOINTS
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_route_has_a_row(board):
    """A new route needs a row above: decide what each role gets, then add it."""
    missing = _routes(board.app) - {(row.method, row.rule) for row in MATRIX}
    assert not missing, f"routes without a row in the permission matrix: {sorted(missing)}"


def test_every_row_names_a_real_route(board):
    stale = {(row.method, row.rule) for row in MATRIX} - _routes(board.app)
    assert not stale, f"rows for routes that do not exist: {sorted(stale)}"


def test_every_row_names_every_role():
    assert all(set(row.outcomes) == set(ROLES) for row in MATRIX)


def test_observers_may_write_nothing():
    """Observers get read_only on every write, except login/logout/register (their own session)
    and bodies refused before any role is asked."""
    own_session = {
        f"{API}/auth/login",
        f"{API}/auth/logout",
        f"{API}/auth/register",
        # the person's own private feed and calendar URLs, settings and inbox, not the board
        f"{API}/feed/token",
        f"{API}/me",
        f"{API}/notifications/read",
        "/feed/token",
        "/feed/token/revoke",
        f"{API}/calendar/token",
        "/calendar/token",
        "/calendar/token/revoke",
        # their own account: name, department, password, sessions
        f"{API}/me/password",
        f"{API}/me/sessions/<int:session_id>",
        # forgot password: nobody is logged in for it
        f"{API}/auth/password-reset",
        f"{API}/auth/password-reset/confirm",
    }
    for row in MATRIX:
        if row.note == "own department":
            continue
        if row.method in {"GET"} or row.rule in own_session or row.note == "naming an assignee":
            continue
        if not row.rule.startswith(API):
            continue  # page forms answer with a redirect: see the next test
        assert row.outcomes["observer"] == READ_ONLY, row


def test_observers_page_forms_change_nothing(board):
    """A page form answers an observer with a refusal (a redirect with a flash, or a 403 page);
    the board stays as it was. Their own session, language and feed token are theirs to set."""
    own_session = {
        "/login",
        "/logout",
        "/register",
        "/language",
        "/feed/token",
        "/feed/token/revoke",
        "/calendar/token",
        "/calendar/token/revoke",
        "/settings",
        "/notifications/read",
        "/mail/unsubscribe/<token>",
        # their own account (tests/test_accounts.py), and a password link's own page
        "/profile",
        "/profile/time-zone",
        "/profile/password",
        "/profile/erase",
        "/profile/sessions/<int:session_id>/end",
        "/reset-password/<token>",
        "/forgot-password",
    }
    for row in MATRIX:
        if row.method != "POST" or row.rule.startswith(API) or row.rule in own_session:
            continue
        targets = board.fresh_targets()
        observer = board.client("observer")
        before = board.event_count()
        response = observer._call("POST", row.path.format(**targets), json=row.body)
        assert response.status_code in (302, 303, 403), row
        assert response.status_code == row.outcomes["observer"], row
        assert board.event_count() == before, row


def test_no_route_puts_work_on_someone_else(board):
    words = ("assign", "unclaim", "takeover", "take_over", "give", "delegate")
    suspicious = [
        rule.rule
        for rule in board.app.url_map.iter_rules()
        if any(word in rule.rule.lower() for word in words)
    ]
    assert suspicious == []


# ---- what the flat board promises, beyond single requests -------------------------------


def test_facilitator_cannot_vote_twice(board):
    targets = board.fresh_targets()
    facilitator = board.client("facilitator")
    answers = [facilitator.put(f"ideas/{targets['idea']}/vote").get_json() for _ in range(3)]
    assert [a["votes"] for a in answers] == [1, 1, 1]
    again = board.client("facilitator")  # a second session is the same person
    assert again.put(f"ideas/{targets['idea']}/vote").get_json()["votes"] == 1


def test_facilitator_cannot_claim_for_someone_else(board):
    targets = board.fresh_targets()
    facilitator = board.client("facilitator")
    other = board.user_ids["other_member"]
    for body in ({"user_id": other}, {"claimed_by": other}, {"for": other}):
        response = facilitator.post(f"tasks/{targets['task']}/claim", json=body)
        assert response.status_code == 400
    task = facilitator.get(f"tasks/{targets['task']}").get_json()
    assert (task["status"], task["claimed_by"]) == ("open", None)


@pytest.mark.parametrize("action", ["release", "complete"])
def test_facilitator_cannot_take_a_task_away(board, action):
    targets = board.fresh_targets()
    facilitator = board.client("facilitator")
    assert facilitator.post(f"tasks/{targets['claimed']}/{action}").status_code == 403
    task = facilitator.get(f"tasks/{targets['claimed']}").get_json()
    assert (task["status"], task["claimed_by"]["id"]) == ("claimed", board.user_ids["member"])


def test_registering_never_gives_a_role(board):
    client = board.client("anonymous")
    body = board.body_for(MATRIX[1], "anonymous")
    for role in ("facilitator", "observer"):
        response = client.post("auth/register", json={**body, "role": role})
        assert response.status_code == 400
    assert client.post("auth/register", json=body).get_json()["user"]["role"] == "member"


@pytest.mark.parametrize("role", ROLES)
def test_everyone_chooses_the_language_their_pages_speak(board, role):
    """The language switch is everyone's, a visitor before login included: it sets this
    browser's language (and a logged-in person's own setting) and changes nothing else."""
    board.fresh_targets()
    client = board.client(role)
    page = "/login" if role == "anonymous" else "/my-tasks"
    english = {"Accept-Language": "en"}
    html = client.get(page, headers=english).get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    events_before = board.event_count()
    answer = client.client.post(
        "/language", data={"csrf_token": token, "language": "de", "next": page}, headers=english
    )
    assert answer.status_code == 302 and answer.headers["Location"] == page
    assert 'lang="de"' in client.get(page, headers=english).get_data(as_text=True)
    assert board.event_count() == events_before
    if role != "anonymous":
        with board.app.extensions["board_db"].Session() as session:
            assert session.get(User, board.user_ids[role]).language == "de"


# ---- effects of the plan, publication and lease routes (issue 15) ----------------------


@pytest.mark.parametrize("role", ["member", "other_member", "facilitator", "observer"])
def test_the_plan_changes_only_for_its_claimant(board, role):
    targets = board.fresh_targets()
    board.client(role).patch(
        f"{API}/tasks/{targets['claimed']}", json={"publish_on": PLANNED_DAY, "help_wanted": True}
    )
    task = board.client("member").get(f"{API}/tasks/{targets['claimed']}").get_json()
    changed = (task["publish_on"], task["help_wanted"]) == (PLANNED_DAY, True)
    assert changed == (role == "member")


@pytest.mark.parametrize("role", ["member", "other_member", "facilitator", "observer"])
def test_publications_are_recorded_by_members_only(board, role):
    targets = board.fresh_targets()
    board.client(role).post(
        f"{API}/ideas/{targets['idea']}/publications",
        json={"url": "https://example.com/post", "channel": "blog"},
    )
    idea = board.client("member").get(f"{API}/ideas/{targets['idea']}").get_json()
    assert len(idea["publications"]) == (0 if role == "observer" else 1)


@pytest.mark.parametrize("role", ["member", "other_member", "facilitator", "observer"])
def test_only_the_author_marks_an_idea_done(board, role):
    targets = board.fresh_targets()
    board.client(role).put(f"{API}/ideas/{targets['idea']}/done")
    idea = board.client("member").get(f"{API}/ideas/{targets['idea']}").get_json()
    assert idea["marked_done"] == (role == "member")
