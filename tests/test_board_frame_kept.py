"""The board page keeps its frame, everything around the cards, for everything it is made
from (board/web/frames.py): what one reader sees around the cards (their name, role,
language, rights, badges, their page's token and path) must never show on another's page,
and what changes between loads (the token, the path, the log's last seq, a flash, a
closing time) is always this load's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from board import clock, nudges, prompts
from board.web import cards, frames, pages
from tests.test_pages import CSRF_META, Browser, html_of

READERS = ("member", "other_member", "observer", "facilitator")


@pytest.fixture(autouse=True)
def no_cards_from_other_tests():
    cards.forget_kept_cards()
    yield
    cards.forget_kept_cards()


def kept(app) -> dict:
    with app.app_context():
        return frames.kept_frames()


@pytest.fixture
def readers(app, people_) -> dict[str, Browser]:
    browsers = {}
    for name in READERS:
        browsers[name] = Browser(app)
        browsers[name].login(people_.user(name).email)
        browsers[name].get("/")  # the login's welcome flash, shown once
    return browsers


def masked(html: str) -> str:
    """The page with its own CSRF token (signed anew each second) masked, after checking
    that every form on it carries the token of its own head."""
    token = CSRF_META.search(html).group(1)
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', html)) <= {token}
    return html.replace(token, "TOKEN")


def board_of(browser: Browser, path: str = "/", language: str = "en") -> str:
    return html_of(browser.get(path, headers={"Accept-Language": language}))


def test_each_reader_sees_the_page_rendered_whole_from_a_kept_frame(app, readers, member):
    """Every reader's page, in two languages and three sorts, is byte for byte the page
    rendered as a whole (nothing kept), after the others' loads filled what is kept."""
    member.post("ideas", json={"title": "Trade fair reel", "body": "Short clips"})
    views = [(name, path, lang) for name in READERS for path in ("/", "/?sort=new&tag=x")
             for lang in ("en", "de")]  # fmt: skip
    frames.keep_frames = False
    try:
        whole = {view: masked(board_of(readers[view[0]], view[1], view[2])) for view in views}
    finally:
        frames.keep_frames = True
    kept(app).clear()  # the readers' first loads (before the idea) kept theirs
    for _round in range(2):
        for view in views:
            assert masked(board_of(readers[view[0]], view[1], view[2])) == whole[view], view
    assert len(kept(app)) == len(views)
    menus = {name: whole[(name, "/", "en")] for name in READERS}
    assert '<span class="user-name">Mara</span>' in menus["member"]
    assert '<span class="user-name">Mara</span>' not in menus["other_member"]
    assert 'href="/moderation"' in menus["facilitator"]
    assert 'href="/moderation"' not in menus["member"]
    assert "Read-only view" in menus["observer"] and "Read-only view" not in menus["member"]
    assert 'id="new-idea"' not in menus["observer"] and 'id="new-idea"' in menus["member"]
    assert "Ideen" in whole[("member", "/", "de")]


def test_each_load_has_its_own_token_path_and_last_seq(app, readers, member):
    reader = readers["member"]
    first = board_of(reader)
    again = board_of(reader, "/?sort=top")  # another path: its own `next` fields
    assert 'name="next" value="/"' in first and 'name="next" value="/?sort=top"' not in first
    assert 'name="next" value="/?sort=top"' in again
    seq = int(re.search(r'data-seq="(\d+)"', first).group(1))
    member.post("ideas", json={"title": "Another", "body": ""})
    later = board_of(reader)
    assert int(re.search(r'data-seq="(\d+)"', later).group(1)) > seq
    other = readers["other_member"]
    other_page = board_of(other)
    assert CSRF_META.search(other_page).group(1) == other.token != reader.token
    assert reader.token not in other_page


def test_a_new_nudge_and_a_new_prompt_show_on_the_next_load(app, people_, readers):
    reader = readers["member"]
    assert 'data-count="0"' in board_of(reader)
    with app.extensions["board_db"].Session() as session:
        facilitator = session.merge(people_.user("facilitator"))
        nudges.send_nudge(session, facilitator, "Have a look", to_user_id=people_.user("member").id)
    assert re.search(r'id="nudge-badge" class="badge" data-count="1"', board_of(reader))
    with app.extensions["board_db"].Session() as session:
        facilitator = session.merge(people_.user("facilitator"))
        prompts.create_prompt(session, facilitator, "prompt", "Autumn <!--frame:csrf--> ideas")
    page = board_of(reader)
    assert "Autumn &lt;!--frame:csrf--&gt; ideas" in page  # a title is never a slot
    assert 'data-count="1"' in page


def test_a_flash_shows_once_and_is_never_kept(app, readers, member):
    idea = member.post("ideas", json={"title": "Trade fair reel", "body": ""}).get_json()
    voter = readers["other_member"]
    board_of(voter)
    response = voter.post(f"/ideas/{idea['id']}/vote", data={"vote": "1", "next": "/"})
    flashed = html_of(voter.follow(response))
    assert 'class="flash flash-' in flashed
    assert 'class="flash flash-' not in board_of(voter)


def test_the_closing_time_of_a_challenge_is_this_moments(app, people_, readers):
    start = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    clock.set_clock(lambda: start)
    with app.extensions["board_db"].Session() as session:
        prompts.create_prompt(
            session,
            session.merge(people_.user("facilitator")),
            "challenge",
            "Winter reels",
            submissions_close_at=start + timedelta(days=5),
            voting_close_at=start + timedelta(days=9),
        )
    assert "closes in 5 days" in board_of(readers["member"])
    clock.set_clock(lambda: start + timedelta(days=3))
    assert "closes in 2 days" in board_of(readers["member"])


def test_a_frame_that_asks_what_its_key_leaves_out_is_never_kept(app, readers, monkeypatch, caplog):
    """The frame sees only the policy answers in its key: a template that asks another
    question gets its reader the page rendered whole and the log an error, never a page
    kept for the wrong readers."""
    frames.keep_frames = False
    try:
        whole = masked(board_of(readers["facilitator"]))
    finally:
        frames.keep_frames = True
    kept(app).clear()
    monkeypatch.setattr(pages, "FRAME_ASKS", tuple(a for a in pages.FRAME_ASKS if a != "help.view"))

    assert masked(board_of(readers["facilitator"])) == whole
    assert "OutsideTheKey" in caplog.text and "'help.view'" in caplog.text
    assert kept(app) == {}
