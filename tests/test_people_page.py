"""The people page (/people, GET /api/v1/directory) and telling two people with the same
name apart (issue 17)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from board import create_app
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient, make_user
from tests.test_queries import plans_of


def test_everyone_is_listed_with_department_role_and_work(member, other_member, observer, people_):
    idea = member.post("ideas", json={"title": "Booth reel", "body": "B"}).get_json()
    task = member.post("tasks", json={"title": "Film booth", "idea_id": idea["id"]}).get_json()
    member.post(f"tasks/{task['id']}/claim")
    answer = other_member.get("directory")
    assert answer.status_code == 200
    team = answer.get_json()
    assert team["names_shown"] is True
    by_name = {p["display_name"]: p for p in team["items"]}
    assert set(by_name) == {"Mara", "Ivan", "Sam", "Olga"}
    assert [p["role"] for p in team["items"]][0] == "facilitator"  # the facilitator first
    mara = by_name["Mara"]
    assert mara["department"]["name"] == "Marketing" and mara["role"] == "member"
    assert mara["claimed_tasks"] == [{"id": task["id"], "title": "Film booth"}]
    assert mara["ideas"] == [{"id": idea["id"], "title": "Booth reel"}]
    assert mara["ideas_count"] == 1
    assert "email" not in mara
    assert {d["name"]: d["people"] for d in team["departments"]}["Marketing"] == 1


@pytest.mark.parametrize(
    ("q", "found"),
    [("mar", {"Mara"}), ("@ivan", {"Ivan"}), ("sales", {"Olga"}), ("IT", {"Ivan"}), ("zzz", set())],
)
def test_the_people_can_be_searched_by_name_handle_or_department(member, people_, q, found):
    items = member.get("directory", query_string={"q": q}).get_json()["items"]
    assert {p["display_name"] for p in items} == found


def test_the_people_page_lists_and_searches(member, people_):
    member.post("ideas", json={"title": "Booth reel", "body": "B"})
    page = member.client.get("/people").get_data(as_text=True)
    for text in ("Mara", "Ivan", "Sam", "Olga", "Booth reel", "Facilitator", "Observer"):
        assert text in page
    found = member.client.get("/people?q=ivan").get_data(as_text=True)
    assert "person-" in found and 'href="/people/ivan"' in found
    assert 'href="/people/mara"' not in found


def test_anonymous_visitors_see_no_people(anonymous, people_):
    assert anonymous.get("directory").status_code == 401
    assert anonymous.client.get("/people").status_code == 302


def test_works_council_mode_shows_observers_departments_only(settings, tmp_path):
    council = dataclasses.replace(settings, observers_see_names=False, min_group_size=2)
    app = create_app({"TESTING": True}, settings=council)
    try:
        for name, department in [
            ("mara", "Marketing"),
            ("mia", "Marketing"),
            ("max", "Marketing"),
            ("ivan", "IT"),
            ("ida", "IT"),
            ("dora", "Design"),
        ]:
            make_user(app, name, "member", department)
        make_user(app, "olga", "observer", "Sales")
        observer = JsonClient(app.test_client()).login("olga@example.com", PASSWORD)
        team = observer.get("directory").get_json()
        assert team["names_shown"] is False and team["items"] == []
        counts = {d["name"]: d["people"] for d in team["departments"]}
        assert counts["Marketing"] == 3
        assert "Design" not in counts and "IT" not in counts  # small ones pooled
        assert counts["other departments"] == 3
        page = observer.client.get("/people").get_data(as_text=True)
        assert "Mara" not in page and "Ivan" not in page
        member = JsonClient(app.test_client()).login("mara@example.com", PASSWORD)
        assert len(member.get("directory").get_json()["items"]) == 7  # peers see names
    finally:
        app.extensions["board_db"].dispose()


# ---- the same name twice ------------------------------------------------------------------


@pytest.fixture
def two_annas(app, people_):
    from board import people

    with app.extensions["board_db"].Session() as session:
        people.create_user(
            session, "anna@example.com", PASSWORD, "Anna Weber", "Marketing", "member"
        )
        people.create_user(
            session, "anna.w@example.com", PASSWORD, "anna weber", "Marketing", "member"
        )
    return (
        JsonClient(app.test_client()).login("anna@example.com"),
        JsonClient(app.test_client()).login("anna.w@example.com"),
    )


def test_people_who_share_a_name_are_told_apart_by_handle(two_annas, member):
    first, second = two_annas
    idea = first.post("ideas", json={"title": "From the first", "body": ""}).get_json()
    other = second.post("ideas", json={"title": "From the second", "body": ""}).get_json()
    assert idea["author"]["name_shared"] is True and idea["author"]["handle"] == "anna"
    assert other["author"]["handle"] == "anna.w"
    mara = member.post("ideas", json={"title": "Mine", "body": ""}).get_json()
    assert mara["author"]["name_shared"] is False
    board = member.client.get("/?sort=new").get_data(as_text=True)
    assert '<span class="person-handle" data-field="handle">@anna</span>' in board
    assert '<span class="person-handle" data-field="handle">@anna.w</span>' in board
    feed = member.client.get("/feed").get_data(as_text=True)
    assert "Anna Weber @anna</bdi>" in feed and "anna weber @anna.w</bdi>" in feed
    team = {p["handle"]: p for p in member.get("directory").get_json()["items"]}
    assert team["anna"]["name_shared"] and not team["mara"]["name_shared"]


def test_renaming_oneself_away_from_a_shared_name_ends_the_handle(two_annas, member):
    first, second = two_annas
    first.patch("me", json={"display_name": "Anna Schmidt"})
    idea = second.post("ideas", json={"title": "Alone now", "body": ""}).get_json()
    assert idea["author"]["name_shared"] is False


def test_withdrawn_and_hidden_ideas_are_not_among_a_persons_ideas(
    member, other_member, facilitator
):
    kept = member.post("ideas", json={"title": "Booth reel", "body": "B"}).get_json()
    gone = member.post("ideas", json={"title": "Withdrawn teaser", "body": "B"}).get_json()
    secret = member.post("ideas", json={"title": "Launch on 4 May", "body": "B"}).get_json()
    assert member.post(f"ideas/{gone['id']}/withdraw").status_code == 200
    hidden = facilitator.put(f"ideas/{secret['id']}/hidden", json={"reason": "confidential"})
    assert hidden.status_code == 200
    team = {p["display_name"]: p for p in other_member.get("directory").get_json()["items"]}
    assert team["Mara"]["ideas"] == [{"id": kept["id"], "title": "Booth reel"}]
    assert team["Mara"]["ideas_count"] == 1
    page = other_member.client.get("/people").get_data(as_text=True)
    assert "Booth reel" in page
    assert "Withdrawn teaser" not in page and "Launch on 4 May" not in page
    found = other_member.client.get("/people?q=mara").get_data(as_text=True)
    assert "Withdrawn teaser" not in found


@pytest.fixture
def ozlem(app, people_):
    from board import people

    with app.extensions["board_db"].Session() as session:
        people.create_user(
            session,
            "oezlem@example.com",
            PASSWORD,
            "Özlem Yıldız",
            "Öffentlichkeitsarbeit",
            "member",
        )
    return app


@BOTH_DATABASES
@pytest.mark.parametrize("q", ["özlem", "ÖZLEM", "Özl", "yıldız", "öffentlichkeit", "ÖFFENTLICH"])
def test_a_name_or_department_with_a_capital_umlaut_is_found_in_any_case(ozlem, member, q):
    """SQLite's lower() folds ASCII only: "özlem" did not find "Özlem" there."""
    items = member.get("directory", query_string={"q": q}).get_json()["items"]
    assert {p["display_name"] for p in items} == {"Özlem Yıldız"}


@BOTH_DATABASES
@pytest.mark.parametrize("q", ["özl", "ÖZL", "yıl"])
def test_the_mention_search_finds_a_name_with_a_capital_umlaut(ozlem, member, q):
    found = member.get("people", query_string={"q": q}).get_json()["items"]
    assert [p["display_name"] for p in found] == ["Özlem Yıldız"]


@BOTH_DATABASES
def test_a_department_named_in_other_capitals_is_the_same_department(ozlem):
    from board import people
    from models import Department

    with ozlem.extensions["board_db"].Session() as session:
        again = people.get_or_create_department(session, "ÖFFENTLICHKEITSARBEIT")
        assert again.name == "Öffentlichkeitsarbeit"
        names = [d.name for d in session.query(Department)]
        assert names.count("Öffentlichkeitsarbeit") == 1
        assert "ÖFFENTLICHKEITSARBEIT" not in names


def test_a_persons_page_shows_the_tasks_they_hold(member, other_member):
    """Where an @mention leads: what the people page says of them, the work included (it
    listed only their ideas, so Priya's sizing videos were missing from her page)."""
    task = member.post("tasks", json={"title": "Film the booth"}).get_json()
    done = member.post("tasks", json={"title": "Book the booth"}).get_json()
    member.post(f"tasks/{task['id']}/claim")
    member.post(f"tasks/{done['id']}/claim")
    member.post(f"tasks/{done['id']}/complete")
    page = other_member.client.get("/people/mara").get_data(as_text=True)
    assert "Working on" in page and f'href="/tasks/{task["id"]}"' in page
    assert "Book the booth" not in page  # done: no longer held


def test_a_large_company_is_listed_fifty_at_a_time(app, member, people_):
    """Hundreds of people: the page lists the first 50 in its order (the facilitator first,
    then by name) and says how to find the rest; "show all" lists everyone, and the JSON
    is whole."""
    for number in range(50):
        make_user(app, f"person{number:02d}", department="Support")
    page = member.client.get("/people").get_data(as_text=True)
    listed = re.findall(r'<li class="people-row" id="person-(\d+)"', page)
    assert len(listed) == 50
    assert 'href="/people/sam"' in page  # the facilitator first
    assert 'href="/people/person46"' in page and 'href="/people/person47"' not in page
    assert "The first 50 of 54." in page
    assert 'href="/people?show=all">Show all 54</a>' in page
    whole = member.client.get("/people?show=all").get_data(as_text=True)
    assert len(re.findall(r'<li class="people-row"', whole)) == 54
    assert 'href="/people">Show only the first 50</a>' in whole
    support = member.client.get("/people?q=support").get_data(as_text=True)
    assert len(re.findall(r'<li class="people-row"', support)) == 50
    assert "Show all" not in support  # all fifty shown
    team = member.get("directory").get_json()
    assert len(team["items"]) == 54 and team["total"] == 54
    assert member.client.get("/people?show=everyone").status_code == 400


@BOTH_DATABASES
def test_a_person_shows_their_newest_five_ideas_on_the_board_and_counts_them_all(
    member, other_member, facilitator
):
    """Newest first; a withdrawn or a hidden idea among the newest is neither shown nor
    counted, and the next older one takes its place; someone without ideas shows none."""
    posted = [
        member.post("ideas", json={"title": f"Idea {n}", "body": ""}).get_json()["id"]
        for n in range(9)
    ]
    assert member.post(f"ideas/{posted[8]}/withdraw").status_code == 200
    assert facilitator.put(f"ideas/{posted[6]}/hidden", json={"reason": "x"}).status_code == 200
    team = {p["display_name"]: p for p in other_member.get("directory").get_json()["items"]}
    newest = ["Idea 7", "Idea 5", "Idea 4", "Idea 3", "Idea 2"]
    assert [idea["title"] for idea in team["Mara"]["ideas"]] == newest
    assert team["Mara"]["ideas_count"] == 7
    assert team["Ivan"]["ideas"] == [] and team["Ivan"]["ideas_count"] == 0
    page = other_member.client.get("/people").get_data(as_text=True)
    assert re.findall(r"Idea \d", page) == newest
    assert "7 ideas:" in page


@BOTH_DATABASES
def test_the_people_page_reads_each_persons_newest_ideas_not_all_of_them(app, member, other_member):
    """Each person's newest five are walked from the index of ideas on the board by author,
    which stops at five, and their ideas counted in that index alone: the page read every
    idea of everyone it lists (250 ms for 600 people at 100,000 ideas)."""
    for n in range(8):
        member.post("ideas", json={"title": f"Mara's {n}", "body": ""})
    for n in range(2):
        other_member.post("ideas", json={"title": f"Ivan's {n}", "body": ""})
    count, latest = plans_of(
        app,
        lambda: other_member.client.get("/people"),
        lambda s: "FROM ideas" in s and "author_id" in s,
    )
    if app.extensions["board_db"].engine.dialect.name == "sqlite":
        index = "SEARCH ideas USING COVERING INDEX ix_ideas_on_board_by_author (author_id=?)"
        assert index in count, count
        walk = "SEARCH ideas_1 USING COVERING INDEX ix_ideas_on_board_by_author (author_id=?)"
        assert walk in latest and "SEARCH ideas USING INTEGER PRIMARY KEY" in latest, latest
        assert "SCAN ideas" not in count + latest
        return
    # Four people listed: Mara's 8 and Ivan's 2 counted; each one's newest walked backwards,
    # 5 + 2 taken; those rows read by their key.
    assert re.search(r"Index Only Scan using ix_ideas_on_board_by_author .*rows=10 ", count), count
    walk = r"Index Only Scan Backward using ix_ideas_on_board_by_author .*rows=\d loops=4"
    assert re.search(walk, latest), latest
    assert re.search(r"Index Scan using pk_ideas .*rows=1 loops=7", latest), latest
    assert "Seq Scan on ideas" not in count + latest
