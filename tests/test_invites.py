"""Who may join: BOARD_ALLOWED_EMAIL_DOMAINS and invite links (API, pages, CLI)."""

from __future__ import annotations

import dataclasses
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from board import clock, create_app
from board import invites as invite_service
from models import Invite, User
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient, make_user

DOMAINS = ("example.com", "example.de")


@pytest.fixture
def gated(settings):
    app = create_app(
        {"TESTING": True},
        settings=dataclasses.replace(settings, allowed_email_domains=DOMAINS),
    )
    yield app
    app.extensions["board_db"].dispose()


def register(app, email: str, invite: str | None = None):
    body = {
        "email": email,
        "password": PASSWORD,
        "display_name": "Newcomer",
        "department_id": 1,
    }
    if invite is not None:
        body["invite"] = invite
    return JsonClient(app.test_client()).post("auth/register", json=body)


def users(app) -> int:
    with app.extensions["board_db"].Session() as session:
        return session.scalar(select(func.count(User.id)))


def make_invite(app, single_use: bool = True, days: int = 7) -> str:
    with app.extensions["board_db"].Session() as session:
        return invite_service.create_invite(session, None, single_use, days)[1]


@pytest.fixture
def department(gated):
    make_user(gated, "sam", "facilitator", "Communications")  # department 1 exists


def test_registration_is_open_to_the_allowed_domains_only(gated, department):
    assert register(gated, "new@example.com").status_code == 201
    assert register(gated, "neu@EXAMPLE.de").status_code == 201
    refused = register(gated, "outsider@gmail.com")
    assert refused.status_code == 403
    error = refused.get_json()["error"]
    assert error["code"] == "email_domain_not_allowed"
    assert "example.com, example.de" in error["message"]
    # a look-alike domain is another domain
    assert register(gated, "x@example.com.evil.io").status_code == 403
    assert register(gated, "x@sub.example.com").status_code == 403
    assert users(gated) == 3


def test_without_allowed_domains_anyone_may_register(app, people_):
    assert register(app, "outsider@gmail.com").status_code == 201


def test_a_single_use_invite_lets_one_outsider_in(gated, department):
    token = make_invite(gated)
    assert register(gated, "agency@partner.io", invite=token).status_code == 201
    second = register(gated, "another@partner.io", invite=token)
    assert second.status_code == 403
    assert second.get_json()["error"]["code"] == "invite_invalid"
    assert users(gated) == 2


def test_a_reusable_invite_works_until_it_expires(gated, department):
    token = make_invite(gated, single_use=False, days=1)
    assert register(gated, "a@partner.io", invite=token).status_code == 201
    assert register(gated, "b@partner.io", invite=token).status_code == 201
    later = clock.now() + timedelta(days=1, minutes=1)
    clock.set_clock(lambda: later)
    assert register(gated, "c@partner.io", invite=token).status_code == 403
    assert users(gated) == 3


def test_a_revoked_or_made_up_invite_opens_nothing(gated, department, facilitator_of):
    token = make_invite(gated)
    sam = facilitator_of(gated)
    invite_id = sam.get("invites").get_json()["items"][0]["id"]
    assert sam.delete(f"invites/{invite_id}").get_json()["status"] == "revoked"
    assert register(gated, "a@partner.io", invite=token).status_code == 403
    assert register(gated, "a@partner.io", invite="made-up").status_code == 403
    assert users(gated) == 1


def test_a_refused_registration_does_not_spend_the_invite(gated, department):
    token = make_invite(gated)
    weak = JsonClient(gated.test_client()).post(
        "auth/register",
        json={
            "email": "a@partner.io",
            "password": "short",
            "display_name": "A",
            "department_id": 1,
        },
    )
    assert weak.status_code == 400
    assert register(gated, "a@partner.io", invite=token).status_code == 201


def test_inside_the_domains_a_stale_invite_does_no_harm(gated, department):
    token = make_invite(gated)
    assert register(gated, "first@partner.io", invite=token).status_code == 201
    assert register(gated, "colleague@example.com", invite=token).status_code == 201


@BOTH_DATABASES
def test_two_people_racing_with_one_single_use_invite_one_wins(gated, department):
    token = make_invite(gated)
    answers: list[int] = []
    barrier = threading.Barrier(4)

    def attempt(n: int):
        barrier.wait()
        answers.append(register(gated, f"racer{n}@partner.io", invite=token).status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers).count(201) == 1, answers
    assert users(gated) == 2
    with gated.extensions["board_db"].Session() as session:
        assert session.scalar(select(Invite.uses)) == 1


# ---- the facilitator's API and page -----------------------------------------------------


@pytest.fixture
def facilitator_of():
    def login(app) -> JsonClient:
        return JsonClient(app.test_client()).login("sam@example.com")

    return login


def test_the_facilitator_makes_an_invite_link_over_the_api(gated, department, facilitator_of):
    sam = facilitator_of(gated)
    made = sam.post("invites", json={"single_use": False, "expires_in_days": 30})
    assert made.status_code == 201
    invite = made.get_json()
    assert invite["url"] == f"http://localhost/register?invite={invite['token']}"
    assert invite["single_use"] is False and invite["status"] == "active"
    assert invite["created_by"]["display_name"] == "Sam"
    listed = sam.get("invites").get_json()["items"]
    assert [i["id"] for i in listed] == [invite["id"]]
    assert "token" not in listed[0]  # shown once, stored only as a hash
    assert register(gated, "x@partner.io", invite=invite["token"]).status_code == 201
    assert sam.get("invites").get_json()["items"][0]["uses"] == 1


@pytest.mark.parametrize("days", [0, 91, "7"])
def test_an_invite_lasts_one_to_ninety_days(gated, department, facilitator_of, days):
    answer = facilitator_of(gated).post("invites", json={"expires_in_days": days})
    assert answer.status_code == 400


@pytest.mark.parametrize("who", ["mara", "olga"])
def test_only_the_facilitator_makes_or_revokes_invites(gated, department, who):
    make_user(gated, who, "observer" if who == "olga" else "member", "Sales")
    make_invite(gated)
    client = JsonClient(gated.test_client()).login(f"{who}@example.com")
    assert client.post("invites", json={}).status_code == 403
    assert client.get("invites").status_code == 403
    assert client.delete("invites/1").status_code == 403
    with gated.extensions["board_db"].Session() as session:
        invites = session.scalars(select(Invite)).all()
    assert len(invites) == 1 and invites[0].revoked_at is None  # nothing changed


def _page_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_the_invite_page_makes_a_link_that_registers_on_the_page(gated, department):
    client = gated.test_client()
    JsonClient(client).login("sam@example.com")
    token = _page_token(client, "/invites")
    made = client.post("/invites", data={"csrf_token": token, "days": "3"}, follow_redirects=True)
    page = made.get_data(as_text=True)
    link = re.search(r"http://localhost/register\?invite=([\w-]+)", page)
    assert link, page
    assert "single use" in page and "active" in page

    newcomer = gated.test_client()
    form = newcomer.get(f"/register?invite={link.group(1)}").get_data(as_text=True)
    assert "You were invited" in form
    assert f'name="invite" value="{link.group(1)}"' in form
    done = newcomer.post(
        "/register",
        data={
            "csrf_token": _page_token(newcomer, "/register"),
            "invite": link.group(1),
            "email": "freelancer@studio.io",
            "display_name": "Freelancer",
            "password": PASSWORD,
            "department_id": "1",
        },
    )
    assert done.status_code == 302
    assert JsonClient(newcomer).get("me").get_json()["user"]["email"] == "freelancer@studio.io"

    revoke_id = re.search(r'id="invite-(\d+)"', page).group(1)
    client.post(f"/invites/{revoke_id}/revoke", data={"csrf_token": token})
    assert "revoked" in client.get("/invites").get_data(as_text=True)


def test_the_register_page_names_the_allowed_domains_and_refuses_others(gated, department):
    client = gated.test_client()
    assert "example.com, example.de" in client.get("/register").get_data(as_text=True)
    refused = client.post(
        "/register",
        data={
            "csrf_token": _page_token(client, "/register"),
            "email": "outsider@gmail.com",
            "display_name": "Outsider",
            "password": PASSWORD,
            "department_id": "1",
        },
    )
    assert refused.status_code == 403
    assert "ask the facilitator for an invite link" in refused.get_data(as_text=True)
    assert users(gated) == 1


def test_it_makes_and_revokes_invites_with_the_cli(gated, department):
    runner = gated.test_cli_runner()
    made = runner.invoke(args=["invites", "create", "--base-url", "https://board.example.com/"])
    assert made.exit_code == 0, made.output
    token = re.search(r"https://board\.example\.com/register\?invite=([\w-]+)", made.output)
    assert token and "single-use" in made.output
    reusable = runner.invoke(args=["invites", "create", "--reusable", "--days", "2"])
    assert "reusable" in reusable.output
    assert register(gated, "a@partner.io", invite=token.group(1)).status_code == 201
    revoked = runner.invoke(args=["invites", "revoke", "2"])
    assert revoked.exit_code == 0, revoked.output
    reusable_token = re.search(r"invite=([\w-]+)", reusable.output).group(1)
    assert register(gated, "b@partner.io", invite=reusable_token).status_code == 403
    assert runner.invoke(args=["invites", "create", "--days", "400"]).exit_code != 0


def test_the_allowed_domains_setting(tmp_path):
    from board.settings import Settings

    settings = Settings.from_env(
        {
            "BOARD_INSTANCE_PATH": str(tmp_path),
            "BOARD_SECRET_KEY": "k",
            "BOARD_ALLOWED_EMAIL_DOMAINS": " Example.com, @example.de ,",
        }
    )
    assert settings.allowed_email_domains == DOMAINS


# ---- the pages a person meets -----------------------------------------------------------


def _register_on_the_page(client, email: str, invite: str | None = None):
    data = {
        "csrf_token": _page_token(client, "/register"),
        "email": email,
        "display_name": "Newcomer",
        "password": PASSWORD,
        "department_id": "1",
    }
    if invite is not None:
        data["invite"] = invite
    return client.post("/register", data=data)


def test_an_invite_link_that_no_longer_works_says_so_before_the_form_is_filled(gated, department):
    used = make_invite(gated)
    assert register(gated, "first@partner.io", invite=used).status_code == 201
    client = gated.test_client()
    for token in (used, "made-up-token"):
        page = client.get(f"/register?invite={token}").get_data(as_text=True)
        assert "This invite link is not valid any more" in page
        assert "You were invited" not in page
        assert "Registration is open to addresses at example.com, example.de." in page
    fresh = make_invite(gated)
    page = client.get(f"/register?invite={fresh}").get_data(as_text=True)
    assert "You were invited" in page and "not valid any more" not in page
    # Sent anyway, the form says it once, and keeps what was typed.
    refused = _register_on_the_page(client, "second@partner.io", invite=used)
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert page.count("This invite link is not valid any more") == 1
    assert 'value="second@partner.io"' in page


def test_where_anyone_may_register_a_stale_invite_link_changes_nothing(app, people_):
    page = app.test_client().get("/register?invite=made-up-token").get_data(as_text=True)
    assert "not valid any more" not in page and "You were invited" not in page


def test_the_register_page_says_beside_the_address_what_is_wrong_with_it(gated, department):
    client = gated.test_client()
    for email, problem in (
        ("sam@example.com", "That email address is already registered."),
        ("outsider@gmail.com", "ask the facilitator for an invite link"),
    ):
        page = _register_on_the_page(client, email).get_data(as_text=True)
        field = re.search(r'<input id="email"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in field and 'aria-describedby="email-error"' in field
        assert "autofocus" in field
        error = re.search(r'<small class="field-error" id="email-error">([^<]*)</small>', page)
        assert error and problem in error.group(1)
        assert 'value="Newcomer"' in page  # the name typed stays


@pytest.mark.parametrize("days", ["365", "0", "abc", "1000", "-3"])
def test_the_invite_form_keeps_the_days_and_says_beside_them_what_is_wrong(gated, department, days):
    client = gated.test_client()
    JsonClient(client).login("sam@example.com")
    refused = client.post(
        "/invites",
        data={"csrf_token": _page_token(client, "/invites"), "days": days, "reusable": "1"},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "expires_in_days" not in page
    field = re.search(r'<input id="days"[^>]*>', page).group(0)
    assert f'value="{days}"' in field and 'aria-invalid="true"' in field
    assert 'id="invite-days-error">Between 1 and 90 days.<' in page
    assert re.search(r'name="reusable" value="1" checked', page)
    with gated.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(Invite.id))) == 0  # no link was made
    # An empty box is the default: seven days.
    made = client.post("/invites", data={"csrf_token": _page_token(client, "/invites")})
    assert made.status_code == 302


def test_a_new_invite_link_stands_in_a_field_a_keyboard_can_copy_and_only_once(gated, department):
    """The link was a sentence in a flash message: text a mouse can select, a keyboard
    cannot, and it is shown only this once."""
    client = gated.test_client()
    JsonClient(client).login("sam@example.com")
    made = client.post(
        "/invites", data={"csrf_token": _page_token(client, "/invites")}, follow_redirects=True
    )
    page = made.get_data(as_text=True)
    field = re.search(r'<input id="new-invite-url"[^>]*>', page)
    assert field, page
    assert "readonly" in field.group(0) and "autofocus" in field.group(0)
    assert re.search(r'value="http://localhost/register\?invite=[\w-]+"', field.group(0))
    assert '<label for="new-invite-url">New invite link, shown only now</label>' in page
    assert made.headers["Cache-Control"] == "no-store"
    again = client.get("/invites").get_data(as_text=True)
    assert "new-invite-url" not in again and "register?invite=" not in again
