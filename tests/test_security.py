"""CSRF on every write, sessions that start fresh and end for real, and the security headers."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from board import create_app, people
from board.settings import Settings
from models import Vote
from tests.conftest import PASSWORD, JsonClient

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Before a login there is no session to forge: these check Origin / Sec-Fetch-Site instead
# (tests/test_input_rules.py, tests/test_password_reset_mail.py).
CSRF_EXEMPT = {
    "api.register",
    "api.login",
    "api.request_password_reset",
    "api.confirm_password_reset",
}


def api_write_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every state-changing API route, ids filled with 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in CSRF_EXEMPT:
            continue
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) & WRITE_METHODS):
            routes.append((rule.endpoint, method, url))
    return routes


def board_state(app) -> tuple:
    """Everything a write could change, as one comparable value."""
    from sqlalchemy import func, select

    from models import Comment, Event, Idea, Nudge, Prompt, Task, User, Vote

    with app.extensions["board_db"].Session() as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(m))
            for m in (Idea, Vote, Comment, Task, Prompt, Nudge, Event, User)
        )
        ideas = tuple(session.execute(select(Idea.id, Idea.title, Idea.body)).all())
        tasks = tuple(session.execute(select(Task.id, Task.status, Task.claimed_by_id)).all())
        users = tuple(session.execute(select(User.id, User.language, User.role)).all())
    return counts, ideas, tasks, users


@pytest.fixture
def seeded(member, facilitator):
    """An idea (id 1) and a task (id 1) for the write routes to aim at."""
    idea = member.post("ideas", json={"title": "Booth reel", "body": "Short clips"})
    task = member.post("tasks", json={"title": "Film booth", "idea_id": idea.get_json()["id"]})
    assert idea.get_json()["id"] == 1 and task.get_json()["id"] == 1
    return member


# ---- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["missing", "wrong"])
def test_every_json_write_without_a_valid_csrf_token_is_refused_and_changes_nothing(
    app, seeded, facilitator, token
):
    routes = api_write_routes(app)
    assert len(routes) >= 10, routes  # the contract's writes are all there
    before = board_state(app)
    for client in (seeded, facilitator):
        for endpoint, method, url in routes:
            headers = {"X-CSRF-Token": token} if token else {}
            response = client._call(
                method, url, json={"title": "x", "body": "y"}, csrf=False, headers=headers
            )
            assert response.status_code in (400, 403), (endpoint, method, response.status_code)
            error = response.get_json()["error"]
            assert error["code"] == "csrf_failed", (endpoint, error)
            assert error["message"]
    assert board_state(app) == before
    assert seeded.get("me").status_code == 200  # still logged in: the refusal ended nothing


def test_another_persons_csrf_token_does_not_work(app, seeded, other_member):
    before = board_state(app)
    response = seeded.post(
        "ideas",
        json={"title": "Forged", "body": "x"},
        headers={"X-CSRF-Token": other_member.csrf_token},
        csrf=False,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert board_state(app) == before


def test_a_token_that_worked_is_still_refused_by_another_or_an_ended_session(
    app, seeded, other_member
):
    """A token whose signature held is remembered by the process (board/csrf.py); it still
    works only with the session that holds it: not with another person's session, nor
    after a logout and a new login in the same browser."""
    token = seeded.csrf_token
    assert seeded.put("ideas/1/vote").status_code == 200  # checked in full, remembered
    assert seeded.delete("ideas/1/vote").status_code == 200  # remembered: still the session's
    before = board_state(app)
    forged = other_member.put("ideas/1/vote", headers={"X-CSRF-Token": token}, csrf=False)
    assert forged.status_code == 400
    assert forged.get_json()["error"]["code"] == "csrf_failed"
    assert seeded.post("auth/logout").status_code == 204
    seeded.login("mara@example.com")
    again = seeded.put("ideas/1/vote", headers={"X-CSRF-Token": token}, csrf=False)
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "csrf_failed"
    assert board_state(app) == before
    assert seeded.put("ideas/1/vote").status_code == 200  # the new login's own token


def test_a_token_is_checked_in_full_again_under_another_key(app, seeded):
    """Remembered signatures belong to the key that made them: after a key change the
    same token is checked anew, and its old signature no longer holds."""
    assert seeded.put("ideas/1/vote").status_code == 200
    app.config["WTF_CSRF_SECRET_KEY"] = "another key"
    refused = seeded.delete("ideas/1/vote")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"


def test_the_right_token_lets_the_same_write_through(seeded):
    response = seeded.post("ideas", json={"title": "Allowed", "body": "x"})
    assert response.status_code == 201


def test_over_https_the_api_takes_the_token_without_a_referer(app, seeded):
    """Scripts send no Referer: over HTTPS the token alone lets a JSON write through, as on
    plain HTTP; without it the write is still refused."""
    https = {"base_url": "https://localhost"}
    allowed = seeded.post("ideas", json={"title": "Scripted", "body": "x"}, **https)
    assert allowed.status_code == 201, allowed.get_json()
    refused = seeded.post("ideas", json={"title": "No token", "body": "x"}, csrf=False, **https)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"


def test_over_https_a_page_form_still_needs_a_same_origin_referer(app, seeded):
    token = seeded.csrf_token
    form = {"csrf_token": token, "body": "From a form"}
    url = "/ideas/1/comments"
    without = seeded.client.post(url, data=form, base_url="https://localhost")
    assert without.status_code == 400
    elsewhere = {"Referer": "https://elsewhere.example/"}
    forged = seeded.client.post(url, data=form, base_url="https://localhost", headers=elsewhere)
    assert forged.status_code == 400
    own = {"Referer": "https://localhost/ideas/1"}
    posted = seeded.client.post(url, data=form, base_url="https://localhost", headers=own)
    assert posted.status_code in (302, 303), posted.status_code


def test_register_and_login_need_no_csrf_token(app, people_):
    anonymous = JsonClient(app.test_client())
    departments = anonymous.get("departments").get_json()
    registered = anonymous.post(
        "auth/register",
        json={
            "email": "new@example.com",
            "password": PASSWORD,
            "display_name": "New",
            "department_id": departments[0]["id"],
        },
        csrf=False,
    )
    assert registered.status_code == 201
    fresh = JsonClient(app.test_client())
    logged_in = fresh.post(
        "auth/login", json={"email": "new@example.com", "password": PASSWORD}, csrf=False
    )
    assert logged_in.status_code == 200
    assert logged_in.get_json()["csrf_token"]


def test_a_page_form_without_csrf_token_is_refused(app, people_):
    from flask import request

    changed = []

    @app.post("/_test/form")
    def form_view():
        changed.append(request.form["title"])
        return "changed"

    client = app.test_client()
    client.get("/login")  # a session with a token exists; the form just does not send it
    response = client.post("/_test/form", data={"title": "x"})
    assert response.status_code == 400
    assert "text/html" in response.content_type
    assert changed == []
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/_test/form", data={"title": "x", "csrf_token": token}).status_code == 200


def test_every_page_form_route_refuses_a_post_without_csrf_token(app, member):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static")) or "POST" not in (rule.methods or ()):
            continue
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        response = member.client.post(
            url, data={"email": "mara@example.com", "password": PASSWORD, "title": "x"}
        )
        assert response.status_code == 400, (rule.rule, response.status_code)


# ---- sessions ------------------------------------------------------------------------------


def session_cookie(response) -> str:
    cookies = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_lax(app, people_):
    response = JsonClient(app.test_client()).post(
        "auth/login", json={"email": "mara@example.com", "password": PASSWORD}
    )
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP during development


def test_the_session_cookie_is_secure_when_configured(settings):
    app = create_app({"TESTING": True}, settings=dataclasses.replace(settings, secure_cookies=True))
    try:
        from tests.conftest import make_user

        make_user(app, "mara")
        client = app.test_client()
        response = client.post(
            "/api/v1/auth/login",
            json={"email": "mara@example.com", "password": PASSWORD},
            base_url="https://localhost",
        )
        cookie = session_cookie(response)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        app.extensions["board_db"].dispose()


def test_the_session_cookie_is_secure_over_https_without_the_setting(app, people_):
    """Behind HTTPS the cookie is Secure even where BOARD_SECURE_COOKIES was not set; on
    plain HTTP (a laptop) it cannot be."""
    login = {"email": people_.user("member").email, "password": PASSWORD}
    client = app.test_client()
    over_https = client.post("/api/v1/auth/login", json=login, base_url="https://localhost")
    assert "Secure" in session_cookie(over_https)
    over_http = client.post("/api/v1/auth/login", json=login)
    assert "Secure" not in session_cookie(over_http)
    assert "HttpOnly" in session_cookie(over_http) and "SameSite=Lax" in session_cookie(over_http)


@pytest.mark.parametrize(
    "raw, expected", [("1", True), ("true", True), ("0", False), ("", False), (None, False)]
)
def test_secure_cookies_come_from_the_environment(tmp_path, raw, expected):
    env = {"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_SECRET_KEY": "x"}
    if raw is not None:
        env["BOARD_SECURE_COOKIES"] = raw
    assert Settings.from_env(env).secure_cookies is expected


def test_login_starts_a_fresh_session(app, people_):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    old_token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    with client.session_transaction() as session:
        session["planted_by_attacker"] = "fixation"
        old_raw_token = session["csrf_token"]
    response = client.post(
        "/api/v1/auth/login", json={"email": "mara@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    new_token = response.get_json()["csrf_token"]
    assert new_token != old_token
    with client.session_transaction() as session:
        assert "planted_by_attacker" not in session
        assert session["csrf_token"] != old_raw_token
        assert session["board_sid"]
    # The token from before the login no longer authorises a write.
    refused = client.post(
        "/api/v1/ideas", json={"title": "x", "body": "y"}, headers={"X-CSRF-Token": old_token}
    )
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    allowed = client.post(
        "/api/v1/ideas", json={"title": "x", "body": "y"}, headers={"X-CSRF-Token": new_token}
    )
    assert allowed.status_code == 201


def test_each_login_gets_a_new_session_id_and_ends_the_previous_one(app, people_):
    client = app.test_client()
    body = {"email": "mara@example.com", "password": PASSWORD}
    client.post("/api/v1/auth/login", json=body)
    with client.session_transaction() as session:
        first_sid = session["board_sid"]
    first_cookie = client.get_cookie("session").value
    client.post("/api/v1/auth/login", json=body)
    with client.session_transaction() as session:
        assert session["board_sid"] != first_sid
    replay = app.test_client()
    replay.set_cookie("session", first_cookie)
    assert replay.get("/api/v1/me").status_code == 401


# The API lists that take their person as a plain row (security.person_as_reader).
READER_LISTS = ("ideas", "tasks", "events?after=0", "prompts")


def test_logout_ends_the_session_on_the_server(app, member):
    idea = member.post("ideas", json={"title": "Booth tour", "body": ""}).get_json()["id"]
    stolen = member.client.get_cookie("session").value
    token = member.csrf_token
    assert member.post("auth/logout").status_code == 204
    assert member.get("me").status_code == 401
    # A copy of the cookie taken before the logout (another tab, a stolen laptop) is dead too.
    replay = JsonClient(app.test_client())
    replay.client.set_cookie("session", stolen)
    replay.csrf_token = token
    assert replay.get("me").status_code == 401
    for path in READER_LISTS:  # their person is read as a row (Reader)
        assert replay.get(path).status_code == 401, path
    assert replay.post("ideas", json={"title": "after logout"}).status_code in (400, 401)
    # The vote checks the login in its own write transaction, its person a row: refused,
    # nothing written, and its SQLite write turn given back (the next vote is not held up).
    assert replay.put(f"ideas/{idea}/vote").status_code == 401
    assert replay.get("/").status_code == 302  # the pages agree
    member.login("mara@example.com")
    assert member.put(f"ideas/{idea}/vote").get_json()["votes"] == 1


def test_a_request_with_an_ended_login_leaves_the_newer_cookie_alone(app, member):
    """The live page asks /api/v1/me when its socket is ended by a logout or an erasure; that
    request still carries the old cookie. Its answer must not delete the cookie the logout
    just set, or the message that came with it ("Your account is erased.") is lost."""
    stale = member.client.get_cookie("session").value
    assert member.post("auth/logout").status_code == 204
    late = app.test_client()
    late.set_cookie("session", stale)
    answer = late.get("/api/v1/me")
    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers
    assert late.get("/api/v1/me").status_code == 401  # still logged out with that cookie


def test_logout_ends_only_that_session(app, people_):
    laptop = people_.client("member")
    phone = people_.client("member")
    assert laptop.post("auth/logout").status_code == 204
    assert phone.get("me").status_code == 200


def test_logging_in_again_after_logout_works(app, member):
    member.post("auth/logout")
    member.login("mara@example.com")
    assert member.get("me").status_code == 200


def test_a_role_change_takes_the_old_powers_at_once(app, facilitator):
    idea = facilitator.post("ideas", json={"title": "Booth tour", "body": ""}).get_json()["id"]
    with app.extensions["board_db"].Session() as session:
        people.set_role(session, "sam@example.com", "member")
    for path in READER_LISTS:
        assert facilitator.get(path).status_code == 401, path
    assert facilitator.get("me").status_code == 401
    assert facilitator.post("ideas", json={"title": "x"}).status_code == 401
    assert facilitator.put(f"ideas/{idea}/vote").status_code == 401
    facilitator.login("sam@example.com")
    assert facilitator.get("me").get_json()["user"]["role"] == "member"


def test_a_removed_person_is_logged_out_at_once(app, member):
    idea = member.post("ideas", json={"title": "Booth tour", "body": ""}).get_json()["id"]
    with app.extensions["board_db"].Session() as session:
        people.remove_user(session, "mara@example.com")
    for path in READER_LISTS:
        assert member.get(path).status_code == 401, path
    assert member.get("me").status_code == 401
    assert member.post("ideas", json={"title": "x"}).status_code == 401
    assert member.put(f"ideas/{idea}/vote").status_code == 401
    with app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(Vote.id))) == 0


def test_a_vote_checks_its_login_in_its_own_write_transaction(app, member):
    """The vote's login check is the first statement of the vote's write transaction, its
    person a plain row: one transaction (one BEGIN, one COMMIT) for the whole request, and
    one statement for the person and whether the login was ended."""
    from sqlalchemy import event

    idea = member.post("ideas", json={"title": "Booth tour", "body": ""}).get_json()["id"]
    engine = app.extensions["board_db"].engine
    statements, transactions = [], []
    record = lambda *args: statements.append(args[2])  # noqa: E731
    begin = lambda *args: transactions.append("begin")  # noqa: E731
    commit = lambda *args: transactions.append("commit")  # noqa: E731
    listeners = [("before_cursor_execute", record), ("begin", begin), ("commit", commit)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        answer = member.put(f"ideas/{idea}/vote").get_json()
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    assert (answer["votes"], answer["voted"]) == (1, True)
    assert transactions == ["begin", "commit"]
    statements = [s for s in statements if not s.startswith("BEGIN")]
    assert "ended_sessions" in statements[0] and "users.session_version" in statements[0]
    assert "password_hash" not in statements[0]
    assert len([s for s in statements if "ended_sessions" in s]) == 1


@pytest.mark.parametrize("path", READER_LISTS)
def test_a_list_reads_its_person_as_a_row_in_the_statement_of_the_login_check(app, member, path):
    """The API lists take their person as a plain row (people.Reader): no ORM person with
    its password hash and department, and still one statement for the person and whether
    the login was ended."""
    from sqlalchemy import event

    member.post("ideas", json={"title": "Booth tour", "body": ""})
    statements = []
    engine = app.extensions["board_db"].engine
    record = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = member.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert answer.status_code == 200
    if path == "ideas":
        assert [idea["title"] for idea in answer.get_json()["items"]] == ["Booth tour"]
    logins = [s for s in statements if "ended_sessions" in s]
    assert len(logins) == 1 and "users.session_version" in logins[0]
    assert "password_hash" not in logins[0] and "departments" not in logins[0]


def test_what_a_reader_cannot_answer_is_asked_of_the_person(app, member):
    """Anything a view reads of a Reader beyond its row is read from the ORM person, which
    is loaded then; the Reader itself cannot be changed."""
    from sqlalchemy import select

    from models import User

    with app.test_request_context(), app.extensions["board_db"].ReadSession() as session:
        values = session.execute(
            select(*people.Reader.COLUMNS).where(User.email == "mara@example.com")
        ).one()
        reader = people.Reader(session, values)
        person = session.scalars(select(User).where(User.email == "mara@example.com")).one()
        assert (reader.id, reader.role, reader.get_id()) == (person.id, "member", person.get_id())
        assert reader.is_authenticated and reader.is_active and not reader.is_anonymous
        assert reader.display_name == person.display_name
        assert reader.department.name == person.department.name
        assert reader.person() is person
        with pytest.raises(AttributeError):
            reader.role = "facilitator"
        assert person.role == "member"


def cookie_holding(app, values: dict) -> str:
    """A session cookie signed with the app's key, as the app would have set it."""
    return app.session_interface.get_signing_serializer(app).dumps(values)


def test_a_session_cookie_seen_before_still_expires(app, member, monkeypatch):
    """Each cookie's signature is checked once per process; its age still counts each time."""
    cookie = member.client.get_cookie("session").value
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/api/v1/me").status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert replay.get("/api/v1/me").status_code == 401


def test_what_a_request_puts_in_its_session_stays_out_of_the_cookie_it_came_with(app, member):
    """A cookie without a CSRF token gets one in its first answer (a new cookie); sent again
    as it was, it still holds none, so that token does not let a write through with it."""
    with member.client.session_transaction() as session:
        values = {key: value for key, value in session.items() if key != "csrf_token"}
    cookie = cookie_holding(app, values)
    client = app.test_client()
    client.set_cookie("session", cookie)
    first = client.get("/api/v1/me")
    assert first.status_code == 200 and "session=" in first.headers["Set-Cookie"]
    token = first.get_json()["csrf_token"]
    again = app.test_client()
    again.set_cookie("session", cookie)
    refused = again.post("/api/v1/ideas", json={"title": "x"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 400


def test_a_cookie_signed_with_another_key_is_refused_after_the_real_one_was_seen(app, member):
    cookie = member.client.get_cookie("session").value
    with member.client.session_transaction() as session:
        values = dict(session)
    assert member.get("me").status_code == 200
    other = Flask("elsewhere")
    other.secret_key = "another-secret"
    forged = other.session_interface.get_signing_serializer(other).dumps(values)
    assert forged.split(".")[0] == cookie.split(".")[0]  # the same contents, another signature
    thief = app.test_client()
    thief.set_cookie("session", forged)
    assert thief.get("/api/v1/me").status_code == 401


# ---- headers -------------------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    csp = csp_directives(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts == ["'self'"], csp
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp.get("style-src", csp["default-src"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in (
        "same-origin",
        "no-referrer",
        "strict-origin-when-cross-origin",
    )


@pytest.mark.parametrize(
    "who, method, path, body, status",
    [
        ("anonymous", "GET", "/", None, 302),
        ("member", "GET", "/", None, 200),
        ("anonymous", "GET", "/login", None, 200),
        ("member", "GET", "/no-such-page", None, 404),
        ("anonymous", "GET", "/static/css/board.css", None, 200),
        ("anonymous", "GET", "/api/v1/openapi.json", None, 200),
        ("member", "GET", "/api/v1/me", None, 200),
        ("anonymous", "GET", "/api/v1/me", None, 401),
        ("anonymous", "GET", "/api/v1/departments", None, 200),
        ("member", "GET", "/api/v1/ideas/999", None, 404),
        ("member", "POST", "/api/v1/ideas", "{not json", 400),
        ("anonymous", "POST", "/api/v1/auth/login", "{not json", 400),
        ("observer", "POST", "/api/v1/ideas", '{"title": "x", "body": "y"}', 403),
        ("member", "DELETE", "/api/v1/auth/login", None, 405),
    ],
)
def test_every_response_carries_the_security_headers(people_, who, method, path, body, status):
    client = people_.client(who)
    response = client._call(method, path, data=body, content_type="application/json")
    response.close()
    assert response.status_code == status
    assert_security_headers(response)


def test_api_answers_are_not_cached(member):
    assert member.get("me").headers["Cache-Control"] == "no-store"


def test_hsts_only_over_https(app):
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


# ---- behind a reverse proxy ----------------------------------------------------------------


def proxied_app(settings, proxies: int):
    return create_app(
        {"TESTING": True}, settings=dataclasses.replace(settings, trusted_proxies=proxies)
    )


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(settings):
    app = proxied_app(settings, 0)
    try:
        client = app.test_client()
        response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in response.headers
        # Rotating a forged X-Forwarded-For does not escape the per-address login limit.
        for n in range(100):
            client.post(
                "/api/v1/auth/login",
                json={"email": f"x{n}@example.com", "password": "wrong-password"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
        refused = client.post(
            "/api/v1/auth/login",
            json={"email": "y@example.com", "password": "wrong-password"},
            headers={"X-Forwarded-For": "203.0.113.250"},
        )
        assert refused.status_code == 429
    finally:
        app.extensions["board_db"].dispose()


def test_a_trusted_proxy_tells_the_client_address_and_scheme(settings):
    app = proxied_app(settings, 1)
    try:
        client = app.test_client()
        response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" in response.headers
        for n in range(100):
            client.post(
                "/api/v1/auth/login",
                json={"email": f"x{n}@example.com", "password": "wrong-password"},
                headers={"X-Forwarded-For": "203.0.113.1"},
            )
        # Another person behind the same proxy is not locked out by the guesser.
        other = client.post(
            "/api/v1/auth/login",
            json={"email": "y@example.com", "password": "wrong-password"},
            headers={"X-Forwarded-For": "203.0.113.2"},
        )
        assert other.status_code == 401
    finally:
        app.extensions["board_db"].dispose()


def test_trusted_proxies_come_from_the_environment(tmp_path):
    env = {"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_SECRET_KEY": "x"}
    assert Settings.from_env(env).trusted_proxies == 0
    assert Settings.from_env({**env, "BOARD_TRUSTED_PROXIES": "1"}).trusted_proxies == 1


@pytest.mark.redis
def test_a_logout_holds_in_every_process_with_redis(settings):
    import redis

    from tests.conftest import REDIS_URL, make_user, service_or_skip

    service_or_skip(
        "Redis", lambda: redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    )
    shared = dataclasses.replace(settings, ratelimit_storage=REDIS_URL)
    first = create_app({"TESTING": True}, settings=shared)
    second = None
    try:
        make_user(first, "mara")
        client = JsonClient(first.test_client()).login("mara@example.com")
        copy = client.client.get_cookie("session").value
        assert client.post("auth/logout").status_code == 204
        second = create_app({"TESTING": True}, settings=shared)  # another server process
        replay = second.test_client()
        replay.set_cookie("session", copy)
        assert replay.get("/api/v1/ideas").status_code == 401
        assert replay.get("/api/v1/me").status_code == 401
    finally:
        first.extensions["board_db"].dispose()
        if second is not None:
            second.extensions["board_db"].dispose()
