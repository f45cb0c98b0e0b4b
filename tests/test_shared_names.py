"""Whose display name another active person has too (the handle shows beside it), asked
only for the names a page shows: the same answers as asking over every person, non-ASCII
names included, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from board import people, person_json
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
    ("ida@example.com", "Ida Roth", True),
    ("ida.r@example.com", "Ida Roth", False),  # deactivated: no longer counts
    ("lena@example.com", "Lena Ott", True),
]
SHARED_EVERYWHERE = {
    "anna@example.com",
    "anna.w@example.com",
    "juergen@example.com",
    "juergen.m@example.com",
}
# A name is folded by Python (str.lower) and looked up among the names as the database
# folds them (lower()). PostgreSQL with a UTF-8 locale folds Ü and Ö as Python does.
# SQLite's lower() (and PostgreSQL's in the C locale) folds ASCII letters only, so there a
# name with a capital non-ASCII letter is never found shared, not even beside an identical
# one: kept exactly as the board has always answered (asking only for the names shown must
# not change an answer).
SHARED = {
    "ASCII only": SHARED_EVERYWHERE,
    "Unicode": SHARED_EVERYWHERE
    | {"uemit@example.com", "uemit.k@example.com", "oezlem@example.com", "oezlem.d@example.com"},
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


def folding(app) -> str:
    """How this database's lower() folds: "ASCII only" (SQLite) or "Unicode"."""
    with app.extensions["board_db"].engine.connect() as connection:
        folded = connection.execute(text("SELECT lower('Ü')")).scalar_one()
    return "Unicode" if folded == "ü" else "ASCII only"


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
    expected = {email: email in SHARED[folding(app)] for email in board}
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
    assert {"anna weber", "jürgen maier"} <= by_name
