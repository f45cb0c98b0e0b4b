"""Failed logins and registrations are rate-limited with the contract's numbers."""

from __future__ import annotations

import dataclasses
import re
import uuid

import pytest
import redis

from board import create_app
from tests.conftest import PASSWORD, REDIS_URL, JsonClient, make_user, service_or_skip

ADDRESS = "198.51.100.7"  # documentation range: only a value in the WSGI environ


def client_from(app, address: str = ADDRESS) -> JsonClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return JsonClient(client)


def login(client: JsonClient, email: str, password: str):
    return client.post("auth/login", json={"email": email, "password": password})


def fail_logins(client: JsonClient, email: str, times: int) -> None:
    for _ in range(times):
        assert login(client, email, "wrong-password-123").status_code == 401


def assert_too_many(response, window: int = 15 * 60) -> None:
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"
    assert response.get_json()["error"]["message"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= window + 1


def test_twenty_failed_logins_for_one_email_lock_that_account(app):
    user = make_user(app, "mara")
    client = client_from(app)
    fail_logins(client, user.email, 20)
    response = login(client, user.email, PASSWORD)  # even the right password now waits
    assert_too_many(response)
    assert "Set-Cookie" not in response.headers or "session=;" in response.headers["Set-Cookie"]


def test_the_account_limit_counts_the_email_however_it_is_written(app):
    user = make_user(app, "mara")
    client = client_from(app)
    fail_logins(client, user.email, 10)
    fail_logins(client, "  " + user.email.upper(), 10)
    assert_too_many(login(client, user.email, PASSWORD))


def test_the_account_limit_holds_across_addresses(app):
    user = make_user(app, "mara")
    for n in range(20):
        fail_logins(client_from(app, f"203.0.113.{n + 1}"), user.email, 1)
    assert_too_many(login(client_from(app, "203.0.113.200"), user.email, PASSWORD))


def test_successful_logins_do_not_count(app):
    user = make_user(app, "mara")
    client = client_from(app)
    fail_logins(client, user.email, 19)
    for _ in range(5):
        assert login(client, user.email, PASSWORD).status_code == 200
    fail_logins(client, user.email, 1)  # the 20th failure is still an ordinary 401
    assert_too_many(login(client, user.email, "wrong-password-123"))


def test_other_accounts_are_not_locked_by_one_account_being_guessed(app):
    target = make_user(app, "mara")
    bystander = make_user(app, "ivan")
    fail_logins(client_from(app), target.email, 20)
    assert login(client_from(app), bystander.email, PASSWORD).status_code == 200


def test_one_hundred_failures_from_one_address_lock_that_address(app):
    user = make_user(app, "mara")
    client = client_from(app)
    for n in range(100):
        assert login(client, f"nobody{n}@example.com", "wrong-password-123").status_code == 401
    assert_too_many(login(client, user.email, PASSWORD))
    # another address is not affected
    assert login(client_from(app, "192.0.2.55"), user.email, PASSWORD).status_code == 200


def test_malformed_login_attempts_do_not_use_up_the_budget(app):
    user = make_user(app, "mara")
    client = client_from(app)
    for _ in range(25):
        response = client.post("auth/login", json={"email": user.email})
        assert response.status_code == 400
    assert login(client, user.email, PASSWORD).status_code == 200


def test_the_window_is_fifteen_minutes(app, monkeypatch):
    import limits.storage.memory as memory

    now = [1_000_000.0]

    class FakeTime:
        @staticmethod
        def time() -> float:
            return now[0]

    monkeypatch.setattr(memory, "time", FakeTime)
    monkeypatch.setattr("board.ratelimit.time", FakeTime)
    user = make_user(app, "mara")
    client = client_from(app)
    fail_logins(client, user.email, 20)
    refused = login(client, user.email, PASSWORD)
    assert_too_many(refused)
    assert int(refused.headers["Retry-After"]) == 15 * 60 + 1
    now[0] += 14 * 60
    assert_too_many(login(client, user.email, PASSWORD))
    now[0] += 60 + 1
    assert login(client, user.email, PASSWORD).status_code == 200


def register(client: JsonClient, n: int, department_id: int):
    return client.post(
        "auth/register",
        json={
            "email": f"new{n}-{uuid.uuid4().hex[:6]}@example.com",
            "password": PASSWORD,
            "display_name": f"New {n}",
            "department_id": department_id,
        },
    )


def test_registrations_are_limited_per_address(app):
    department_id = make_user(app, "mara").department_id
    client = client_from(app)
    for n in range(10):
        assert register(client, n, department_id).status_code == 201
    assert_too_many(register(client, 10, department_id), window=3600)
    assert register(client_from(app, "192.0.2.56"), 11, department_id).status_code == 201


def test_the_login_and_register_pages_still_open_while_an_address_waits(app):
    """Showing a form is no attempt: /login and /register answer 200 (the contract's pages)
    while the address may not try again; the attempts themselves are still refused."""
    user = make_user(app, "mara")
    client = client_from(app)
    for n in range(10):
        assert register(client, n, user.department_id).status_code == 201
    for n in range(100):
        assert login(client, f"nobody{n}@example.com", "wrong-password-123").status_code == 401
    page = client.client
    assert page.get("/register").status_code == 200
    assert page.get("/login").status_code == 200
    assert_too_many(register(client, 10, user.department_id), window=3600)
    assert_too_many(login(client, user.email, PASSWORD))


def test_probing_taken_addresses_counts_towards_the_registration_limit(app):
    user = make_user(app, "mara")
    client = client_from(app)
    body = {
        "email": user.email,
        "password": PASSWORD,
        "display_name": "Copy",
        "department_id": user.department_id,
    }
    for _ in range(10):
        assert client.post("auth/register", json=body).status_code == 409
    assert_too_many(client.post("auth/register", json=body), window=3600)


def test_typos_in_the_registration_form_do_not_count(app):
    department_id = make_user(app, "mara").department_id
    client = client_from(app)
    for _ in range(15):
        response = client.post(
            "auth/register",
            json={
                "email": "not-an-email",
                "password": "short",
                "display_name": "X",
                "department_id": department_id,
            },
        )
        assert response.status_code == 400
    assert register(client, 1, department_id).status_code == 201


def test_the_limit_answers_in_german_when_asked(app):
    user = make_user(app, "mara")
    client = client_from(app)
    fail_logins(client, user.email, 20)
    response = client.post(
        "auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"Accept-Language": "de"},
    )
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"
    assert "Versuche" in response.get_json()["error"]["message"]


# ---- Redis: every process shares one count -----------------------------------------------


@pytest.fixture
def redis_settings(settings):
    def check():
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()

    service_or_skip("Redis", check)
    return dataclasses.replace(settings, ratelimit_storage=REDIS_URL)


@pytest.mark.redis
def test_redis_storage_shares_the_count_between_processes(redis_settings):
    # A unique account and address keep this test apart from any other run on the same Redis.
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    first = create_app({"TESTING": True}, settings=redis_settings)
    try:
        user = make_user(first, f"mara{uuid.uuid4().hex[:8]}")
        fail_logins(client_from(first, address), user.email, 12)
        # A second process: its own app, its own connection to the same Redis.
        second = create_app({"TESTING": True}, settings=redis_settings)
        assert second.extensions["board_settings"].ratelimit_storage.startswith("redis://")
        fail_logins(client_from(second, address), user.email, 8)
        assert_too_many(login(client_from(second, address), user.email, PASSWORD))
        second.extensions["board_db"].dispose()
    finally:
        first.extensions["board_db"].dispose()


def test_settings_pick_redis_when_a_redis_url_is_configured(tmp_path):
    from board.settings import Settings

    base = {"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_SECRET_KEY": "x"}
    assert Settings.from_env(base).ratelimit_storage == "memory://"
    queue = Settings.from_env({**base, "BOARD_MESSAGE_QUEUE": "redis://127.0.0.1:6379/3"})
    assert queue.ratelimit_storage == "redis://127.0.0.1:6379/3"
    own = Settings.from_env(
        {
            **base,
            "BOARD_MESSAGE_QUEUE": "redis://127.0.0.1:6379/3",
            "BOARD_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/4",
        }
    )
    assert own.ratelimit_storage == "redis://127.0.0.1:6379/4"


# ---- a stranger cannot lock the owner out (issue 17) ----------------------------------------

OWNER_ADDRESS = "192.0.2.10"


def test_a_stranger_guessing_does_not_lock_out_the_owner_on_their_usual_address(app):
    user = make_user(app, "mara")
    owner = client_from(app, OWNER_ADDRESS)
    assert login(owner, user.email, PASSWORD).status_code == 200  # the usual address
    stranger = client_from(app, "203.0.113.66")
    fail_logins(stranger, user.email, 20)
    assert_too_many(login(stranger, user.email, PASSWORD))
    assert login(client_from(app, OWNER_ADDRESS), user.email, PASSWORD).status_code == 200


def test_strangers_on_many_addresses_are_still_locked_out_together(app):
    user = make_user(app, "mara")
    assert login(client_from(app, OWNER_ADDRESS), user.email, PASSWORD).status_code == 200
    for n in range(20):
        fail_logins(client_from(app, f"203.0.113.{n + 1}"), user.email, 1)
    assert_too_many(login(client_from(app, "203.0.113.200"), user.email, PASSWORD))
    assert login(client_from(app, OWNER_ADDRESS), user.email, PASSWORD).status_code == 200


def test_the_owners_own_mistakes_on_their_address_still_count(app):
    user = make_user(app, "mara")
    owner = client_from(app, OWNER_ADDRESS)
    assert login(owner, user.email, PASSWORD).status_code == 200
    fail_logins(owner, user.email, 20)
    assert_too_many(login(owner, user.email, PASSWORD))


def test_the_refusal_says_how_long_to_wait(app):
    user = make_user(app, "mara")
    client = client_from(app)
    fail_logins(client, user.email, 20)
    response = login(client, user.email, PASSWORD)
    assert_too_many(response)
    assert "15 minutes" in response.get_json()["error"]["message"]
    german = client.post(
        "auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"Accept-Language": "de"},
    )
    assert "15 Minuten" in german.get_json()["error"]["message"]


def test_the_login_page_says_how_long_to_wait(app):
    user = make_user(app, "mara")
    fail_logins(client_from(app), user.email, 20)
    page = client_from(app).client
    html = page.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = page.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "15 minutes" in response.get_data(as_text=True)


def _form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_a_locked_login_page_keeps_the_address_and_the_way_to_a_new_password(app):
    """The wait is said on the login form itself, with the address as typed and "Forgot
    your password?" beside it: not on a bare error page that drops both."""
    user = make_user(app, "mara")
    fail_logins(client_from(app), user.email, 20)
    page = client_from(app).client
    answer = page.post(
        "/login",
        data={"csrf_token": _form_token(page, "/login"), "email": user.email, "password": "x"},
    )
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0
    html = answer.get_data(as_text=True)
    assert "please try again in 15 minutes" in html
    assert f'value="{user.email}"' in html
    assert 'action="/login"' in html and 'href="/forgot-password"' in html
    assert re.search(r'<input id="password"[^>]*autofocus', html)


def test_a_limited_registration_keeps_what_was_typed(app):
    department_id = make_user(app, "mara").department_id
    client = client_from(app)
    for n in range(10):
        assert register(client, n, department_id).status_code == 201
    page = client_from(app).client
    answer = page.post(
        "/register",
        data={
            "csrf_token": _form_token(page, "/register"),
            "email": "late@example.com",
            "display_name": "Late Comer",
            "password": PASSWORD,
            "department_id": str(department_id),
        },
    )
    assert answer.status_code == 429
    html = answer.get_data(as_text=True)
    assert "please try again in" in html
    assert 'value="late@example.com"' in html and 'value="Late Comer"' in html
    assert re.search(rf'<option value="{department_id}"\s+selected>', html)


# ---- the check before every request (board/ratelimit.py, _check_app_wide_limits) ------------


def test_an_app_wide_limit_would_apply_to_every_request(settings):
    """The board's limits sit on their views, so the check before each request is skipped
    while it has nothing to check; a limit configured for every request is still enforced."""
    from board.ratelimit import limiter

    limited = create_app({"TESTING": True, "RATELIMIT_DEFAULT": "3 per minute"}, settings=settings)
    try:
        client = limited.test_client()
        assert [client.get("/api/v1/ideas").status_code for _ in range(3)] == [401] * 3
        assert client.get("/api/v1/ideas").status_code == 429
    finally:
        limiter.limit_manager.set_default_limits([])  # the limiter is the process's own
        limited.extensions["board_db"].dispose()


def test_while_the_store_is_away_any_request_looks_whether_it_is_back(app, monkeypatch):
    """Flask-Limiter looks for its dead store's recovery in the check before each request;
    the board skips that check only while the store is alive, so a request to a view without
    a limit still finds the store back and the next logins are counted there again."""
    from board.ratelimit import limiter

    monkeypatch.setattr(limiter, "_storage_dead", True)
    monkeypatch.setattr(limiter, "_Limiter__last_check_backend", 0)  # a look is due
    monkeypatch.setattr(limiter, "_Limiter__check_backend_count", 0)
    assert app.test_client().get("/api/v1/ideas").status_code == 401
    assert limiter._storage_dead is False
