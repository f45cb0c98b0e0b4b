"""The company login (OpenID Connect) against a real provider on loopback.

Every test drives the whole redirect dance over HTTP: the board's /auth/oidc/login sends
the browser to the provider (after reading its discovery document), the person logs in
there (or cancels), the provider sends them back to /auth/oidc/callback with a code, and
the board exchanges it (PKCE), checks the ID token (signature, issuer, audience, nonce)
and logs the person in.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from board import accounts as accounts_service
from board import create_app
from board import oidc as oidc_service
from board import people as people_service
from board.settings import Settings, SettingsError
from models import Department, PasswordReset, User, UserIdentity
from tests.conftest import PASSWORD, JsonClient, make_user
from tests.oidc_helpers import (
    CLIENT_ID,
    at_provider,
    company_login,
    local,
    set_person,
    start_login,
    start_provider,
    unused_port,
    with_company_login,
)


@pytest.fixture(scope="module")
def provider():
    with start_provider() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def make_board(settings, provider):
    apps = []

    def make(issuer: str | None = None, **overrides):
        app = create_app(
            {"TESTING": True},
            settings=with_company_login(settings, issuer or provider, **overrides),
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["board_db"].dispose()


@pytest.fixture
def board(make_board):
    return make_board()


def me(client) -> dict | None:
    answer = client.get("/api/v1/me")
    return answer.get_json()["user"] if answer.status_code == 200 else None


def user_by_email(app, email: str) -> User | None:
    with app.extensions["board_db"].Session() as session:
        return session.scalar(select(User).where(User.email == email))


def identities(app) -> list[tuple[int, str]]:
    with app.extensions["board_db"].Session() as session:
        return [(i.user_id, i.subject) for i in session.scalars(select(UserIdentity))]


def anna(provider, sub="anna-sub", **claims):
    defaults = {
        "email": "anna@example.com",
        "email_verified": True,
        "name": "Anna Berg",
        "department": "Corporate Communications",
    }
    set_person(provider, sub, **{**defaults, **claims})


# ---- accounts -------------------------------------------------------------------------


def test_first_login_creates_a_member_with_the_department_from_the_claim(board, provider):
    anna(provider)
    client = board.test_client()
    answer = company_login(client, "anna-sub", next_path="/my-tasks")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/my-tasks"
    user = me(client)
    assert user["email"] == "anna@example.com"
    assert user["display_name"] == "Anna Berg"
    assert user["role"] == "member"
    assert user["department"]["name"] == "Corporate Communications"  # created when missing
    # The new account has no password: nobody gets in with one.
    api = JsonClient(board.test_client())
    refused = api.post(
        "auth/login", json={"email": "anna@example.com", "password": "!company-login"}
    )
    assert refused.status_code == 401


def test_a_company_login_keeps_the_browsers_language_for_mail_only(board, provider):
    """A company login is the only login many people ever make: without it their mail had
    no language but English, whatever their browser asked the pages for."""
    anna(provider)
    client = board.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    assert company_login(client, "anna-sub").status_code == 302
    assert user_by_email(board, "anna@example.com").page_language == "de"
    assert me(client)["language"] is None  # no setting: the pages still follow the browser


def test_a_company_account_signs_in_again_for_erasing_from_its_own_profile(board, provider):
    """Erasing asks a company account for a login of the last ten minutes; the page said so
    and left the person to find the way: log out, log in, find the section again."""
    anna(provider)
    client = board.test_client()
    company_login(client, "anna-sub")
    page = client.get("/profile").get_data(as_text=True)
    link = re.search(r'<a href="(/auth/oidc/login\?next=[^"]+)"[^>]*>([^<]+)</a>', page)
    assert link, page
    assert link.group(2) == "Sign in with your company account"
    started = client.get(link.group(1))
    callback = at_provider(started.headers["Location"], "anna-sub")
    back = client.get(local(callback))
    assert back.status_code == 302 and back.headers["Location"] == "/profile#erase-title"


def test_the_return_from_the_provider_writes_in_its_turn_while_others_write(
    board, provider, monkeypatch
):
    """The provider sends the browser back with a GET that creates the account and its
    login: it writes as a writer does (its turn in the write queue), not as a read that
    then writes, which on SQLite fails at once ("database is locked", a 503 page) when
    someone else committed after its first read."""
    anna(provider)
    database = board.extensions["board_db"]
    real_sign_in = oidc_service.sign_in
    writers: list[threading.Thread] = []

    def write_meanwhile() -> None:
        with database.Session() as other:
            other.add(Department(name="Events"))
            other.commit()

    def sign_in_while_someone_writes(session, settings, claims):
        session.execute(select(Department.id)).all()  # the callback has read something
        writer = threading.Thread(target=write_meanwhile)
        writers.append(writer)
        writer.start()
        writer.join(0.5)  # a read-only callback lets it commit now; a writer's makes it wait
        return real_sign_in(session, settings, claims)

    monkeypatch.setattr(oidc_service, "sign_in", sign_in_while_someone_writes)
    answer = company_login(board.test_client(), "anna-sub")
    for writer in writers:
        writer.join(30)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    assert user_by_email(board, "anna@example.com") is not None
    with database.Session() as session:
        assert session.scalar(select(Department).where(Department.name == "Events"))


def test_the_next_login_finds_the_account_by_subject_not_by_email(board, provider):
    anna(provider)
    company_login(board.test_client(), "anna-sub")
    first = user_by_email(board, "anna@example.com")
    # The provider now sends another address (she married, the domain changed...).
    anna(provider, email="anna.meier@example.com")
    client = board.test_client()
    company_login(client, "anna-sub")
    assert me(client)["id"] == first.id
    assert user_by_email(board, "anna.meier@example.com") is None  # no second account


def test_an_existing_department_is_reused_whatever_its_case(board, provider):
    make_user(board, "mara", "member", "Marketing")
    anna(provider, department="marketing")
    client = board.test_client()
    company_login(client, "anna-sub")
    assert me(client)["department"]["name"] == "Marketing"
    with board.extensions["board_db"].Session() as session:
        assert len(session.scalars(select(Department)).all()) == 1


def test_a_password_account_is_linked_when_the_provider_vouches_for_the_email(board, provider):
    mara = make_user(board, "mara", "facilitator", "Marketing")
    set_person(
        provider, "mara-sub", email="MARA@example.com", email_verified=True, department="Sales"
    )
    client = board.test_client()
    company_login(client, "mara-sub")
    user = me(client)
    assert user["id"] == mara.id
    assert user["role"] == "facilitator"  # no group settings: the CLI's role stays
    assert user["department"]["name"] == "Marketing"  # the board's data stays hers
    assert identities(board) == [(mara.id, "mara-sub")]
    JsonClient(board.test_client()).login("mara@example.com", PASSWORD)  # still works


@pytest.mark.parametrize("verified", [False, None, "false"], ids=["false", "absent", "string"])
def test_an_unverified_email_never_takes_over_an_existing_account(
    board, provider, verified, caplog
):
    make_user(board, "mara", "member", "Marketing")
    claims = {"email": "mara@example.com", "department": "Marketing"}
    if verified is not None:
        claims["email_verified"] = verified
    set_person(provider, f"intruder-{verified}", **claims)
    client = board.test_client()
    with caplog.at_level(logging.WARNING):
        answer = company_login(client, f"intruder-{verified}")
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert "does not confirm the address" in page
    assert 'data-failure="email_unverified"' in page
    assert me(client) is None
    assert identities(board) == []
    assert "email_unverified" in caplog.text  # IT can see what happened


def test_an_address_linked_to_another_subject_is_not_handed_over(board, provider):
    anna(provider, sub="anna-old")
    company_login(board.test_client(), "anna-old")
    # The mailbox went to someone new at the company, with a new subject.
    anna(provider, sub="anna-new", name="Another Anna")
    client = board.test_client()
    answer = company_login(client, "anna-new")
    assert answer.status_code == 403
    assert 'data-failure="identity_mismatch"' in answer.get_data(as_text=True)
    assert me(client) is None


def test_a_removed_account_gets_a_friendly_page(board, provider, caplog):
    anna(provider)
    company_login(board.test_client(), "anna-sub")
    with board.extensions["board_db"].Session() as session:
        people_service.remove_user(session, "anna@example.com")
    client = board.test_client()
    with caplog.at_level(logging.WARNING):
        answer = company_login(client, "anna-sub")
    assert answer.status_code == 403
    assert "has been switched off" in answer.get_data(as_text=True)
    assert "Try again" not in answer.get_data(as_text=True)
    assert me(client) is None
    assert "account_removed" in caplog.text


def test_a_missing_department_claim_is_explained_and_creates_nothing(board, provider):
    set_person(provider, "nodept", email="nodept@example.com", email_verified=True)
    client = board.test_client()
    answer = company_login(client, "nodept")
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert 'data-failure="claim_missing"' in page
    assert "department" in page
    assert user_by_email(board, "nodept@example.com") is None


def test_a_default_department_stands_in_for_a_missing_claim(make_board, provider):
    board = make_board(oidc_default_department="Everyone")
    set_person(provider, "nodept2", email="nodept2@example.com", email_verified=True)
    client = board.test_client()
    company_login(client, "nodept2")
    assert me(client)["department"]["name"] == "Everyone"


def test_a_missing_email_claim_is_explained(board, provider):
    set_person(provider, "nomail", department="PR")
    # The provider puts sub in `email` for unknown users; this one has none at all.
    client = board.test_client()
    answer = company_login(client, "nomail")
    assert answer.status_code == 403
    assert 'data-failure="claim_missing"' in answer.get_data(as_text=True)


@pytest.mark.parametrize("address", ["anna\u200b@example.com", "\u202eanna@example.com"])
def test_an_email_claim_with_an_unseen_character_makes_no_account(board, provider, address):
    """Issue 17: it looked exactly like anna@example.com and became a second account."""
    anna(provider, sub="look-alike", email=address)
    client = board.test_client()
    answer = company_login(client, "look-alike")
    assert answer.status_code == 403
    assert 'data-failure="claim_invalid"' in answer.get_data(as_text=True)
    assert me(client) is None and identities(board) == []


@pytest.mark.parametrize("nothing", ["\u200b", "\u202e", " \ufeff "])
def test_a_name_or_department_claim_that_shows_nothing_counts_as_missing(
    make_board, provider, nothing
):
    """Issue 17: the login failed with "Some fields are missing or invalid."; a name that
    shows nothing now gives way to the next source, a department to the default (or the
    page that names the missing claim)."""
    anna(provider, sub="blank-name", name=nothing, preferred_username="anna.b")
    board = make_board()
    client = board.test_client()
    assert company_login(client, "blank-name").status_code == 302
    assert me(client)["display_name"] == "anna.b"

    anna(provider, sub="blank-department", email="bo@example.com", department=nothing)
    answer = company_login(board.test_client(), "blank-department")
    assert answer.status_code == 403
    assert 'data-failure="claim_missing"' in answer.get_data(as_text=True)
    with_default = make_board(oidc_default_department="Sales")
    client = with_default.test_client()
    assert company_login(client, "blank-department").status_code == 302
    assert me(client)["department"]["name"] == "Sales"


def test_a_first_login_outside_the_allowed_domains_makes_no_account(make_board, provider, caplog):
    """BOARD_ALLOWED_EMAIL_DOMAINS holds for the company login too: a provider that also
    signs in people from elsewhere (guests, any Google account) opens no board to them."""
    board = make_board(allowed_email_domains=("example.com",))
    set_person(provider, "guest", email="guest@agency.io", email_verified=True, department="Agency")
    client = board.test_client()
    with caplog.at_level(logging.WARNING):
        answer = company_login(client, "guest")
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert 'data-failure="email_domain_not_allowed"' in page
    assert "open to addresses at example.com only" in page
    assert me(client) is None
    assert user_by_email(board, "guest@agency.io") is None
    assert "email_domain_not_allowed" in caplog.text
    assert "Try again" not in page  # it would end here again
    # Inside the domains the company login works as ever.
    anna(provider)
    company_login(client, "anna-sub")
    assert me(client)["email"] == "anna@example.com"


def test_an_account_let_in_by_an_invite_keeps_its_company_login(make_board, provider):
    board = make_board(allowed_email_domains=("example.com",))
    make_user(board, "guest", department="Agency")  # guest@example.com, renamed below
    with board.extensions["board_db"].Session() as session:
        session.scalar(
            select(User).where(User.email == "guest@example.com")
        ).email = "guest@agency.io"
        session.commit()
    set_person(provider, "guest2", email="guest@agency.io", email_verified=True)
    client = board.test_client()
    company_login(client, "guest2")
    assert me(client)["email"] == "guest@agency.io"


def test_the_department_claim_is_configurable(make_board, provider):
    board = make_board(oidc_department_claim="ou")
    set_person(provider, "ou-sub", email="ou@example.com", email_verified=True, ou=["Legal"])
    client = board.test_client()
    company_login(client, "ou-sub")
    assert me(client)["department"]["name"] == "Legal"


# ---- roles from the provider's groups ---------------------------------------------------


GROUPS = {
    "oidc_facilitator_groups": ("sg-social-media",),
    "oidc_observer_groups": ("sg-heads", "sg-board"),
}


def test_roles_follow_the_groups_and_a_change_ends_the_old_sessions(make_board, provider):
    board = make_board(**GROUPS)
    anna(provider, groups=["staff", "sg-social-media"])
    laptop = board.test_client()
    company_login(laptop, "anna-sub")
    assert me(laptop)["role"] == "facilitator"

    # IT moves her to the department heads; her next login (on her phone) says so.
    anna(provider, groups=["staff", "sg-heads"])
    phone = board.test_client()
    company_login(phone, "anna-sub")
    assert me(phone)["role"] == "observer"
    assert me(laptop) is None, "the session with the old role must end"

    # Out of every board group: a member, and the observer session ends in turn.
    anna(provider, groups=["staff"])
    tablet = board.test_client()
    company_login(tablet, "anna-sub")
    assert me(tablet)["role"] == "member"
    assert me(phone) is None


def test_an_unchanged_role_keeps_the_other_sessions(make_board, provider):
    board = make_board(**GROUPS)
    anna(provider, groups="sg-board")  # a single group as a string (some providers)
    laptop = board.test_client()
    company_login(laptop, "anna-sub")
    assert me(laptop)["role"] == "observer"
    company_login(board.test_client(), "anna-sub")
    assert me(laptop)["role"] == "observer"


def test_groups_decide_for_a_linked_password_account_too(make_board, provider):
    board = make_board(**GROUPS)
    make_user(board, "mara", "member", "Marketing")
    set_person(
        provider,
        "mara-sub",
        email="mara@example.com",
        email_verified=True,
        groups=["sg-social-media"],
    )
    password_session = JsonClient(board.test_client()).login("mara@example.com")
    client = board.test_client()
    company_login(client, "mara-sub")
    assert me(client)["role"] == "facilitator"
    assert password_session.get("me").status_code == 401  # the member session ended


def test_without_group_settings_roles_stay_with_the_cli(board, provider):
    anna(provider, groups=["sg-social-media"])
    company_login(board.test_client(), "anna-sub")
    with board.extensions["board_db"].Session() as session:
        people_service.set_role(session, "anna@example.com", "observer")
    client = board.test_client()
    company_login(client, "anna-sub")
    assert me(client)["role"] == "observer"


def test_a_missing_groups_claim_never_demotes_silently(make_board, provider):
    board = make_board(**GROUPS)
    anna(provider, groups=["sg-social-media"])
    company_login(board.test_client(), "anna-sub")
    anna(provider)  # the provider stopped sending groups (a removed mapper, an overage)
    client = board.test_client()
    answer = company_login(client, "anna-sub")
    assert answer.status_code == 403
    assert 'data-failure="claim_missing"' in answer.get_data(as_text=True)
    assert user_by_email(board, "anna@example.com").role == "facilitator"


# ---- the dance itself ---------------------------------------------------------------------


def test_the_request_to_the_provider_uses_pkce_state_and_nonce(board, provider):
    started = start_login(board.test_client())
    url = urlsplit(started.headers["Location"])
    assert f"{url.scheme}://{url.netloc}" == provider
    query = parse_qs(url.query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20
    assert query["nonce"][0]
    assert set(query["scope"][0].split()) >= {"openid", "email", "profile"}
    assert query["redirect_uri"] == ["http://localhost/auth/oidc/callback"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_only_local_paths_are_followed_after_login(board, provider, target):
    anna(provider)
    answer = company_login(board.test_client(), "anna-sub", next_path=target)
    assert answer.headers["Location"] == "/"


def test_a_cancelled_login_ends_on_a_friendly_page(board, provider, caplog):
    client = board.test_client()
    with caplog.at_level(logging.WARNING):
        answer = company_login(client, None, next_path="/feed", deny=True)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "cancelled" in page
    assert 'href="/auth/oidc/login?next=/feed"' in page  # "Try again" keeps the target
    assert me(client) is None
    assert "login_cancelled" in caplog.text


def test_the_friendly_page_speaks_the_persons_language(board, provider):
    client = board.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    page = client.get("/login").get_data(as_text=True)
    assert "Mit deinem Firmenkonto anmelden" in page
    answer = company_login(client, None, deny=True)
    page = answer.get_data(as_text=True)
    assert "Die Firmenanmeldung hat nicht geklappt" in page
    assert "bei deinem Firmenkonto abgebrochen" in page
    with board.extensions["board_db"].Session() as session:
        people_service.create_user(
            session, "mara@example.com", PASSWORD, "Mara", "Marketing", "member"
        )
    set_person(provider, "not-mara", email="mara@example.com", department="Marketing")
    page = company_login(client, "not-mara").get_data(as_text=True)
    assert "dein Firmenkonto bestätigt die Adresse nicht" in page


def test_the_language_switch_on_the_failure_page_goes_to_the_login_page(board, provider):
    """The failure page stands at the callback's address, whose code and state work once:
    switching the language there went back to it and said the login had expired."""
    client = board.test_client()
    page = company_login(client, None, next_path="/feed", deny=True).get_data(as_text=True)
    switch = page.split('action="/language"', 1)[1].split("</form>", 1)[0]
    assert 'name="next" value="/login?next=/feed"' in switch
    assert 'lang="de"' in switch and ">Deutsch<" in switch
    token = re.search(r'name="csrf_token" value="([^"]+)"', switch).group(1)
    answer = client.post(
        "/language", data={"csrf_token": token, "language": "de", "next": "/login?next=/feed"}
    )
    assert answer.headers["Location"] == "/login?next=/feed"
    assert "Mit deinem Firmenkonto anmelden" in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )


def test_a_company_login_keeps_the_language_chosen_on_the_login_page(board, provider):
    """The language chosen with the switch goes to the provider (ui_locales) and stays the
    person's for mail, over the browser's own."""
    anna(provider)
    client = board.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    client.set_cookie("board_language", "de")
    started = start_login(client)
    assert parse_qs(urlsplit(started.headers["Location"]).query)["ui_locales"] == ["de"]
    assert (
        client.get(local(at_provider(started.headers["Location"], "anna-sub"))).status_code == 302
    )
    assert user_by_email(board, "anna@example.com").page_language == "de"


def test_a_replayed_or_foreign_callback_is_refused(board, provider):
    anna(provider)
    client = board.test_client()
    started = start_login(client)
    callback = local(at_provider(started.headers["Location"], "anna-sub"))
    assert client.get(callback).status_code == 302  # logged in
    # The same code and state again, from another browser (a leaked URL):
    stranger = board.test_client()
    answer = stranger.get(callback)
    assert answer.status_code == 400
    assert 'data-failure="login_expired"' in answer.get_data(as_text=True)
    assert me(stranger) is None


def test_an_unreachable_provider_gives_a_friendly_page(make_board, caplog):
    board = make_board(issuer=f"http://127.0.0.1:{unused_port()}")
    client = board.test_client()
    with caplog.at_level(logging.WARNING):
        answer = start_login(client, "/feed")
    assert answer.status_code == 503
    assert "cannot be reached right now" in answer.get_data(as_text=True)
    assert "provider_unreachable" in caplog.text


def test_a_provider_that_goes_down_mid_login_gives_a_friendly_page(make_board):
    with start_provider() as server:
        issuer = f"http://localhost:{server.server_port}"
        board = make_board(issuer=issuer)
        set_person(issuer, "short", email="s@example.com", email_verified=True, department="PR")
        client = board.test_client()
        callback = local(at_provider(start_login(client).headers["Location"], "short"))
    answer = client.get(callback)  # the code exchange finds nobody there
    assert answer.status_code == 503
    assert "cannot be reached right now" in answer.get_data(as_text=True)
    assert me(client) is None


def test_a_trailing_slash_on_the_issuer_makes_no_difference(make_board, provider):
    board = make_board(issuer=provider + "/")
    anna(provider)
    client = board.test_client()
    company_login(client, "anna-sub")
    assert me(client)["email"] == "anna@example.com"


def test_a_discovery_document_naming_another_issuer_is_refused(make_board, caplog):
    """A server that answers at the configured URL but calls itself someone else (a wrong
    setting, or someone in between) never gets a login started."""
    import json
    import threading

    from werkzeug.serving import make_server

    def impostor(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"issuer": "https://login.other.example"}).encode()]

    server = make_server("127.0.0.1", 0, impostor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        board = make_board(issuer=f"http://127.0.0.1:{server.server_port}")
        with caplog.at_level(logging.WARNING):
            answer = start_login(board.test_client())
    finally:
        server.shutdown()
    assert answer.status_code == 503
    assert "not set up correctly" in answer.get_data(as_text=True)
    assert "login.other.example" in caplog.text


def test_login_starts_only_when_the_company_login_is_configured(app):
    assert app.test_client().get("/auth/oidc/login").status_code == 404
    assert app.test_client().get("/auth/oidc/callback").status_code == 404


# ---- the login page ------------------------------------------------------------------------


def test_the_login_page_offers_the_company_button_and_the_password_form(make_board):
    board = make_board(oidc_name="Contoso ID")
    page = board.test_client().get("/login?next=/feed").get_data(as_text=True)
    assert "Sign in with Contoso ID" in page
    assert 'href="/auth/oidc/login?next=/feed"' in page
    assert 'name="password"' in page


def test_a_wrong_password_is_said_by_the_password_form_not_above_the_company_button(board):
    client = board.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post(
        "/login", data={"csrf_token": token, "email": "x@example.com", "password": "wrong-one"}
    ).get_data(as_text=True)
    assert "Wrong email or password." in refused
    assert refused.index("company-login-button") < refused.index("Wrong email or password.")
    assert refused.index("Wrong email or password.") < refused.index('name="password"')


def test_the_default_button_names_the_company_account(board):
    page = board.test_client().get("/login").get_data(as_text=True)
    assert "Sign in with your company account" in page


# ---- password login switched off --------------------------------------------------------


@pytest.fixture
def sso_only(make_board):
    return make_board(password_login=False)


def test_password_login_off_refuses_the_api(sso_only):
    make_user(sso_only, "mara", "member", "Marketing")
    api = JsonClient(sso_only.test_client())
    login = api.post("auth/login", json={"email": "mara@example.com", "password": PASSWORD})
    assert login.status_code == 403
    assert login.get_json()["error"]["code"] == "password_login_disabled"
    register = api.post(
        "auth/register",
        json={
            "email": "new@example.com",
            "password": PASSWORD,
            "display_name": "New",
            "department_id": 1,
        },
    )
    assert register.status_code == 403
    assert register.get_json()["error"]["code"] == "password_login_disabled"
    assert user_by_email(sso_only, "new@example.com") is None
    assert me(api) is None


def test_password_login_off_leaves_only_the_company_button(sso_only):
    client = sso_only.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with your company account" in page
    assert 'name="password"' not in page
    assert "/register" not in page
    register = client.get("/register")
    assert register.status_code == 403
    assert 'name="password"' not in register.get_data(as_text=True)


def _page_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_password_login_off_refuses_the_page_forms(sso_only):
    make_user(sso_only, "mara", "member", "Marketing")
    client = sso_only.test_client()
    token = _page_token(client)
    login = client.post(
        "/login", data={"email": "mara@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 403
    assert "Password login is switched off" in login.get_data(as_text=True)
    assert me(client) is None
    register = client.post(
        "/register",
        data={
            "email": "new@example.com",
            "password": PASSWORD,
            "display_name": "New",
            "department_id": "1",
            "csrf_token": token,
        },
    )
    assert register.status_code == 403
    assert user_by_email(sso_only, "new@example.com") is None


def test_password_login_off_mails_no_reset_link_from_the_page_either(make_board):
    """The API refused "forgot password" with password login off; the page mailed the link
    anyway, and the link logged the person in with a password the board does not take."""
    board = make_board(
        password_login=False, smtp_url="smtp://127.0.0.1:9", mail_from="board@example.com"
    )
    make_user(board, "mara", "member", "Marketing")
    client = board.test_client()
    page = client.get("/forgot-password")
    assert page.status_code == 403
    assert "sign in with your company account" in page.get_data(as_text=True)
    asked = client.post(
        "/forgot-password",
        data={"email": "mara@example.com", "csrf_token": _page_token(client)},
    )
    assert asked.status_code == 403
    with board.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(PasswordReset.id))) == 0


def test_password_login_off_lets_no_reset_link_set_a_password_or_log_in(make_board):
    """A link made while password login was on (or by IT) set a password the board does not
    take, and logged the person in past the company login."""
    board = make_board(password_login=False)
    make_user(board, "mara", "member", "Marketing")
    with board.extensions["board_db"].Session() as session:
        _, token = accounts_service.create_reset(session, "mara@example.com", 24)
        session.commit()
    client = board.test_client()
    page = client.get(f"/reset-password/{token}")
    assert page.status_code == 403
    assert "sign in with your company account" in page.get_data(as_text=True)
    assert 'name="new_password"' not in page.get_data(as_text=True)
    posted = client.post(
        f"/reset-password/{token}",
        data={"new_password": "a-brand-new-passphrase", "csrf_token": _page_token(client)},
    )
    assert posted.status_code == 403
    assert client.get("/").status_code == 302  # not logged in
    made = board.test_cli_runner().invoke(args=["users", "reset-password", "mara@example.com"])
    assert made.exit_code != 0
    assert "BOARD_PASSWORD_LOGIN=0" in made.output and "/reset-password/" not in made.output


def test_password_login_off_offers_no_password_change_it_could_not_use(make_board, provider):
    """Someone made with a password (by the CLI, or before the switch) saw 'Change
    password' on /profile and could set a new password that no login takes."""
    board = make_board(password_login=False)
    make_user(board, "mara", "member", "Marketing")
    anna(provider, "mara-sub", email="mara@example.com", name="Mara")
    client = board.test_client()
    company_login(client, "mara-sub")
    assert me(client)["email"] == "mara@example.com"  # the same account, with its password
    html = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/password"' not in html
    assert "Password login is switched off here; sign in with your company account." in html
    token = _page_token(client, "/profile")
    form = {"current_password": PASSWORD, "new_password": "a-brand-new-passphrase"}
    client.post("/profile/password", data={**form, "csrf_token": token})
    api = client.post("/api/v1/me/password", json=form, headers={"X-CSRF-Token": token})
    assert api.status_code == 403
    assert api.get_json()["error"]["code"] == "password_login_disabled"
    with board.extensions["board_db"].Session() as session:
        user = session.scalar(select(User).where(User.email == "mara@example.com"))
        assert people_service.password_matches(user.password_hash, PASSWORD)  # unchanged


def test_password_login_off_still_lets_the_company_login_and_the_cli_in(sso_only, provider):
    runner = sso_only.test_cli_runner()
    done = runner.invoke(
        args=[
            "users",
            "create",
            "it@example.com",
            "--password",
            PASSWORD,
            "--name",
            "IT",
            "--department",
            "IT",
        ]
    )
    assert done.exit_code == 0, done.output
    assert user_by_email(sso_only, "it@example.com") is not None
    anna(provider)
    client = sso_only.test_client()
    company_login(client, "anna-sub")
    assert me(client)["email"] == "anna@example.com"


# ---- logout --------------------------------------------------------------------------------


def _logout(client):
    return client.post("/logout", data={"csrf_token": _page_token(client, "/")})


def test_logout_ends_the_board_session_only_by_default(board, provider):
    anna(provider)
    client = board.test_client()
    company_login(client, "anna-sub")
    answer = _logout(client)
    assert answer.headers["Location"] == "/login"
    assert me(client) is None


def test_logout_at_the_provider_when_asked(make_board, provider):
    board = make_board(oidc_logout=True)
    anna(provider)
    client = board.test_client()
    company_login(client, "anna-sub")
    answer = _logout(client)
    url = urlsplit(answer.headers["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{provider}/oauth2/end_session"
    query = parse_qs(url.query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["id_token_hint"][0].count(".") == 2  # the ID token the provider issued
    assert me(client) is None  # the board's session is over before the provider's
    # The provider's page really accepts it.
    assert requests.get(answer.headers["Location"], timeout=10).status_code == 200


def test_a_password_session_logs_out_locally_even_with_provider_logout(make_board):
    board = make_board(oidc_logout=True)
    make_user(board, "mara", "member", "Marketing")
    client = board.test_client()
    JsonClient(client).login("mara@example.com")
    assert _logout(client).headers["Location"] == "/login"


# ---- settings ------------------------------------------------------------------------------


def _from_env(tmp_path, **env):
    return Settings.from_env({"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_SECRET_KEY": "k", **env})


def test_settings_read_the_company_login(tmp_path):
    settings = _from_env(
        tmp_path,
        BOARD_OIDC_ISSUER="https://login.example.com/realms/acme/",
        BOARD_OIDC_CLIENT_ID="board",
        BOARD_OIDC_CLIENT_SECRET="s3cret",
        BOARD_OIDC_FACILITATOR_GROUPS="social-media, comms-leads",
        BOARD_OIDC_OBSERVER_GROUPS="heads",
        BOARD_PASSWORD_LOGIN="0",
        BOARD_OIDC_LOGOUT="1",
    )
    assert settings.oidc_enabled and settings.oidc_roles_from_groups
    assert settings.oidc_issuer == "https://login.example.com/realms/acme"
    assert settings.oidc_facilitator_groups == ("social-media", "comms-leads")
    assert settings.oidc_name == "your company account"
    assert settings.oidc_department_claim == "department"
    assert settings.oidc_groups_claim == "groups"
    assert settings.password_login is False and settings.oidc_logout is True
    assert not _from_env(tmp_path).oidc_enabled


@pytest.mark.parametrize(
    "env",
    [
        {"BOARD_OIDC_ISSUER": "https://login.example.com"},
        {"BOARD_OIDC_CLIENT_ID": "board", "BOARD_OIDC_CLIENT_SECRET": "s"},
        {"BOARD_PASSWORD_LOGIN": "0"},
        {
            "BOARD_OIDC_ISSUER": "login.example.com",
            "BOARD_OIDC_CLIENT_ID": "b",
            "BOARD_OIDC_CLIENT_SECRET": "s",
        },
    ],
    ids=["issuer-alone", "no-issuer", "nobody-could-log-in", "not-a-url"],
)
def test_settings_refuse_a_half_configured_login(tmp_path, env):
    with pytest.raises(SettingsError):
        _from_env(tmp_path, **env)


# ---- the permission matrix with the company login on (tests/test_permissions.py has the
# rows for a board without it) ---------------------------------------------------------------

ROLE_PEOPLE = {
    "member": ("mara-sub", "mara@example.com", []),
    "other_member": ("ivan-sub", "ivan@example.com", []),
    "facilitator": ("sam-sub", "sam@example.com", ["sg-social-media"]),
    "observer": ("olga-sub", "olga@example.com", ["sg-heads"]),
}
ROLES = ("anonymous", *ROLE_PEOPLE)


def _logged_in_as(board, provider, role):
    client = board.test_client()
    if role != "anonymous":
        sub, email, groups = ROLE_PEOPLE[role]
        set_person(provider, sub, email=email, email_verified=True, department="PR", groups=groups)
        company_login(client, sub)
        assert me(client)["role"] == ("member" if role == "other_member" else role)
    return client


def _user_count(board) -> int:
    with board.extensions["board_db"].Session() as session:
        return len(session.scalars(select(User.id)).all())


REGISTER = {
    "email": "newcomer@example.com",
    "password": PASSWORD,
    "display_name": "Newcomer",
    "department_id": 1,
}


@pytest.mark.parametrize("role", ROLES)
def test_matrix_company_login_routes_with_password_login_off(make_board, provider, role):
    """Every role: what each route answers, and that a refusal changes nobody's session
    and creates nobody."""
    board = make_board(password_login=False, **GROUPS)
    client = _logged_in_as(board, provider, role)
    who = me(client)
    users = _user_count(board)

    started = start_login(client, "/feed")  # anyone may start a login (switch accounts)
    assert started.status_code == 302
    assert started.headers["Location"].startswith(f"{provider}/oauth2/authorize?")

    forged = client.get("/auth/oidc/callback?code=stolen&state=guessed")
    assert forged.status_code == 400
    assert 'data-failure="login_expired"' in forged.get_data(as_text=True)

    api = JsonClient(client)
    api.csrf_token = (client.get("/api/v1/me").get_json() or {}).get("csrf_token")
    for path, body in (
        ("auth/login", {"email": "mara@example.com", "password": PASSWORD}),
        ("auth/register", REGISTER),
    ):
        answer = api.post(path, json=body)
        assert answer.status_code == 403, path
        assert answer.get_json()["error"]["code"] == "password_login_disabled"

    token = _page_token(client)
    for path, form in (
        ("/login", {"email": "mara@example.com", "password": PASSWORD}),
        ("/register", {**REGISTER, "department_id": "1"}),
    ):
        assert client.post(path, data={**form, "csrf_token": token}).status_code == 403, path
    assert client.get("/register").status_code == 403

    assert me(client) == who, "a refused request changed who is logged in"
    assert _user_count(board) == users, "a refused request created an account"
