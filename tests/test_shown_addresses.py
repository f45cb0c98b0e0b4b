"""An address's domain is stored, compared and mailed in its ASCII form ("xn--bcher-kva.de")
but shown to its owner in Unicode ("bücher.de") where that is readable and cannot pass for
another domain; a look-alike shows both spellings, the stored one first."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from board import accounts, people
from board.addresses import normalize_email, shown_email
from models import User
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("d@bücher.de", "d@bücher.de"),
        ("jürgen@straße.de", "jürgen@straße.de"),
        ("mara@example.com", "mara@example.com"),
        ("a@пример.рф", "a@пример.рф"),  # Cyrillic throughout
        ("a@пример.com", "a@пример.com"),  # Cyrillic, not all of it Latin-looking
        ("a@аррӏе.рф", "a@аррӏе.рф"),  # Latin-looking, but the domain ends in Cyrillic
        ("a@münchen.рф", "a@münchen.рф"),  # one script in each label
        ("a@日本語.jp", "a@日本語.jp"),
        ("a@ab中ア.com", "a@ab中ア.com"),  # Latin with Han and kana: Japanese
        ("a@한국ab.kr", "a@한국ab.kr"),  # Latin with Hangul: Korean
        ("a@דוגמה.קום", "a@דוגמה.קום"),
    ],
)
def test_a_readable_domain_is_shown_in_unicode_alone(typed, shown):
    stored = normalize_email(typed)
    assert stored.rpartition("@")[2].isascii()  # stored in its ASCII form
    assert shown_email(stored) == (shown, None)


@pytest.mark.parametrize(
    "typed, why",
    [
        ("a@pаypal.com", "a Cyrillic а among Latin letters"),
        ("a@аррӏе.com", "Cyrillic letters that all look Latin, under .com"),
        ("a@ορα.com", "Greek letters that all look Latin"),
        ("a@gοοgle.com", "Greek ο among Latin letters"),
        ("a@ᚠᚢ.com", "Runic: not a script recommended for names"),
        ("a@한국あ.com", "Hangul with kana"),
    ],
)
def test_a_look_alike_domain_shows_both_spellings_the_stored_one_first(typed, why):
    stored = normalize_email(typed)
    assert stored.rpartition("@")[2].startswith("xn--"), why
    assert shown_email(stored) == (stored, typed), why


@pytest.mark.parametrize("stored", ["a@xn--zz.de", "a@xn--.de", "a@xn--", "noat", "a@"])
def test_what_is_no_valid_domain_is_shown_as_stored(stored):
    assert shown_email(stored)[0] == stored


def account(app, email: str) -> JsonClient:
    with app.extensions["board_db"].Session() as session:
        people.create_user(session, email, PASSWORD, "Dana Dürer", "Marketing", "member")
    return JsonClient(app.test_client()).login(email)


@BOTH_DATABASES
def test_my_account_and_settings_show_my_domain_in_unicode(app):
    dana = account(app, "d@bücher.de")
    for path in ("/profile", "/settings"):
        page = dana.get(path).get_data(as_text=True)
        assert '<bdi class="address">d@bücher.de</bdi>' in page, path
        assert "xn--" not in page, path
    # What is stored, compared and answered stays the ASCII spelling.
    assert dana.get("me").get_json()["user"]["email"] == "d@xn--bcher-kva.de"
    with app.extensions["board_db"].Session() as session:
        assert session.scalars(select(User.email)).all() == ["d@xn--bcher-kva.de"]
    JsonClient(app.test_client()).login("d@xn--bcher-kva.de")


def test_the_settings_say_where_mail_goes_in_german(app):
    dana = account(app, "d@bücher.de")
    dana.patch("me", json={"language": "de"})
    page = dana.get("/settings").get_data(as_text=True)
    assert 'E-Mails gehen an <bdi class="address">d@bücher.de</bdi>.' in page


def test_a_look_alike_domain_is_not_shown_as_what_it_imitates(app):
    spoof = account(app, "a@pаypal.com")  # a Cyrillic а
    page = spoof.get("/profile").get_data(as_text=True)
    assert (
        '<bdi class="address">a@xn--pypal-4ve.com</bdi> (<bdi class="address">a@pаypal.com</bdi>)'
        in page
    )


def test_the_reset_page_names_the_address_in_unicode(app):
    account(app, "d@bücher.de")
    with app.extensions["board_db"].Session() as session:
        _user, token = accounts.create_reset(session, "d@xn--bcher-kva.de")
    page = app.test_client().get(f"/reset-password/{token}").get_data(as_text=True)
    assert '<bdi class="address">d@bücher.de</bdi>' in page
