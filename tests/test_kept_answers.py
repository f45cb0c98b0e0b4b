"""The list of ideas keeps its answers by what they are made of (board.api.kept_ok): a
second load of the same page shapes nothing again, and no kept answer reaches a reader it
was not made for, in another language, or after the board changed."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest

from board import clock, ideas, people
from board.personal_data import erase_person
from models import User
from tests.conftest import BOTH_DATABASES

START = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def shaped(monkeypatch) -> list[int]:
    """How many pages of ideas were shaped into dicts (not taken from a kept answer)."""
    calls: list[int] = []
    items = ideas.IdeaPage.items

    def counted(page):
        calls.append(1)
        return items(page)

    monkeypatch.setattr(ideas.IdeaPage, "items", counted)
    return calls


def post(client, title: str = "Booth reel") -> dict:
    response = client.post("ideas", json={"title": title, "body": "**x**", "tags": ["video"]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@BOTH_DATABASES
def test_a_second_load_of_the_same_page_is_the_kept_answer(member, shaped):
    for number in range(4):  # more than a kilobyte: compressed
        post(member, f"Booth reel {number}")
    first = member.get("ideas?sort=top", headers={"Accept-Encoding": "gzip"})
    again = member.get("ideas?sort=top", headers={"Accept-Encoding": "gzip"})
    assert again.get_data() == first.get_data() and again.headers == first.headers
    assert again.headers["Content-Encoding"] == "gzip"
    assert len(shaped) == 1
    plain = member.get("ideas?sort=top")  # the same answer, not compressed
    assert plain.headers.get("Content-Encoding") is None
    assert plain.get_json()["items"][0]["title"] == "Booth reel 3"
    assert len(shaped) == 1


@BOTH_DATABASES
def test_a_vote_changes_the_kept_page(member, other_member):
    idea = post(member)
    assert member.get("ideas").get_json()["items"][0]["votes"] == 0
    assert other_member.put(f"ideas/{idea['id']}/vote").status_code == 200
    shown = member.get("ideas").get_json()["items"][0]
    assert (shown["votes"], shown["voted"]) == (1, False)
    assert other_member.get("ideas").get_json()["items"][0]["voted"] is True


@BOTH_DATABASES
def test_a_hidden_idea_is_kept_for_each_reader_as_they_may_see_it(
    member, other_member, facilitator
):
    """The facilitator and another member read the same rows (neither voted or follows):
    only who they are tells the facilitator's answer from the member's."""
    idea = post(member)
    reason = {"reason": "off topic"}
    assert facilitator.put(f"ideas/{idea['id']}/hidden", json=reason).status_code == 200
    for _ in range(2):
        assert other_member.get("ideas").get_json()["items"][0]["title"] == ""
        assert facilitator.get("ideas").get_json()["items"][0]["title"] == "Booth reel"
        assert member.get("ideas").get_json()["items"][0]["title"] == "Booth reel"


@BOTH_DATABASES
def test_a_hidden_idea_is_kept_for_its_author_apart_from_another_member(
    member, other_member, facilitator
):
    """Its author no longer follows it: the author's rows and another member's are the
    same, only who they are tells them apart."""
    idea = post(member)
    assert member.delete(f"ideas/{idea['id']}/follow").status_code in (200, 204)
    assert facilitator.put(f"ideas/{idea['id']}/hidden", json={"reason": "x"}).status_code == 200
    for _ in range(2):
        assert other_member.get("ideas").get_json()["items"][0]["title"] == ""
        shown = member.get("ideas").get_json()["items"][0]
        assert (shown["title"], shown["following"]) == ("Booth reel", False)


def test_a_new_role_gets_its_own_answer(app, member, people_):
    idea = post(member)
    facilitator = people_.client("facilitator")
    assert facilitator.put(f"ideas/{idea['id']}/hidden", json={"reason": "x"}).status_code == 200
    ivan = people_.client("other_member")
    assert ivan.get("ideas").get_json()["items"][0]["title"] == ""
    with app.extensions["board_db"].Session() as session:
        people.set_role(session, people_.user("other_member").email, "facilitator")
        session.commit()
    ivan = people_.client("other_member")  # the role change ended the old session
    assert ivan.get("ideas").get_json()["items"][0]["title"] == "Booth reel"


def test_a_former_members_name_is_kept_in_each_language(app, member, other_member):
    post(other_member)
    with app.extensions["board_db"].Session() as session:
        erase_person(session, session.get(User, other_member.user["id"]))
        session.commit()
    for _ in range(2):
        for language, name in (("en", "Former member"), ("de", "Ehemaliges Mitglied")):
            answer = member.get("ideas", headers={"Accept-Language": language}).get_json()
            assert answer["items"][0]["author"]["display_name"] == name


def test_a_challenges_tallies_show_once_its_voting_closed(member, facilitator):
    clock.set_clock(lambda: START)
    challenge = facilitator.post(
        "prompts",
        json={
            "kind": "challenge",
            "title": "Trade fair?",
            "body": "",
            "submissions_close_at": (START + timedelta(days=1)).isoformat(),
            "voting_close_at": (START + timedelta(days=2)).isoformat(),
        },
    ).get_json()
    entry = member.post("ideas", json={"title": "Reel", "body": "", "prompt_id": challenge["id"]})
    assert entry.status_code == 201
    assert member.get("ideas").get_json()["items"][0]["votes"] is None
    clock.set_clock(lambda: START + timedelta(days=3))
    assert member.get("ideas").get_json()["items"][0]["votes"] == 0


def test_a_reader_who_sees_departments_gets_a_masked_answer_each_time(app, member, observer):
    app.extensions["board_settings"] = _seeing_no_names(app.extensions["board_settings"])
    post(member)
    for _ in range(2):
        author = observer.get("ideas").get_json()["items"][0]["author"]
        assert "display_name" not in author or author["display_name"] != "Mara", author
    assert member.get("ideas").get_json()["items"][0]["author"]["display_name"] == "Mara"


def _seeing_no_names(settings):
    import dataclasses

    return dataclasses.replace(settings, observers_see_names=False)


def test_the_kept_answers_stay_bounded(member, monkeypatch):
    api = importlib.import_module("board.api")  # `board.api` is also the blueprint's name

    monkeypatch.setattr(api, "KEPT_ANSWERS", 2)
    post(member)
    for sort in ("top", "hot", "new", "top"):
        assert member.get(f"ideas?sort={sort}").get_json()["items"][0]["title"] == "Booth reel"
        assert len(api._KEPT) <= 2
