"""My account: name, department, password (current one required), sessions I can see and
end, and password reset links IT makes with the CLI (single-use, expiring)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from board import clock
from tests.conftest import PASSWORD, JsonClient

NEW_PASSWORD = "a-brand-new-passphrase"


def page_token(client, path: str = "/profile") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def logged_in(app, email: str, agent: str = "Firefox on Linux") -> JsonClient:
    client = JsonClient(app.test_client())
    client.client.environ_base["HTTP_USER_AGENT"] = agent
    return client.login(email)


# ---- name and department --------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "observer"])
def test_everyone_changes_their_own_name_and_department(app, people_, who):
    client = people_.client(who)
    sales = people_.user("observer").department_id
    answer = client.patch("me", json={"display_name": "  Mara   B. ", "department_id": sales})
    assert answer.status_code == 200
    user = client.get("me").get_json()["user"]
    assert user["display_name"] == "Mara B."
    assert user["department"]["id"] == sales


def test_a_bad_name_or_department_changes_nothing(member):
    before = member.get("me").get_json()["user"]
    for body in ({"display_name": "   "}, {"display_name": "x" * 81}, {"department_id": 999}):
        assert member.patch("me", json=body).status_code == 400
    assert member.get("me").get_json()["user"] == before


def test_nobody_can_name_another_person_in_their_profile(member):
    refused = member.patch("me", json={"user_id": 2, "display_name": "Hacked"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "unknown_field"


def test_the_profile_page_saves_name_and_department(app, people_):
    client = app.test_client()
    JsonClient(client).login("mara@example.com")
    token = page_token(client)
    answer = client.post(
        "/profile",
        data={"csrf_token": token, "display_name": "Mara Berg", "department_id": "2"},
        follow_redirects=True,
    )
    page = answer.get_data(as_text=True)
    assert "Your profile is saved." in page
    assert 'value="Mara Berg"' in page
    assert JsonClient(client).get("me").get_json()["user"]["department"]["id"] == 2


# ---- password ------------------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one(app, people_):
    client = logged_in(app, "mara@example.com")
    wrong = client.post(
        "me/password", json={"current_password": "guess-guess-guess", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 400
    assert wrong.get_json()["error"]["code"] == "wrong_password"
    JsonClient(app.test_client()).login("mara@example.com", PASSWORD)  # unchanged


def test_a_weak_new_password_is_refused(app, people_):
    client = logged_in(app, "mara@example.com")
    weak = client.post("me/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 400
    assert "new_password" in weak.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("current", "new", "said"),
    [
        ("guess-guess-guess", NEW_PASSWORD, "Current password: This is not your current password."),
        (PASSWORD, "short", "New password: Use at least 10 characters."),
    ],
)
def test_a_refused_password_change_on_the_page_names_the_fields_as_the_page_does(
    app, people_, current, new, said
):
    client = app.test_client()
    JsonClient(client).login("mara@example.com")
    answer = client.post(
        "/profile/password",
        data={"csrf_token": page_token(client), "current_password": current, "new_password": new},
        follow_redirects=True,
    )
    page = answer.get_data(as_text=True)
    assert said in page
    assert "current_password" not in page.split("<main", 1)[1].split("<form", 1)[0]
    assert "new_password:" not in page


def test_a_new_password_ends_every_other_session(app, people_):
    laptop = logged_in(app, "mara@example.com", "Laptop")
    phone = logged_in(app, "mara@example.com", "Phone")
    changed = laptop.post(
        "me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200
    laptop.csrf_token = changed.get_json()["csrf_token"]
    assert laptop.get("me").status_code == 200  # this one goes on
    assert phone.get("me").status_code == 401
    assert [s["user_agent"] for s in laptop.get("me/sessions").get_json()["items"]] == ["Laptop"]
    fresh = JsonClient(app.test_client())
    assert (
        fresh.post(
            "auth/login", json={"email": "mara@example.com", "password": PASSWORD}
        ).status_code
        == 401
    )
    fresh.login("mara@example.com", NEW_PASSWORD)


# ---- sessions ------------------------------------------------------------------------------


def test_i_see_where_i_am_logged_in_and_end_another_session(app, people_):
    laptop = logged_in(app, "mara@example.com", "Laptop")
    phone = logged_in(app, "mara@example.com", "Phone")
    logged_in(app, "ivan@example.com", "Ivan's browser")
    items = laptop.get("me/sessions").get_json()["items"]
    assert {s["user_agent"]: s["current"] for s in items} == {"Laptop": True, "Phone": False}
    phone_id = next(s["id"] for s in items if s["user_agent"] == "Phone")
    assert laptop.delete(f"me/sessions/{phone_id}").status_code == 204
    assert phone.get("me").status_code == 401
    assert laptop.get("me").status_code == 200
    assert [s["user_agent"] for s in laptop.get("me/sessions").get_json()["items"]] == ["Laptop"]


def test_nobody_ends_someone_elses_session_or_their_own_current_one(app, people_):
    mara = logged_in(app, "mara@example.com", "Laptop")
    ivan = logged_in(app, "ivan@example.com")
    mine = mara.get("me/sessions").get_json()["items"][0]["id"]
    assert ivan.delete(f"me/sessions/{mine}").status_code == 404
    assert mara.get("me").status_code == 200
    current = mara.delete(f"me/sessions/{mine}")
    assert current.status_code == 400
    assert current.get_json()["error"]["code"] == "current_session"


def test_a_logout_takes_the_session_off_the_list(app, people_):
    laptop = logged_in(app, "mara@example.com", "Laptop")
    phone = logged_in(app, "mara@example.com", "Phone")
    assert phone.post("auth/logout").status_code == 204
    assert [s["user_agent"] for s in laptop.get("me/sessions").get_json()["items"]] == ["Laptop"]


def test_the_profile_page_lists_sessions_and_ends_one(app, people_):
    phone = logged_in(app, "mara@example.com", "Phone")
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "Laptop"
    JsonClient(client).login("mara@example.com")
    page = client.get("/profile").get_data(as_text=True)
    assert "this browser" in page and "Phone" in page
    session_id = re.findall(r'action="/profile/sessions/(\d+)/end"', page)
    assert len(session_id) == 1  # no button for the current one
    client.post(f"/profile/sessions/{session_id[0]}/end", data={"csrf_token": page_token(client)})
    assert phone.get("me").status_code == 401


# ---- password reset links -------------------------------------------------------------------


def reset_link(app, email: str, *args: str) -> str:
    done = app.test_cli_runner().invoke(args=["users", "reset-password", email, *args])
    assert done.exit_code == 0, done.output
    return re.search(r"(/reset-password/[\w-]+)", done.output).group(1)


def test_a_reset_link_sets_a_new_password_once(app, people_):
    old_session = logged_in(app, "mara@example.com")
    path = reset_link(app, "mara@example.com")
    client = app.test_client()
    form = client.get(path).get_data(as_text=True)
    assert "mara@example.com" in form
    done = client.post(
        path, data={"csrf_token": page_token(client, path), "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert JsonClient(client).get("me").get_json()["user"]["email"] == "mara@example.com"
    assert old_session.get("me").status_code == 401  # the old sessions are over
    JsonClient(app.test_client()).login("mara@example.com", NEW_PASSWORD)
    again = app.test_client()
    assert again.get(path).status_code == 404  # single use


def test_a_reset_link_expires(app, people_):
    path = reset_link(app, "mara@example.com", "--hours", "1")
    later = clock.now() + timedelta(hours=1, minutes=1)
    clock.set_clock(lambda: later)
    client = app.test_client()
    answer = client.get(path)
    assert answer.status_code == 404
    assert "ask for a new one" in answer.get_data(as_text=True)


def test_a_weak_password_keeps_the_reset_link_usable(app, people_):
    path = reset_link(app, "mara@example.com")
    client = app.test_client()
    weak = client.post(path, data={"csrf_token": page_token(client, path), "new_password": "short"})
    assert weak.status_code == 400
    ok = client.post(
        path, data={"csrf_token": page_token(client, path), "new_password": NEW_PASSWORD}
    )
    assert ok.status_code == 302


def test_a_weak_password_on_the_reset_page_is_said_beside_the_field(app, people_):
    path = reset_link(app, "mara@example.com")
    client = app.test_client()
    weak = client.post(path, data={"csrf_token": page_token(client, path), "new_password": "short"})
    page = weak.get_data(as_text=True)
    field = re.search(r'<input id="new_password"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="new_password-error"' in field
    assert '<small class="field-error" id="new_password-error">Use at least 10 characters.' in page
    assert "Some fields are missing or invalid." not in page


def test_the_reset_cli_refuses_unknown_people(app, people_):
    done = app.test_cli_runner().invoke(args=["users", "reset-password", "nobody@example.com"])
    assert done.exit_code != 0


WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)


@pytest.mark.parametrize(
    ("user_agent", "shown"),
    [
        (WINDOWS_EDGE, "Edge · Windows"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/156.0.0.0 Safari/537.36",
            "Chrome · Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari · iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome · Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0",
            "Firefox · macOS",
        ),
        ("curl/8.5.0", ""),
    ],
)
def test_a_session_names_its_browser_and_system(user_agent, shown):
    from board.web.account import browser

    assert browser(user_agent) == shown


def test_the_profile_page_names_a_session_by_browser_not_its_user_agent(app, people_):
    """The list showed the whole User-Agent ("Mozilla/5.0 (Windows NT 10.0; …"); it keeps
    it as the entry's title."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = WINDOWS_EDGE
    JsonClient(client).login("mara@example.com")
    page = client.get("/profile").get_data(as_text=True)
    assert f'title="{WINDOWS_EDGE}">Edge · Windows</strong>' in page


def test_each_form_on_my_account_comes_back_to_its_own_section(app, people_):
    """On a phone My account is a long page: the time zone, password and session forms
    came back to its top, far from the form just used. Each comes back to its section
    (and the page shows the message there, static/js/nav.js)."""
    logged_in(app, "mara@example.com", "Phone")
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "Laptop"
    JsonClient(client).login("mara@example.com")
    page = client.get("/profile").get_data(as_text=True)
    for anchor in ("time-zone", "password-title", "sessions-title"):
        assert f'id="{anchor}"' in page
    zone = client.post(
        "/profile/time-zone", data={"csrf_token": page_token(client), "timezone": "Europe/Berlin"}
    )
    assert zone.headers["Location"] == "/profile#time-zone"
    wrong = client.post(
        "/profile/password",
        data={
            "csrf_token": page_token(client),
            "current_password": "guess-guess-guess",
            "new_password": NEW_PASSWORD,
        },
    )
    assert wrong.headers["Location"] == "/profile#password-title"
    session_id = re.findall(r'action="/profile/sessions/(\d+)/end"', page)[0]
    ended = client.post(
        f"/profile/sessions/{session_id}/end", data={"csrf_token": page_token(client)}
    )
    assert ended.headers["Location"] == "/profile#sessions-title"
    changed = client.post(
        "/profile/password",
        data={
            "csrf_token": page_token(client),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
        },
    )
    assert changed.headers["Location"] == "/profile#password-title"


def _username_field(page: str, form_action: str) -> str | None:
    """The value of the form's field that names whose password it is, for a password manager."""
    form = re.search(
        rf'<form method="post" action="{re.escape(form_action)}">(.*?)</form>', page, re.S
    )
    assert form, form_action
    field = re.search(r'<input[^>]*autocomplete="username"[^>]*>', form.group(1))
    return re.search(r'value="([^"]*)"', field.group(0)).group(1) if field else None


def test_a_password_manager_learns_whose_new_password_the_reset_page_sets(app, people_):
    path = reset_link(app, "mara@example.com")
    page = app.test_client().get(path).get_data(as_text=True)
    assert _username_field(page, path) == "mara@example.com"


def test_a_password_manager_learns_whose_password_the_profile_changes(app, people_):
    client = app.test_client()
    JsonClient(client).login("mara@example.com")
    page = client.get("/profile").get_data(as_text=True)
    assert _username_field(page, "/profile/password") == "mara@example.com"
    changed = client.post(
        "/profile/password",
        data={
            "csrf_token": page_token(client),
            "username": "mara@example.com",
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    JsonClient(app.test_client()).login("mara@example.com", NEW_PASSWORD)


def test_each_log_out_there_button_says_which_session_it_ends(app, people_):
    logged_in(app, "mara@example.com", "Phone")
    logged_in(app, "mara@example.com", "Tablet")
    client = app.test_client()
    JsonClient(client).login("mara@example.com")
    page = client.get("/profile").get_data(as_text=True)
    buttons = re.findall(r'<button[^>]*aria-describedby="([^"]+)"[^>]*>Log out there<', page)
    assert len(buttons) == 2
    described = set()
    for ids in buttons:
        words = [re.search(rf'id="{i}"[^>]*>([^<]+)<', page).group(1) for i in ids.split()]
        assert words[1].startswith("since ")
        described.add(words[0])
    assert described == {"Phone", "Tablet"}
