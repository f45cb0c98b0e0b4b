"""Bad input of every kind on every core route: the contract's envelope with a clear message,
never a 500, never a partial write; messages in German when asked, codes always English."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from board import create_app
from board.settings import Settings
from models import Comment, Department, Event, Idea, IdeaTag, Task, User, Vote
from tests.conftest import JsonClient, make_user, truncate_postgres

HUGE = "99999999999999999999"


@dataclass(frozen=True)
class Bad:
    """One bad request: what is sent and what must come back."""

    method: str
    path: str
    status: int
    code: str
    json: object = None
    raw: bytes | None = None
    content_type: str = "application/json"
    fields: tuple[str, ...] = ()
    headers: dict = field(default_factory=dict)

    def send(self, client, targets: dict, **headers):
        path = self.path.format(**targets)
        all_headers = {**self.headers, **headers}
        if self.raw is not None:
            return client._call(
                self.method,
                path,
                data=self.raw,
                content_type=self.content_type,
                headers=all_headers,
            )
        return client._call(self.method, path, json=self.json, headers=all_headers)


def body_cases(method: str, path: str, valid: dict) -> list[Bad]:
    """What every route that takes a JSON object refuses alike."""
    return [
        Bad(method, path, 400, "malformed_json", raw=b'{"title": '),
        Bad(method, path, 400, "malformed_json", raw=b"{'title': 'single quotes'}"),
        Bad(method, path, 400, "malformed_json", raw=b"\xff\xfe not utf-8"),
        Bad(method, path, 400, "malformed_json", raw=b"[" * 100_000 + b"]" * 100_000),
        Bad(
            method,
            path,
            415,
            "unsupported_media_type",
            raw=b"title=x",
            content_type="application/x-www-form-urlencoded",
        ),
        Bad(
            method, path, 415, "unsupported_media_type", raw=b'{"a": 1}', content_type="text/plain"
        ),
        Bad(method, path, 400, "invalid_body", raw=b"[1, 2]"),
        Bad(method, path, 400, "invalid_body", raw=b'"a string"'),
        Bad(method, path, 400, "invalid_body", raw=b"42"),
        Bad(method, path, 400, "invalid_body", raw=b"null"),
        Bad(method, path, 400, "invalid_body", raw=b""),
        Bad(
            method, path, 400, "unknown_field", json={**valid, "surprise": 1}, fields=("surprise",)
        ),
        Bad(method, path, 413, "too_large", raw=b'{"title": "' + b"x" * 1_100_000 + b'"}'),
    ]


def empty_body_cases(method: str, path: str) -> list[Bad]:
    """Actions without input accept nothing but an empty body or {}."""
    return [
        Bad(method, path, 400, "malformed_json", raw=b"not json"),
        Bad(method, path, 400, "invalid_body", raw=b"[]"),
        Bad(method, path, 400, "unknown_field", json={"user_id": 1}, fields=("user_id",)),
    ]


IDEA = {"title": "T", "body": "B"}
CASES: list[Bad] = [
    # POST /ideas
    *body_cases("POST", "ideas", IDEA),
    Bad("POST", "ideas", 400, "invalid_fields", json={"body": "B"}, fields=("title",)),
    Bad("POST", "ideas", 400, "invalid_fields", json={"title": "T"}, fields=("body",)),
    Bad("POST", "ideas", 400, "invalid_fields", json={}, fields=("title", "body")),
    Bad("POST", "ideas", 400, "invalid_fields", json={**IDEA, "title": 5}, fields=("title",)),
    Bad("POST", "ideas", 400, "invalid_fields", json={**IDEA, "title": None}, fields=("title",)),
    Bad("POST", "ideas", 400, "invalid_fields", json={**IDEA, "title": ["T"]}, fields=("title",)),
    Bad("POST", "ideas", 400, "invalid_fields", json={**IDEA, "title": ""}, fields=("title",)),
    Bad("POST", "ideas", 400, "invalid_fields", json={**IDEA, "title": " \t "}, fields=("title",)),
    Bad(
        "POST", "ideas", 400, "invalid_fields", json={**IDEA, "title": "x" * 201}, fields=("title",)
    ),
    Bad(
        "POST",
        "ideas",
        400,
        "invalid_fields",
        json={**IDEA, "body": "x" * 20_001},
        fields=("body",),
    ),
    Bad(
        "POST",
        "ideas",
        400,
        "invalid_fields",
        json={**IDEA, "title": "nul\x00byte"},
        fields=("title",),
    ),
    Bad(
        "POST",
        "ideas",
        400,
        "invalid_fields",
        raw=b'{"title": "\\ud800", "body": ""}',
        fields=("title",),
    ),
    Bad("POST", "ideas", 400, "invalid_fields", json={**IDEA, "tags": "blog"}, fields=("tags",)),
    Bad("POST", "ideas", 400, "invalid_fields", json={**IDEA, "tags": [1]}, fields=("tags",)),
    Bad("POST", "ideas", 400, "invalid_fields", json={**IDEA, "tags": ["a\x00"]}, fields=("tags",)),
    Bad("POST", "ideas", 400, "invalid_fields", json={**IDEA, "tags": ["<b>"]}, fields=("tags",)),
    Bad(
        "POST",
        "ideas",
        400,
        "invalid_fields",
        json={**IDEA, "prompt_id": "1"},
        fields=("prompt_id",),
    ),
    Bad(
        "POST",
        "ideas",
        400,
        "invalid_fields",
        json={**IDEA, "prompt_id": 4242},
        fields=("prompt_id",),
    ),
    Bad(
        "POST",
        "ideas",
        400,
        "invalid_fields",
        json={**IDEA, "prompt_id": 2**40},
        fields=("prompt_id",),
    ),
    Bad(
        "POST",
        "ideas",
        400,
        "invalid_fields",
        json={**IDEA, "prompt_id": True},
        fields=("prompt_id",),
    ),
    # PATCH /ideas/<id>
    *body_cases("PATCH", "ideas/{idea}", {"title": "New"}),
    Bad("PATCH", "ideas/{idea}", 400, "invalid_fields", json={"title": ""}, fields=("title",)),
    Bad("PATCH", "ideas/{idea}", 400, "invalid_fields", json={"title": None}, fields=("title",)),
    Bad("PATCH", "ideas/{idea}", 400, "invalid_fields", json={"body": None}, fields=("body",)),
    Bad("PATCH", "ideas/{idea}", 400, "invalid_fields", json={"tags": None}, fields=("tags",)),
    Bad(
        "PATCH", "ideas/{idea}", 400, "invalid_fields", json={"title": "x" * 201}, fields=("title",)
    ),
    Bad(
        "PATCH",
        "ideas/{idea}",
        400,
        "invalid_fields",
        json={"title": "ok", "tags": ["!"]},
        fields=("tags",),
    ),
    Bad("PATCH", "ideas/{idea}", 400, "unknown_field", json={"status": "done"}, fields=("status",)),
    Bad(
        "PATCH", "ideas/{idea}", 400, "unknown_field", json={"author_id": 2}, fields=("author_id",)
    ),
    Bad("PATCH", "ideas/4242", 404, "idea_not_found", json={"title": "New"}),
    Bad("PATCH", f"ideas/{HUGE}", 404, "idea_not_found", json={"title": "New"}),
    # votes
    *empty_body_cases("PUT", "ideas/{idea}/vote"),
    *empty_body_cases("DELETE", "ideas/{idea}/vote"),
    Bad("PUT", "ideas/4242/vote", 404, "idea_not_found"),
    Bad("DELETE", "ideas/4242/vote", 404, "idea_not_found"),
    Bad("PUT", f"ideas/{HUGE}/vote", 404, "idea_not_found"),
    Bad("PUT", "ideas/abc/vote", 404, "not_found"),
    Bad("PUT", "ideas/-1/vote", 404, "not_found"),
    # comments
    *body_cases("POST", "ideas/{idea}/comments", {"body": "c"}),
    Bad("POST", "ideas/{idea}/comments", 400, "invalid_fields", json={}, fields=("body",)),
    Bad(
        "POST", "ideas/{idea}/comments", 400, "invalid_fields", json={"body": ""}, fields=("body",)
    ),
    Bad("POST", "ideas/{idea}/comments", 400, "invalid_fields", json={"body": 1}, fields=("body",)),
    Bad(
        "POST",
        "ideas/{idea}/comments",
        400,
        "invalid_fields",
        json={"body": "x" * 20_001},
        fields=("body",),
    ),
    Bad(
        "POST",
        "ideas/{idea}/comments",
        400,
        "invalid_fields",
        json={"body": "c", "mentor_note": "yes"},
        fields=("mentor_note",),
    ),
    Bad(
        "POST",
        "ideas/{idea}/comments",
        400,
        "invalid_fields",
        json={"body": "c", "mentor_note": 1},
        fields=("mentor_note",),
    ),
    Bad(
        "POST",
        "ideas/{idea}/comments",
        400,
        "unknown_field",
        json={"body": "c", "author_id": 1},
        fields=("author_id",),
    ),
    Bad("POST", "ideas/4242/comments", 404, "idea_not_found", json={"body": "c"}),
    Bad("GET", "ideas/4242/comments", 404, "idea_not_found"),
    Bad("GET", f"ideas/{HUGE}/comments", 404, "idea_not_found"),
    Bad("GET", "ideas/4242", 404, "idea_not_found"),
    Bad("GET", f"ideas/{HUGE}", 404, "idea_not_found"),
    # tasks
    *body_cases("POST", "tasks", {"title": "T"}),
    Bad("POST", "tasks", 400, "invalid_fields", json={}, fields=("title",)),
    Bad("POST", "tasks", 400, "invalid_fields", json={"title": 1}, fields=("title",)),
    Bad("POST", "tasks", 400, "invalid_fields", json={"title": "  "}, fields=("title",)),
    Bad(
        "POST",
        "tasks",
        400,
        "invalid_fields",
        json={"title": "T", "description": None},
        fields=("description",),
    ),
    Bad(
        "POST",
        "tasks",
        400,
        "invalid_fields",
        json={"title": "T", "description": "x" * 20_001},
        fields=("description",),
    ),
    Bad(
        "POST",
        "tasks",
        400,
        "invalid_fields",
        json={"title": "T", "idea_id": "1"},
        fields=("idea_id",),
    ),
    Bad(
        "POST",
        "tasks",
        400,
        "invalid_fields",
        json={"title": "T", "idea_id": 4242},
        fields=("idea_id",),
    ),
    Bad(
        "POST",
        "tasks",
        400,
        "invalid_fields",
        json={"title": "T", "idea_id": 2**40},
        fields=("idea_id",),
    ),
    Bad(
        "POST",
        "tasks",
        400,
        "invalid_fields",
        json={"title": "T", "idea_id": 1.5},
        fields=("idea_id",),
    ),
    Bad(
        "POST",
        "tasks",
        400,
        "unknown_field",
        json={"title": "T", "assignee": 1},
        fields=("assignee",),
    ),
    Bad(
        "POST",
        "tasks",
        400,
        "unknown_field",
        json={"title": "T", "status": "claimed"},
        fields=("status",),
    ),
    *empty_body_cases("POST", "tasks/{task}/claim"),
    *empty_body_cases("POST", "tasks/{claimed}/release"),
    *empty_body_cases("POST", "tasks/{claimed}/complete"),
    Bad("POST", "tasks/4242/claim", 404, "task_not_found"),
    Bad("POST", "tasks/4242/release", 404, "task_not_found"),
    Bad("POST", "tasks/4242/complete", 404, "task_not_found"),
    Bad("POST", f"tasks/{HUGE}/claim", 404, "task_not_found"),
    Bad("GET", "tasks/4242", 404, "task_not_found"),
    Bad("GET", f"tasks/{HUGE}", 404, "task_not_found"),
    # query parameters
    Bad("GET", "ideas?sort=bogus", 400, "invalid_parameter", fields=("sort",)),
    Bad("GET", "ideas?sort=TOP", 400, "invalid_parameter", fields=("sort",)),
    Bad("GET", "ideas?department=abc", 400, "invalid_parameter", fields=("department",)),
    Bad("GET", "ideas?department=1_0", 400, "invalid_parameter", fields=("department",)),
    Bad("GET", f"ideas?department={HUGE}", 400, "invalid_parameter", fields=("department",)),
    Bad("GET", "ideas?prompt_id=x", 400, "invalid_parameter", fields=("prompt_id",)),
    Bad("GET", "ideas?tag=" + "x" * 41, 400, "invalid_parameter", fields=("tag",)),
    Bad("GET", "ideas?q=" + "x" * 201, 400, "invalid_parameter", fields=("q",)),
    Bad("GET", "ideas?q=%00", 400, "invalid_parameter", fields=("q",)),
    Bad("GET", "ideas?limit=0", 400, "invalid_parameter", fields=("limit",)),
    Bad("GET", "ideas?limit=abc", 400, "invalid_parameter", fields=("limit",)),
    Bad("GET", "tasks?status=bogus", 400, "invalid_parameter", fields=("status",)),
    Bad("GET", "tasks?mine=2", 400, "invalid_parameter", fields=("mine",)),
    Bad("GET", "tasks?mine=yes", 400, "invalid_parameter", fields=("mine",)),
    Bad("GET", "tasks?idea_id=x", 400, "invalid_parameter", fields=("idea_id",)),
    Bad("GET", f"tasks?idea_id={HUGE}", 400, "invalid_parameter", fields=("idea_id",)),
    Bad("GET", "events?limit=0", 400, "invalid_parameter", fields=("limit",)),
    Bad("GET", "events?after=x", 400, "invalid_parameter", fields=("after",)),
    # people
    *body_cases("PATCH", "me", {"language": "de"}),
    Bad("PATCH", "me", 400, "invalid_fields", json={"language": 5}, fields=("language",)),
    Bad("PATCH", "me", 400, "invalid_fields", json={"language": "fr"}, fields=("language",)),
    Bad("PATCH", "me", 400, "unknown_field", json={"role": "facilitator"}, fields=("role",)),
    Bad("PATCH", "me", 400, "unknown_field", json={"email": "x@example.com"}, fields=("email",)),
    *empty_body_cases("POST", "auth/logout"),
    Bad(
        "POST",
        "auth/login",
        400,
        "invalid_fields",
        json={"email": "mara@example.com"},
        fields=("password",),
    ),
    Bad(
        "POST",
        "auth/login",
        400,
        "invalid_fields",
        json={"email": "mara@example.com", "password": 5},
        fields=("password",),
    ),
    Bad("POST", "auth/login", 400, "malformed_json", raw=b"email=mara"),
    Bad("POST", "auth/register", 400, "invalid_body", raw=b"[]"),
    Bad(
        "POST",
        "auth/register",
        400,
        "invalid_fields",
        json={},
        fields=("email", "password", "display_name", "department_id"),
    ),
    # routing
    Bad("GET", "nothing-here", 404, "not_found"),
    Bad("DELETE", "ideas", 405, "method_not_allowed"),
    Bad("PUT", "tasks/{task}", 405, "method_not_allowed"),
]


def _case_id(case: Bad) -> str:
    what = case.raw[:20] if case.raw is not None else case.json
    return f"{case.method} {case.path[:40]} {what!r:.50} -> {case.status}"


def board_state(app) -> dict:
    with app.extensions["board_db"].Session() as session:
        state = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (User, Department, Idea, IdeaTag, Comment, Task, Vote, Event)
        }
        state["ideas"] = sorted(
            (i.id, i.title, i.body, i.updated_at) for i in session.scalars(select(Idea))
        )
        state["tasks"] = sorted(
            (t.id, t.status, t.claimed_by_id, t.updated_at) for t in session.scalars(select(Task))
        )
        state["people"] = sorted(
            (u.id, u.role, u.language, u.session_version) for u in session.scalars(select(User))
        )
    return state


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def board(request, sqlite_template, tmp_path_factory):
    """One board for the whole table, on each database (NUL bytes and number overflows break
    differently there): bad input must leave it as it was, and each case checks exactly
    that, so the cases can share it."""
    path = tmp_path_factory.mktemp("bad-input") / "board.sqlite3"
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_migrated")
        truncate_postgres(url)
    else:
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    settings = Settings(
        instance_path=path.parent / "instance",
        database_url=url,
        secret_key="test-secret",
        testing=True,
    )
    app = create_app({"TESTING": True}, settings=settings)
    make_user(app, "mara", "member", "Marketing")
    client = JsonClient(app.test_client()).login("mara@example.com")
    idea = client.post("ideas", json={"title": "Target", "body": "b", "tags": ["blog"]})
    task = client.post("tasks", json={"title": "Open task"}).get_json()
    claimed = client.post("tasks", json={"title": "Claimed task"}).get_json()
    client.post(f"tasks/{claimed['id']}/claim")
    targets = {"idea": idea.get_json()["id"], "task": task["id"], "claimed": claimed["id"]}
    yield app, client, targets
    app.extensions["board_db"].dispose()


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_bad_input_gets_the_envelope_and_changes_nothing(board, case):
    app, member, targets = board
    before = board_state(app)
    response = case.send(member, targets)
    assert response.status_code == case.status, response.get_data(as_text=True)[:300]
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert error["code"] == case.code
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", error["code"])
    assert isinstance(error["message"], str) and error["message"].endswith(".")
    if case.fields:
        assert set(case.fields) <= set(error["fields"])
        assert all(isinstance(v, str) and v for v in error["fields"].values())
    assert board_state(app) == before


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_error_messages_speak_german_and_codes_stay_english(board, case):
    _app, member, targets = board
    english = case.send(member, targets, **{"Accept-Language": "en"}).get_json()["error"]
    german = case.send(member, targets, **{"Accept-Language": "de-DE,de;q=0.9"}).get_json()
    german = german["error"]
    assert german["code"] == english["code"]
    assert german["message"] != english["message"], english["message"]
    for name, message in (english.get("fields") or {}).items():
        assert german["fields"][name] != message, message


def test_a_method_not_allowed_names_the_allowed_ones(member):
    response = member.delete("ideas")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("ideas/4242", "Diese Idee gibt es nicht."),
        ("tasks/4242", "Diese Aufgabe gibt es nicht."),
    ],
)
def test_german_not_found_messages(member, path, message):
    response = member.get(path, headers={"Accept-Language": "de"})
    assert response.get_json()["error"]["message"] == message


@pytest.mark.parametrize(
    ("setup", "method", "path", "code", "german"),
    [
        (
            "claimed_by_other",
            "POST",
            "tasks/{task}/claim",
            "already_claimed",
            "Jemand anderes hat diese Aufgabe schon übernommen.",
        ),
        (
            "claimed_by_other",
            "POST",
            "tasks/{task}/release",
            "not_claimant",
            "Nur wer eine Aufgabe übernommen hat, kann sie zurückgeben oder erledigen.",
        ),
        (
            "idea_by_other",
            "PATCH",
            "ideas/{idea}",
            "not_author",
            "Nur die Person, die die Idee gepostet hat, kann sie bearbeiten.",
        ),
    ],
)
def test_german_conflict_and_refusal_messages(
    member, other_member, setup, method, path, code, german
):
    idea = other_member.post("ideas", json={"title": "Theirs", "body": ""}).get_json()
    task = other_member.post("tasks", json={"title": "Theirs"}).get_json()
    other_member.post(f"tasks/{task['id']}/claim")
    response = member._call(
        method,
        path.format(idea=idea["id"], task=task["id"]),
        json={"title": "Mine"} if method == "PATCH" else None,
        headers={"Accept-Language": "de"},
    )
    error = response.get_json()["error"]
    assert (error["code"], error["message"]) == (code, german)


def test_the_claim_limit_message_names_the_limit_in_german(member):
    tasks = [member.post("tasks", json={"title": f"t{i}"}).get_json() for i in range(6)]
    for task in tasks[:5]:
        member.post(f"tasks/{task['id']}/claim")
    response = member.post(f"tasks/{tasks[5]['id']}/claim", headers={"Accept-Language": "de"})
    assert response.get_json()["error"] == {
        "code": "claim_limit",
        "message": "Du hast schon so viele Aufgaben übernommen, wie eine Person darf (5); erledige erst eine oder gib eine zurück.",
    }


def test_observer_refusal_speaks_german(observer):
    response = observer.post(
        "ideas", json={"title": "T", "body": ""}, headers={"Accept-Language": "de"}
    )
    assert response.get_json()["error"] == {
        "code": "read_only",
        "message": "Wer beobachtet, sieht das Board, kann aber nichts ändern.",
    }


def test_anonymous_refusal_speaks_german(anonymous):
    response = anonymous.get("ideas", headers={"Accept-Language": "de"})
    assert response.get_json()["error"] == {
        "code": "not_logged_in",
        "message": "Bitte melde dich zuerst an.",
    }


def test_an_unexpected_error_is_a_500_envelope_without_details(app, member, monkeypatch):
    from board import ideas

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(ideas, "page_ideas", explode)
    response = member.get("ideas")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side."}
    }
