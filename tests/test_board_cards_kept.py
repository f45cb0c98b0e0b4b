"""The board keeps each rendered idea card for everything it is made from
(board/web/cards.py, `idea_card_kept`): what one reader sees of a card (their vote, their
own idea, their right to vote, their page's CSRF token) must never show on another's page,
and every change to an idea shows on the next page load."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from board import clock, ideas, moderation
from board.web import cards
from models import User
from tests.test_pages import CSRF_META, Browser, html_of


@pytest.fixture(autouse=True)
def no_cards_from_other_tests():
    cards.forget_kept_cards()
    yield
    cards.forget_kept_cards()


def card_of(html: str, idea_id: int) -> str:
    found = re.search(
        rf'<article class="idea-card[^"]*" id="idea-{idea_id}".*?</article>', html, re.S
    )
    assert found, f"no card for idea {idea_id}"
    return found.group(0)


def vote_state(card: str) -> str | None:
    """ "voted", "not voted", or None when the card has no vote button."""
    pressed = re.search(r'aria-pressed="(true|false)"', card)
    if pressed is None:
        return None
    return "voted" if pressed.group(1) == "true" else "not voted"


@pytest.fixture
def board_idea(app, people_):
    with app.extensions["board_db"].Session() as session:
        author = session.merge(people_.user("member"))
        idea = ideas.create_idea(session, author, "Trade fair reel", "Short clips", ["video"])
        voter = session.merge(people_.user("other_member"))
        ideas.vote(session, voter, idea["id"])
    return idea["id"]


def test_each_reader_sees_their_own_vote_name_rights_and_token_on_a_kept_card(
    app, people_, board_idea
):
    readers = {}
    for name in ("member", "other_member", "observer", "facilitator"):
        readers[name] = Browser(app)
        readers[name].login(people_.user(name).email)
    seen = {}
    for _round in range(2):  # the second round from kept cards, in another order
        for name in ("other_member", "member", "observer", "facilitator", "other_member"):
            html = html_of(readers[name].get("/"))
            card = card_of(html, board_idea)
            token = CSRF_META.search(html).group(1)
            tokens = re.findall(r'name="csrf_token" value="([^"]+)"', card)
            assert tokens == ([] if name == "observer" else [token]), name
            seen.setdefault(name, set()).add(
                (vote_state(card), re.search(r'data-field="name">([^<]*)<', card).group(1))
            )
    assert seen == {
        "member": {("not voted", "You")},
        "other_member": {("voted", "Mara")},
        "observer": {(None, "Mara")},
        "facilitator": {("not voted", "Mara")},
    }
    assert len({token for b in readers.values() for token in [b.token]}) == 4


def test_every_change_to_an_idea_shows_on_the_next_load(app, people_, board_idea, member):
    reader = Browser(app)
    reader.login(people_.user("facilitator").email)

    def card() -> str:
        return card_of(html_of(reader.get("/")), board_idea)

    assert "1</span>" in card() and "Trade fair reel" in card()
    with app.extensions["board_db"].Session() as session:
        ideas.vote(session, session.merge(people_.user("facilitator")), board_idea)
    assert vote_state(card()) == "voted" and 'data-field="votes" aria-describedby' in card()
    assert re.search(r'data-field="votes"[^>]*>2<', card())
    assert member.patch(f"ideas/{board_idea}", json={"title": "Booth reel"}).status_code == 200
    assert "Booth reel" in card() and "Trade fair reel" not in card()
    assert member.post(f"ideas/{board_idea}/comments", json={"body": "Yes"}).status_code == 201
    assert 'data-count="1">1 comment<' in card()
    with app.extensions["board_db"].Session() as session:
        author = session.scalar(select(User).where(User.id == people_.user("member").id))
        author.display_name = "Mara Lind"
        session.commit()
    assert 'data-field="name">Mara Lind<' in card()
    with app.extensions["board_db"].Session() as session:
        facilitator = session.merge(people_.user("facilitator"))
        moderation.hide(session, facilitator, "idea", board_idea, "Off topic")
    assert "is-hidden" in card() and "Hidden by the facilitator: Off topic" in card()
    german = card_of(html_of(reader.get("/", headers={"Accept-Language": "de"})), board_idea)
    assert "Ausgeblendet" in german or "ausgeblendet" in german


def task_card_of(html: str, task_id: int) -> str:
    found = re.search(
        rf'<article class="task-card[^"]*"\s+id="task-{task_id}".*?</article>', html, re.S
    )
    assert found, f"no card for task {task_id}"
    return found.group(0)


def test_a_kept_card_is_the_card_made_afresh_for_each_reader(app, people_, board_idea, member):
    """Each reader's cards, made with nothing kept, are the same after the others' pages
    filled what is kept; and they differ where the readers differ (a task the member holds)."""
    task = member.post("tasks", json={"title": "Film it", "idea_id": board_idea}).get_json()
    assert member.post(f"tasks/{task['id']}/claim").status_code == 200
    names = ("member", "other_member", "observer", "facilitator")
    readers = {name: Browser(app) for name in names}
    for name, browser in readers.items():
        browser.login(people_.user(name).email)

    def cards_of(name: str) -> tuple[str, str]:
        html = html_of(readers[name].get("/"))
        token = CSRF_META.search(html).group(1)  # signed anew each second: its own page's
        return tuple(
            card.replace(f'value="{token}"', 'value="TOKEN"')
            for card in (card_of(html, board_idea), task_card_of(html, task["id"]))
        )

    fresh = {}
    for name in names:
        cards.forget_kept_cards()
        fresh[name] = cards_of(name)
    for name in names + names:
        assert cards_of(name) == fresh[name], name
    held = fresh["member"][1]
    assert "is-mine" in held and 'data-field="name">you<' in held and "/complete" in held
    for name in ("other_member", "observer"):
        assert "is-mine" not in fresh[name][1] and "/complete" not in fresh[name][1], name
        assert 'data-field="name">Mara<' in fresh[name][1], name
    assert "<form" not in fresh["observer"][0] + fresh["observer"][1]


def test_a_kept_list_of_cards_says_you_only_to_the_author(app, people_, member):
    """Two readers whose ideas read the same (neither voted, neither follows): the author's
    card says "You", the other's their name, whichever loaded the page first."""
    idea = member.post("ideas", json={"title": "Booth reel", "body": "Clips"}).get_json()
    assert member.delete(f"ideas/{idea['id']}/follow").status_code == 200
    readers = {name: Browser(app) for name in ("facilitator", "member")}
    for name, browser in readers.items():
        browser.login(people_.user(name).email)
    for _round in range(2):
        for name, browser in readers.items():
            name_shown = re.search(
                r'data-field="name">([^<]*)<', card_of(html_of(browser.get("/")), idea["id"])
            ).group(1)
            assert name_shown == ("You" if name == "member" else "Mara"), name


def test_kept_cards_tell_their_age_anew_as_time_passes(app, people_, member):
    """Nothing changes on the board but the time: each card's "… ago" moves on."""
    start = datetime.now(UTC).replace(microsecond=0)
    clock.set_clock(lambda: start)
    idea = member.post("ideas", json={"title": "Booth reel", "body": "Clips"}).get_json()
    task = member.post("tasks", json={"title": "Film it", "idea_id": idea["id"]}).get_json()
    assert member.post(f"tasks/{task['id']}/claim").status_code == 200
    reader = Browser(app)
    reader.login(people_.user("facilitator").email)
    for hours in (2, 2, 20, 20):
        clock.set_clock(lambda hours=hours: start + timedelta(hours=hours))
        html = html_of(reader.get("/"))
        assert f">{hours} hours ago</time>" in card_of(html, idea["id"])
        assert f">{hours} hours ago</time>" in task_card_of(html, task["id"])
