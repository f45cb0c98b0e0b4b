"""Whose display name another active person has too (the handle shows beside it), asked
only for the names a page shows: names that differ only in case, in any script, are one
name, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from board import people, person_json, personal_data
from models import User
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient

# (e-mail, display name, active); the answers below are by e-mail.
PEOPLE = [
    ("anna@example.com", "Anna Weber", True),
    ("anna.w@example.com", "anna weber", True),
    ("juergen@example.com", "Jürgen Maier", True),
    ("juergen.m@example.com", "jürgen maier", True),
    ("uemit@example.com", "Ümit Kaya", True),
    ("uemit.k@example.com", "ümit kaya", True),
    ("oezlem@example.com", "Özlem Demir", True),
    ("oezlem.d@example.com", "Özlem Demir", True),
    ("ilknur@example.com", "İlknur Yılmaz", True),
    ("ilknur.y@example.com", "i\u0307lknur yılmaz", True),  # as Python lowers "İlknur Yılmaz"
    ("ida@example.com", "Ida Roth", True),
    ("ida.r@example.com", "Ida Roth", False),  # deactivated: no longer counts
    ("lena@example.com", "Lena Ott", True),
]
# Compared by display_name_key (NFKC, case-folded in Python), not SQL lower(): SQLite's
# folds ASCII only (two "Özlem Demir" were never told apart), PostgreSQL's folds "İ" to "i"
# where Python gives "i̇" (i and a combining dot).
SHARED = {
    "anna@example.com",
    "anna.w@example.com",
    "juergen@example.com",
    "juergen.m@example.com",
    "uemit@example.com",
    "uemit.k@example.com",
    "oezlem@example.com",
    "oezlem.d@example.com",
    "ilknur@example.com",
    "ilknur.y@example.com",
}


@pytest.fixture
def board(app):
    with app.extensions["board_db"].Session() as session:
        for email, name, _active in PEOPLE:
            people.create_user(session, email, PASSWORD, name, "Marketing", "member")
    clients = {email: JsonClient(app.test_client()).login(email) for email, _name, active in PEOPLE}
    with app.extensions["board_db"].Session() as session:
        for email, _name, active in PEOPLE:
            if not active:
                people.remove_user(session, email)
    return {email: client for email, client in clients.items() if email != "ida.r@example.com"}


@BOTH_DATABASES
def test_who_is_told_apart_by_handle_on_the_board_and_in_the_directory(app, board):
    ids = {}
    for email, client in board.items():
        idea = client.post("ideas", json={"title": f"By {email}", "body": ""}).get_json()
        ids[idea["author"]["id"]] = email
    reader = board["lena@example.com"]
    # The list of ideas (authors from the listing's columns) and the directory (people
    # loaded as objects) say the same.
    listed = reader.get("ideas?limit=50").get_json()["items"]
    shown = {ids[idea["author"]["id"]]: idea["author"]["name_shared"] for idea in listed}
    directory = reader.get("directory").get_json()["items"]
    in_directory = {ids[person["id"]]: person["name_shared"] for person in directory}
    expected = {email: email in SHARED for email in board}
    assert shown == expected
    assert in_directory == expected
    me = {
        email: client.get("me").get_json()["user"]["name_shared"] for email, client in board.items()
    }
    assert me == expected


@BOTH_DATABASES
def test_asking_for_the_names_shown_answers_as_asking_about_everyone(app, board, monkeypatch):
    names = [name for _email, name, _active in PEOPLE] + ["ÜMIT KAYA", "ÖZLEM DEMIR", "nobody"]
    names.append(person_json.FORMER_MEMBER)
    with app.extensions["board_db"].Session() as session:
        by_name = person_json.shared_names(session, names)
    monkeypatch.setattr(person_json, "ASK_EVERYONE_ABOVE", 0)  # the whole-board statement
    with app.extensions["board_db"].Session() as session:
        by_everyone = person_json.shared_names(session, names)
    assert by_name == by_everyone
    assert {"anna weber", "jürgen maier", "ümit kaya", "özlem demir"} <= by_name


@BOTH_DATABASES
@pytest.mark.parametrize(
    "first, second",
    [
        ("Özlem Demir", "Özlem Demir"),
        ("ÖZLEM DEMIR", "özlem demir"),
        ("İlknur", "i\u0307lknur"),
        ("Straße", "STRASSE"),
    ],
)
def test_names_that_differ_only_in_case_are_one_name(app, first, second):
    with app.extensions["board_db"].Session() as session:
        for email, name in (("a@example.com", first), ("b@example.com", second)):
            people.create_user(session, email, PASSWORD, name, "Marketing", "member")
        people.create_user(session, "c@example.com", PASSWORD, "Lena Ott", "Marketing", "member")
    reader = JsonClient(app.test_client()).login("c@example.com")
    directory = reader.get("directory").get_json()["items"]
    assert {p["display_name"]: p["name_shared"] for p in directory} == {
        first: True,
        second: True,
        "Lena Ott": False,
    }
    me = JsonClient(app.test_client()).login("b@example.com").get("me").get_json()["user"]
    assert me["name_shared"] is True


@BOTH_DATABASES
def test_a_renamed_person_is_compared_by_their_new_name(app):
    with app.extensions["board_db"].Session() as session:
        for email, name in (("a@example.com", "Özlem Demir"), ("b@example.com", "Jana Berg")):
            people.create_user(session, email, PASSWORD, name, "Marketing", "member")
    jana = JsonClient(app.test_client()).login("b@example.com")
    assert jana.get("me").get_json()["user"]["name_shared"] is False
    jana.patch("me", json={"display_name": "ÖZLEM DEMIR"})
    assert jana.get("me").get_json()["user"]["name_shared"] is True


@BOTH_DATABASES
def test_an_erased_persons_folded_name_goes_with_their_name(app):
    """The stored key is the name too: an erasure leaves neither behind, and the former
    member no longer makes the other "Özlem Demir" share her name."""
    with app.extensions["board_db"].Session() as session:
        for email in ("a@example.com", "b@example.com"):
            people.create_user(session, email, PASSWORD, "Özlem Demir", "Marketing", "member")
        erased = session.scalar(select(User).where(User.email == "a@example.com"))
        personal_data.erase_person(session, erased)
    with app.extensions["board_db"].engine.connect() as connection:
        stored = connection.execute(text("SELECT display_name_key FROM users")).scalars().all()
    assert sorted(stored) == ["former member", "özlem demir"]
    other = JsonClient(app.test_client()).login("b@example.com")
    assert other.get("me").get_json()["user"]["name_shared"] is False
