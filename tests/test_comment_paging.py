"""An idea's page lists its newest comments and pages back to the first: every comment
once, in order, and each page costs the same whatever the number of comments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from board.ideas import COMMENTS_PAGE
from models import Comment, Idea
from tests.conftest import BOTH_DATABASES
from tests.test_queries import counted


def add_comments(app, author_id: int, count: int) -> tuple[int, list[int]]:
    """An idea with `count` comments, two at each moment (the id breaks the tie)."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with app.extensions["board_db"].Session() as session:
        idea = Idea(title="Busy", body="", author_id=author_id, created_at=start, updated_at=start)
        session.add(idea)
        session.flush()
        for number in range(count):
            at = start + timedelta(minutes=number // 2)
            session.add(
                Comment(idea_id=idea.id, author_id=author_id, body=f"c{number}", created_at=at)
            )
        session.commit()
        ids = [
            c.id
            for c in sorted(
                session.query(Comment).filter_by(idea_id=idea.id),
                key=lambda c: (c.created_at, c.id),
            )
        ]
        return idea.id, ids


def walk(member, idea_id: int) -> tuple[list[list[int]], int]:
    """The comment ids of each page, newest page first, and the count the heading shows."""
    pages, path, heading = [], f"/ideas/{idea_id}", None
    while path:
        response = member.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        heading = heading or int(re.search(r'id="comment-count">(\d+)<', html).group(1))
        listed = html.split('id="comment-list"', 1)[1].split("</ol>", 1)[0]
        pages.append([int(i) for i in re.findall(r'data-comment-id="(\d+)"', listed)])
        earlier = re.search(r'href="(/ideas/\d+\?comments_before=[^"#]+)#comments"', html)
        path = earlier.group(1) if earlier else None
    return pages, heading


@BOTH_DATABASES
def test_an_ideas_page_walks_back_through_its_comments_without_gaps_or_doubles(app, member):
    count = 2 * COMMENTS_PAGE + 7
    idea_id, ids = add_comments(app, member.user["id"], count)
    pages, heading = walk(member, idea_id)
    assert heading == count
    assert [len(p) for p in pages] == [COMMENTS_PAGE, COMMENTS_PAGE, 7]
    assert [i for p in reversed(pages) for i in p] == ids  # oldest first on each page


@BOTH_DATABASES
def test_an_ideas_page_costs_the_same_with_three_comments_or_many(app, member):
    few, _ = add_comments(app, member.user["id"], 3)
    many, _ = add_comments(app, member.user["id"], 3 * COMMENTS_PAGE)
    spent = []
    for idea_id in (few, many):
        with counted(app) as statements:
            assert member.get(f"/ideas/{idea_id}").status_code == 200
        spent.append(len(statements))
    assert spent[0] == spent[1], spent


def test_a_broken_comment_cursor_is_refused(member):
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    assert member.get(f"/ideas/{idea['id']}?comments_before=nonsense").status_code == 400


# ---- GET /api/v1/ideas/<id>/comments with limit and/or cursor ------------------------------


def api_walk(client, idea_id: int, limit: int, between=None) -> list[dict]:
    """Every page's items, following next_cursor to null; `between` runs after each page
    that has a next one."""
    pages, query = [], f"limit={limit}"
    while True:
        response = client.get(f"ideas/{idea_id}/comments?{query}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert set(body) == {"items", "next_cursor"}
        assert 0 < len(body["items"]) <= limit
        pages.append(body["items"])
        if body["next_cursor"] is None:
            return pages
        if between:
            between()
        query = f"limit={limit}&cursor={body['next_cursor']}"


@BOTH_DATABASES
def test_the_comments_api_pages_every_comment_once_oldest_first_while_others_comment(
    app, member, other_member
):
    idea_id, ids = add_comments(app, member.user["id"], 2 * 7 + 3)  # two at each moment
    written = []

    def someone_comments():
        answer = other_member.post(f"ideas/{idea_id}/comments", json={"body": "meanwhile"})
        written.append(answer.get_json()["id"])

    pages = api_walk(member, idea_id, 7, someone_comments)
    walked = [c["id"] for page in pages for c in page]
    assert len(walked) == len(set(walked))  # nothing twice
    assert walked[: len(ids)] == ids  # nothing missing, oldest first
    assert walked[len(ids) :] == written  # and what came meanwhile, in its turn
    # The same comments, the same shapes as the plain list gives, which is unchanged.
    plain = member.get(f"ideas/{idea_id}/comments")
    assert plain.status_code == 200
    assert plain.get_json() == [c for page in pages for c in page]


@BOTH_DATABASES
def test_a_page_of_comments_costs_the_same_with_three_comments_or_many(app, member):
    few, _ = add_comments(app, member.user["id"], 3)
    many, _ = add_comments(app, member.user["id"], 300)
    spent = []
    for idea_id in (few, many):
        with counted(app) as statements:
            body = member.get(f"ideas/{idea_id}/comments?limit=3").get_json()
        assert len(body["items"]) == 3
        spent.append(len(statements))
    assert spent[0] == spent[1], spent


def test_a_cursor_alone_or_a_limit_alone_answers_a_page(member):
    idea_id = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()["id"]
    for number in range(3):
        member.post(f"ideas/{idea_id}/comments", json={"body": f"c{number}"})
    first = member.get(f"ideas/{idea_id}/comments?limit=2").get_json()
    assert [c["body"] for c in first["items"]] == ["c0", "c1"]
    rest = member.get(f"ideas/{idea_id}/comments?cursor={first['next_cursor']}").get_json()
    assert ([c["body"] for c in rest["items"]], rest["next_cursor"]) == (["c2"], None)
    assert len(member.get(f"ideas/{idea_id}/comments?limit=500").get_json()["items"]) == 3
    assert isinstance(member.get(f"ideas/{idea_id}/comments").get_json(), list)


@pytest.mark.parametrize(
    "cursor", ["nonsense", "W10", "x" * 2000, "WyJjb21tZW50c19vbGRlc3QiLCJ5ZXN0ZXJkYXkiLDFd"]
)
def test_a_malformed_comments_cursor_is_a_400(member, cursor):
    idea_id = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()["id"]
    response = member.get(f"ideas/{idea_id}/comments?cursor={cursor}")
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "bad_cursor")


def test_a_cursor_of_another_list_is_refused_by_the_comments(app, member):
    idea_id, _ = add_comments(app, member.user["id"], 2 * COMMENTS_PAGE + 1)
    html = member.client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    older = re.search(r"comments_before=([^\"#&]+)", html).group(1)  # newest first
    ideas_cursor = member.get("ideas?sort=new&limit=1").get_json()["next_cursor"]
    for cursor in (older, ideas_cursor):
        response = member.get(f"ideas/{idea_id}/comments?cursor={cursor}")
        assert (response.status_code, response.get_json()["error"]["code"]) == (400, "bad_cursor")


@pytest.mark.parametrize("limit", ["0", "-1", "many", "1.5"])
def test_a_bad_comments_limit_is_the_usual_validation_error(member, limit):
    idea_id = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()["id"]
    response = member.get(f"ideas/{idea_id}/comments?limit={limit}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], list(error["fields"])) == ("invalid_parameter", ["limit"])


def test_pages_of_comments_are_read_as_the_plain_list_is(
    member, other_member, observer, facilitator, anonymous
):
    idea_id = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()["id"]
    member.post(f"ideas/{idea_id}/comments", json={"body": "fine"})
    hidden = other_member.post(f"ideas/{idea_id}/comments", json={"body": "secret"}).get_json()
    answer = facilitator.put(f"comments/{hidden['id']}/hidden", json={"reason": "x"})
    assert answer.status_code == 200
    for reader in (member, other_member, observer, facilitator):
        plain = reader.get(f"ideas/{idea_id}/comments")
        paged = reader.get(f"ideas/{idea_id}/comments?limit=10")
        assert (plain.status_code, paged.status_code) == (200, 200)
        assert paged.get_json()["items"] == plain.get_json()  # hidden text for whom it was
    assert "secret" not in str(member.get(f"ideas/{idea_id}/comments?limit=10").get_json())
    for path in (f"ideas/{idea_id}/comments", f"ideas/{idea_id}/comments?limit=10"):
        assert anonymous.get(path).status_code == 401
        assert member.get(path.replace(str(idea_id), "999999")).status_code == 404
