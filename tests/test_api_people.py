"""The contract for people: departments, register, login, logout, /me, CSRF and sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Department, Idea, User
from tests.conftest import PASSWORD, JsonClient

USER_FIELDS = {"id", "email", "display_name", "role", "department"}


# The test's own sessions end their transaction at once: an open one would hold SQLite's
# write lock (BEGIN IMMEDIATE) and make the app wait.


def _department_id(db, name: str = "Marketing") -> int:
    department = db.scalar(select(Department).where(Department.name == name))
    if department is None:
        department = Department(name=name)
        db.add(department)
    db.commit()
    return department.id


def _register_body(db, **overrides) -> dict:
    body = {
        "email": "new.person@example.com",
        "password": "a-long-enough-secret",
        "display_name": "New Person",
        "department_id": _department_id(db),
    }
    body.update(overrides)
    return body


def _user_count(db) -> int:
    count = db.scalar(select(func.count(User.id)))
    db.commit()
    return count


def test_departments_are_listed_without_login_sorted_by_name(anonymous, db):
    for name in ("Sales", "IT", "Marketing"):
        _department_id(db, name)
    response = anonymous.get("departments")
    assert response.status_code == 200
    assert [d["name"] for d in response.get_json()] == ["IT", "Marketing", "Sales"]
    assert all(set(d) == {"id", "name"} and isinstance(d["id"], int) for d in response.get_json())


def test_register_creates_a_logged_in_member(anonymous, db):
    response = anonymous.post("auth/register", json=_register_body(db, email=" New@Example.com "))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"user", "csrf_token"}
    user = body["user"]
    assert set(user) >= USER_FIELDS
    assert user["email"] == "new@example.com"
    assert user["role"] == "member"
    assert user["display_name"] == "New Person"
    assert user["department"] == {"id": _department_id(db), "name": "Marketing"}
    anonymous.csrf_token = body["csrf_token"]
    assert anonymous.get("me").get_json()["user"]["id"] == user["id"]
    assert anonymous.post("ideas", json={"title": "Mine", "body": ""}).status_code == 201


def test_register_stores_an_argon2_hash_not_the_password(anonymous, db):
    anonymous.post("auth/register", json=_register_body(db))
    stored = db.scalar(select(User.password_hash).where(User.email == "new.person@example.com"))
    db.commit()
    assert stored.startswith("$argon2id$")
    assert "a-long-enough-secret" not in stored


@pytest.mark.parametrize("field", ["role", "is_admin", "session_version", "active"])
def test_register_refuses_fields_it_does_not_know(anonymous, db, field):
    response = anonymous.post("auth/register", json=_register_body(db, **{field: "facilitator"}))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "unknown_field"
    assert field in error["fields"]
    assert _user_count(db) == 0


def test_register_refuses_a_taken_email_with_409(anonymous, member, db):
    response = anonymous.post("auth/register", json=_register_body(db, email="MARA@example.com"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "email_taken"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"display_name": "   "}, "display_name"),
        ({"department_id": 999}, "department_id"),
        ({"department_id": "1"}, "department_id"),
        ({"email": None}, "email"),
    ],
)
def test_register_names_the_invalid_field(anonymous, db, override, field):
    response = anonymous.post("auth/register", json=_register_body(db, **override))
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert _user_count(db) == 0


def test_login_answers_user_and_csrf_token(anonymous, people_):
    response = anonymous.post(
        "auth/login", json={"email": "Mara@Example.com ", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"user", "csrf_token"}
    assert body["user"]["email"] == "mara@example.com"
    assert set(body["user"]) >= USER_FIELDS


def test_login_gives_one_answer_for_unknown_email_and_wrong_password(anonymous, people_):
    wrong = anonymous.post("auth/login", json={"email": "mara@example.com", "password": "nope"})
    unknown = anonymous.post(
        "auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["code"] == "invalid_credentials"
    assert anonymous.get("me").status_code == 401


def test_login_does_not_need_a_csrf_token_but_logout_does(anonymous, people_):
    client = JsonClient(anonymous.client).login("mara@example.com")
    refused = client.post("auth/logout", csrf=False)
    assert refused.status_code in (400, 403)
    assert client.get("me").status_code == 200
    assert client.post("auth/logout").status_code == 204
    assert client.get("me").status_code == 401


def test_logout_answers_204_with_an_empty_body(member):
    response = member.post("auth/logout")
    assert response.status_code == 204
    assert response.data == b""


def test_me_answers_the_user_and_a_working_csrf_token(people_):
    client = people_.client("facilitator")
    body = client.get("me").get_json()
    assert body["user"]["role"] == "facilitator"
    assert body["user"]["department"]["name"] == "Communications"
    client.csrf_token = body["csrf_token"]
    assert client.post("ideas", json={"title": "Works", "body": ""}).status_code == 201


def test_login_starts_a_new_session_with_a_new_csrf_token(people_):
    client = people_.client("member")
    old_token = client.csrf_token
    client.login("ivan@example.com")
    assert client.get("me").get_json()["user"]["email"] == "ivan@example.com"
    assert client.post(
        "ideas", json={"title": "Old token", "body": ""}, headers={"X-CSRF-Token": old_token}
    ).status_code in (400, 403)


def test_session_cookie_is_httponly_and_samesite_lax(anonymous, people_):
    response = anonymous.post(
        "auth/login", json={"email": "mara@example.com", "password": PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_removed_persons_password_no_longer_works(anonymous, people_, db):
    user = db.get(User, people_.user("member").id)
    user.active = False
    db.commit()
    response = anonymous.post(
        "auth/login", json={"email": "mara@example.com", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize("language", ["de", "en", None])
def test_a_person_sets_their_language(member, language):
    response = member.patch("me", json={"language": language})
    assert response.status_code == 200
    assert response.get_json()["user"]["language"] == language


def test_the_persons_language_wins_over_the_browser(member):
    member.patch("me", json={"language": "de"})
    response = member.get("ideas/999", headers={"Accept-Language": "en"})
    assert response.get_json()["error"]["message"] == "Diese Idee gibt es nicht."


def test_an_unknown_language_is_refused(member):
    response = member.patch("me", json={"language": "fr"})
    assert response.status_code == 400
    assert "language" in response.get_json()["error"]["fields"]


def test_observer_may_change_their_own_settings(observer):
    response = observer.patch("me", json={"language": "de", "email_notifications": "weekly"})
    assert response.status_code == 200
    user = observer.get("me").get_json()["user"]
    assert (user["language"], user["email_notifications"]) == ("de", "weekly")


# ---- 401 without a session, CSRF on every write -------------------------------------

LOGIN_ROUTES = [
    ("GET", "me"),
    ("PATCH", "me"),
    ("POST", "auth/logout"),
    ("GET", "ideas"),
    ("POST", "ideas"),
    ("GET", "ideas/{idea}"),
    ("PATCH", "ideas/{idea}"),
    ("PUT", "ideas/{idea}/vote"),
    ("DELETE", "ideas/{idea}/vote"),
    ("GET", "ideas/{idea}/comments"),
    ("POST", "ideas/{idea}/comments"),
    ("GET", "tasks"),
    ("POST", "tasks"),
    ("GET", "tasks/{task}"),
    ("POST", "tasks/{task}/claim"),
    ("POST", "tasks/{task}/release"),
    ("POST", "tasks/{task}/complete"),
    ("GET", "events"),
]
WRITE_BODIES = {
    ("PATCH", "me"): {"language": "de"},
    ("POST", "ideas"): {"title": "Sneaky", "body": ""},
    ("PATCH", "ideas/{idea}"): {"title": "Changed"},
    ("POST", "ideas/{idea}/comments"): {"body": "Sneaky"},
    ("POST", "tasks"): {"title": "Sneaky"},
}


@pytest.fixture
def targets(member) -> dict:
    idea = member.post("ideas", json={"title": "Target", "body": "b"}).get_json()
    task = member.post("tasks", json={"title": "Target task"}).get_json()
    member.post(f"tasks/{task['id']}/claim")
    member.put(f"ideas/{idea['id']}/vote")
    return {"idea": idea["id"], "task": task["id"]}


@pytest.mark.parametrize(("method", "path"), LOGIN_ROUTES, ids=lambda v: str(v))
def test_without_a_session_every_route_answers_401(anonymous, targets, method, path):
    response = anonymous._call(
        method, path.format(**targets), json=WRITE_BODIES.get((method, path))
    )
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "not_logged_in"
    assert error["message"]


def _board_state(app) -> dict:
    from models import Comment, Event, Task, Vote

    with app.extensions["board_db"].Session() as session:
        counts = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (User, Idea, Comment, Task, Vote, Event)
        }
        counts["task"] = [(t.status, t.claimed_by_id) for t in session.scalars(select(Task))]
        counts["idea"] = [(i.title, i.body) for i in session.scalars(select(Idea))]
        counts["language"] = [u.language for u in session.scalars(select(User))]
    return counts


WRITES = [(m, p) for m, p in LOGIN_ROUTES if m != "GET"]


@pytest.mark.parametrize(("method", "path"), WRITES, ids=lambda v: str(v))
def test_every_write_without_csrf_token_is_refused_and_changes_nothing(
    app, member, targets, method, path
):
    before = _board_state(app)
    response = member._call(
        method, path.format(**targets), json=WRITE_BODIES.get((method, path)), csrf=False
    )
    assert response.status_code in (400, 403)
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert _board_state(app) == before
    assert member.get("me").status_code == 200  # not even logged out


@pytest.mark.parametrize(("method", "path"), WRITES, ids=lambda v: str(v))
def test_a_wrong_csrf_token_is_refused_too(app, member, targets, method, path):
    before = _board_state(app)
    response = member._call(
        method,
        path.format(**targets),
        json=WRITE_BODIES.get((method, path)),
        headers={"X-CSRF-Token": "forged"},
    )
    assert response.status_code in (400, 403)
    assert _board_state(app) == before
