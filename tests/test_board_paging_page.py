"""The board page shows the first 50 ideas with a real link to the rest, and answers
compressed when the browser accepts gzip."""

from __future__ import annotations

import gzip
import re

from tests.conftest import JsonClient


def post_ideas(client: JsonClient, count: int) -> None:
    for number in range(count):
        client.post("ideas", json={"title": f"Idea number {number:03d}", "body": "**x**"})


def shown_titles(html: str) -> list[str]:
    return re.findall(r"Idea number \d{3}", html)


def test_the_board_shows_fifty_ideas_and_a_link_to_the_next_fifty(member):
    post_ideas(member, 60)
    first = member.client.get("/?sort=new").get_data(as_text=True)
    titles = list(dict.fromkeys(shown_titles(first)))
    assert titles[:2] == ["Idea number 059", "Idea number 058"]
    assert len(titles) == 50
    link = re.search(r'id="more-ideas"[^>]*href="([^"]+)"', first, re.S)
    assert link, "a real link, usable without JavaScript"
    second = member.client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    rest = list(dict.fromkeys(shown_titles(second)))
    assert rest == [f"Idea number {n:03d}" for n in range(9, -1, -1)]
    assert 'id="more-ideas"' not in second
    assert "more-ideas-status" in first  # the live region that announces loaded ideas


def test_a_broken_more_link_shows_the_first_ideas(member):
    post_ideas(member, 3)
    response = member.client.get("/?cursor=garbage")
    assert response.status_code == 200
    assert len(set(shown_titles(response.get_data(as_text=True)))) == 3


def test_pages_and_json_answer_gzip_when_accepted(member):
    post_ideas(member, 20)
    for path in ("/", "/api/v1/ideas"):
        plain = member.client.get(path)
        packed = member.client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        unpacked = gzip.decompress(packed.get_data()).decode()
        if path == "/":  # a page carries per-request tokens: compare what it shows
            assert shown_titles(unpacked) == shown_titles(plain.get_data(as_text=True))
        else:
            assert unpacked == plain.get_data(as_text=True)
        assert len(packed.get_data()) * 3 < len(plain.get_data())
    refused = member.client.get("/", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
