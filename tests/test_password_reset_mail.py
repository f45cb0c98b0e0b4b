"""Forgot password (issue 17): a single-use, expiring link by e-mail when mail is set up,
through a real SMTP server on loopback (aiosmtpd); the same answer for any address; the
CLI reset for IT stays."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from board import clock, mail
from models import OutgoingMail, PasswordReset
from tests.conftest import BOTH_DATABASES, JsonClient, make_user
from tests.test_mail import mail_app, smtp  # noqa: F401 - fixtures: the app with SMTP, the inbox
from tests.test_mailboxes import register

NEW_PASSWORD = "a-brand-new-passphrase"
LINK = re.compile(r"https://board\.example\.com/reset-password/([\w-]+)")


def page_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def ask_by_page(app, email: str):
    client = app.test_client()
    return client.post(
        "/forgot-password",
        data={"csrf_token": page_token(client, "/forgot-password"), "email": email},
    )


def the_link(app, inbox, address: str) -> str:
    mail.send_pending(app)
    [message] = inbox.to(address)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    token = LINK.search(text).group(1)
    assert token in html
    assert "List-Unsubscribe" not in message  # asked for, not a notification
    return token


@BOTH_DATABASES
def test_forgot_password_mails_a_link_that_sets_a_new_password_once(mail_app, smtp):  # noqa: F811
    _, inbox = smtp
    make_user(mail_app, "mara")
    old = JsonClient(mail_app.test_client()).login("mara@example.com")
    answer = ask_by_page(mail_app, "Mara@Example.com")
    assert answer.status_code == 200
    assert "a link to set a new password is on its way" in answer.get_data(as_text=True)
    token = the_link(mail_app, inbox, "mara@example.com")
    browser = mail_app.test_client()
    path = f"/reset-password/{token}"
    done = browser.post(
        path, data={"csrf_token": page_token(browser, path), "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert old.get("me").status_code == 401  # the old session ended with the old password
    JsonClient(mail_app.test_client()).login("mara@example.com", NEW_PASSWORD)
    again = browser.get(path)
    assert again.status_code == 404  # single use


def test_the_answer_is_the_same_for_unknown_addresses_and_no_mail_goes_out(mail_app, smtp):  # noqa: F811
    _, inbox = smtp
    make_user(mail_app, "mara")
    known = ask_by_page(mail_app, "mara@example.com")
    unknown = ask_by_page(mail_app, "nobody@example.com")
    assert (known.status_code, unknown.status_code) == (200, 200)
    sentence = "a link to set a new password is on its way"
    assert sentence in known.get_data(as_text=True) and sentence in unknown.get_data(as_text=True)
    mail.send_pending(mail_app)
    assert [m["To"] for m in inbox.messages] == ["mara@example.com"]


def test_the_api_asks_for_a_link_and_sets_the_password_with_it(mail_app, smtp):  # noqa: F811
    _, inbox = smtp
    make_user(mail_app, "mara")
    client = JsonClient(mail_app.test_client())
    assert client.post("auth/password-reset", json={"email": "mara@example.com"}).status_code == 204
    assert client.post("auth/password-reset", json={"email": "x@example.com"}).status_code == 204
    token = the_link(mail_app, inbox, "mara@example.com")
    weak = client.post(
        "auth/password-reset/confirm", json={"token": token, "new_password": "short"}
    )
    assert weak.status_code == 400
    done = client.post(
        "auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 200
    assert done.get_json()["user"]["email"] == "mara@example.com"
    spent = client.post(
        "auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD + "x"}
    )
    assert spent.status_code == 404
    assert spent.get_json()["error"]["code"] == "reset_invalid"


def test_a_mailed_link_expires_after_an_hour(mail_app, smtp):  # noqa: F811
    _, inbox = smtp
    make_user(mail_app, "mara")
    ask_by_page(mail_app, "mara@example.com")
    token = the_link(mail_app, inbox, "mara@example.com")
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(minutes=61))
    client = JsonClient(mail_app.test_client())
    late = client.post(
        "auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert late.status_code == 404


def test_a_new_password_spends_every_other_link(mail_app, smtp):  # noqa: F811
    _, inbox = smtp
    make_user(mail_app, "mara")
    ask_by_page(mail_app, "mara@example.com")
    ask_by_page(mail_app, "mara@example.com")
    mail.send_pending(mail_app)
    first, second = (
        LINK.search(m.get_body(("plain",)).get_content()).group(1) for m in inbox.messages
    )
    client = JsonClient(mail_app.test_client())
    ok = client.post(
        "auth/password-reset/confirm", json={"token": first, "new_password": NEW_PASSWORD}
    )
    assert ok.status_code == 200
    other = client.post(
        "auth/password-reset/confirm", json={"token": second, "new_password": NEW_PASSWORD + "x"}
    )
    assert other.status_code == 404


def test_nobody_fills_an_inbox_with_reset_mails(mail_app, smtp):  # noqa: F811
    _, inbox = smtp
    make_user(mail_app, "mara")
    for _ in range(3):
        assert ask_by_page(mail_app, "mara@example.com").status_code == 200
    refused = ask_by_page(mail_app, "mara@example.com")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    with mail_app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(OutgoingMail.id))) == 3
    # The page says how long to wait, on its form, with the address as typed.
    page = refused.get_data(as_text=True)
    assert "please try again in" in page
    assert re.search(r'<input id="email"[^>]*value="mara@example.com"', page)


def test_another_site_cannot_ask_for_a_link(mail_app, smtp):  # noqa: F811
    make_user(mail_app, "mara")
    client = JsonClient(mail_app.test_client())
    response = client.post(
        "auth/password-reset",
        json={"email": "mara@example.com"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    with mail_app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(PasswordReset.id))) == 0


# ---- without mail: IT makes the links ---------------------------------------------------------


def test_without_mail_the_page_says_to_ask_it_and_nothing_is_made(app, people_, db):
    client = app.test_client()
    page = client.get("/forgot-password").get_data(as_text=True)
    assert "Ask IT" in page and 'name="email"' not in page
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in login
    refused = JsonClient(client).post("auth/password-reset", json={"email": "mara@example.com"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "reset_by_mail_off"
    assert db.scalar(select(func.count(PasswordReset.id))) == 0


@pytest.mark.parametrize("email", ["", "not-an-address", "olga@example.com\x00"])
def test_odd_addresses_are_answered_calmly(mail_app, smtp, email):  # noqa: F811
    response = ask_by_page(mail_app, email)
    assert response.status_code in (200, 400)


def test_a_link_reaches_a_mailbox_with_umlauts_in_its_domain(mail_app, smtp):  # noqa: F811
    """The address is stored with its domain in ASCII form, so the mail goes out to a mail
    server without SMTPUTF8 (as most are), whichever way the person typed it."""
    _, inbox = smtp
    make_user(mail_app, "sam")  # department 1
    registered = register(mail_app, "Dana@Bücher.de")
    assert registered.status_code == 201
    assert ask_by_page(mail_app, "dana@xn--bcher-kva.de").status_code == 200
    token = the_link(mail_app, inbox, "dana@xn--bcher-kva.de")
    assert mail_app.test_client().get(f"/reset-password/{token}").status_code == 200


def test_the_link_comes_in_the_language_of_the_page_that_asked_for_it(mail_app, smtp):  # noqa: F811
    """Someone who chose no language reads the board in their browser's: the mail with the
    link speaks the language of the page they asked on, not English."""
    _, inbox = smtp
    make_user(mail_app, "mara")
    client = mail_app.test_client()
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    token = client.get("/forgot-password", headers=german).get_data(as_text=True)
    token = token.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/forgot-password", data={"csrf_token": token, "email": "mara@example.com"}, headers=german
    )
    mail.send_pending(mail_app)
    [message] = inbox.to("mara@example.com")
    assert message["Subject"] == "Neues Passwort für das Taskforce-Board setzen"
    assert "Hallo Mara," in message.get_body(("plain",)).get_content()
