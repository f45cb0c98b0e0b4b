"""An idea's page lists its newest comments and pages back to the first: every comment
once, in order, and each page costs the same whatever the number of comments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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
