"""Lists page with a cursor: walking `next_cursor` to its end yields every item once, in
order, even while others post and vote; a broken cursor is a clear 400."""

from __future__ import annotations

import itertools
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from board import clock
from board import ideas as idea_service
from models import User
from tests.conftest import BOTH_DATABASES, JsonClient, make_user
from tests.test_api_ideas import SEARCH_PLANS
from tests.test_queries import counted

SORTS = ["top", "hot", "new"]


def vote_as(app, user_id: int, idea_id: int) -> None:
    with app.extensions["board_db"].Session() as session:
        idea_service.vote(session, session.get(User, user_id), idea_id)


def walk(client: JsonClient, path: str, limit: int, between_pages=lambda: None) -> list[dict]:
    """Every item of `path`, page by page; `between_pages` runs after each page."""
    items, cursor = [], None
    separator = "&" if "?" in path else "?"
    for _ in range(1000):
        url = f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert set(body) == {"items", "next_cursor"}
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert body["items"], "a page with a next page is never empty"
        between_pages()
    raise AssertionError("the walk did not end")


@pytest.fixture
def crowd(app) -> list[User]:
    return [make_user(app, f"voter{n}", "member", f"Department {n % 4}") for n in range(6)]


@pytest.fixture
def board(app, member, other_member, crowd) -> list[dict]:
    """25 ideas from two departments, with ties in votes and in time, tagged, searchable."""
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    posted = []
    for number in range(25):
        clock.set_clock(lambda number=number: start + timedelta(minutes=number // 3))  # ties
        author = member if number % 2 else other_member
        posted.append(
            author.post(
                "ideas",
                json={
                    "title": f"Reel number {number}" if number % 3 else f"Poster {number}",
                    "body": "",
                    "tags": ["video"] if number % 4 else ["print"],
                },
            ).get_json()
        )
    for number, idea in enumerate(posted):
        for voter in crowd[: number % 4]:
            vote_as(app, voter.id, idea["id"])
    clock.set_clock(lambda: start + timedelta(hours=2))
    return posted


def expected_order(client, path: str) -> list[int]:
    """The whole list in one request (the oracle a walk must reproduce)."""
    separator = "&" if "?" in path else "?"
    body = client.get(f"{path}{separator}limit=200").get_json()
    assert body["next_cursor"] is None
    return [item["id"] for item in body["items"]]


@BOTH_DATABASES
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", [1, 4, 50])
def test_a_walk_yields_the_list_in_order_exactly_once(member, board, sort, limit):
    path = f"ideas?sort={sort}"
    walked = [item["id"] for item in walk(member, path, limit)]
    assert walked == expected_order(member, path)
    assert sorted(walked) == sorted(idea["id"] for idea in board)


@BOTH_DATABASES
@pytest.mark.parametrize(
    "filters",
    [
        "tag=video",
        "q=reel",
        "department={department}",
        "tag=print&q=poster",
        # A filter and a word that meet less often: 4 of the 16 reels are printed, 4 of the
        # 9 posters are the department's (the page may look the matches up, not walk).
        "tag=print&q=reel",
        "department={department}&q=poster",
        # Both filters and a word being typed: looked up, the search index lists the ideas
        # with both filters' tokens and a word the prefix starts (search.faceted).
        "tag=video&department={department}&q=re",
    ],
)
@pytest.mark.parametrize("sort", SORTS)
@SEARCH_PLANS
def test_a_filtered_walk_yields_every_match_once(
    member, board, sort, filters, few, question_cost, monkeypatch
):
    monkeypatch.setattr(idea_service, "FEW_MATCHES", few)
    monkeypatch.setattr(idea_service, "QUESTION_COST", question_cost)
    path = f"ideas?sort={sort}&" + filters.format(department=member.user["department"]["id"])
    walked = [item["id"] for item in walk(member, path, 3)]
    assert walked == expected_order(member, path)
    assert walked and len(walked) < len(board)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize(
    "filters",
    [
        "tag=video&q=reel",
        "tag=print&q=reel",
        "department={department}&q=poster",
        "tag=video&department={department}&q=re",
    ],
)
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("budget", [0, 3, 11, 1000])
def test_postgres_walks_a_bounded_stretch_and_else_asks_the_search_index(
    app, member, board, sort, filters, budget, monkeypatch
):
    """PostgreSQL, a filter and a word: a page first walks `budget` rows of the rank index
    after its cursor; when their matches fill the page, or the walk saw every row there
    is, they are the page, else the search index is asked for both. Either way the walk
    yields every match once, in order. With pages of 3 (4 rows asked), a budget of 3 can
    never fill one; 11 rows of a tag whose ideas are two thirds reels fill the first."""
    monkeypatch.setattr(idea_service, "WALK_BUDGET", budget)
    path = f"ideas?sort={sort}&" + filters.format(department=member.user["department"]["id"])
    expected = expected_order(member, path)
    with counted(app) as statements:
        walked = [item["id"] for item in walk(member, path, 3)]
    asked = [
        "walk" if "walked" in statement else "list"
        for statement in statements
        if "LIMIT" in statement and ("walked" in statement or "FROM ideas" in statement)
    ]
    assert walked == expected
    assert walked and len(walked) < len(board)
    # A page answered by the walk asks one statement ("w"), one whose walk fell short two
    # ("wl"), one without a walk only the search index ("l").
    runs = "".join(statement[0] for statement in asked)
    by_walk, fell_short = runs.replace("wl", "").count("w"), runs.count("wl")
    if budget == 0:
        assert runs == "l" * len(runs), runs
    if budget == 3:
        assert fell_short >= 1, runs
    if budget == 11 and filters == "tag=video&q=reel":
        assert by_walk >= 1, runs
    if budget == 1000:  # the whole board is walked: every page one statement
        assert runs == "w" * len(runs), runs


@BOTH_DATABASES
@pytest.mark.parametrize("sort", SORTS)
def test_a_walk_while_others_post_and_vote(app, member, other_member, crowd, board, sort):
    """New ideas and votes land between the pages. On `new` every idea that was there
    when the walk began comes exactly once; on top and hot, every idea nobody voted for
    meanwhile comes exactly once (a voted one may move past the cursor)."""
    before = {idea["id"] for idea in board}
    voted_meanwhile: set[int] = set()
    counter = itertools.count()
    targets = iter(sorted(before))
    later = datetime(2026, 3, 2, 11, tzinfo=UTC)

    def others_act():
        step = next(counter)
        clock.set_clock(lambda: later + timedelta(minutes=step))
        other_member.post("ideas", json={"title": f"Reel posted meanwhile {step}", "body": ""})
        target = next(targets, None)
        if target is not None:
            for voter in crowd[4:]:
                vote_as(app, voter.id, target)
            voted_meanwhile.add(target)

    walked = Counter(item["id"] for item in walk(member, f"ideas?sort={sort}", 3, others_act))
    steady = before - voted_meanwhile if sort != "new" else before
    assert steady, "the walk must have left some ideas alone"
    assert {idea_id: walked[idea_id] for idea_id in steady} == dict.fromkeys(steady, 1)
    if sort == "new":
        assert max(walked.values()) == 1  # nothing twice, new ones included


@BOTH_DATABASES
def test_a_task_walk_while_others_post_yields_every_task_once(app, member, other_member):
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    before = set()
    for number in range(13):
        clock.set_clock(lambda number=number: start + timedelta(minutes=number // 2))
        before.add(member.post("tasks", json={"title": f"Task {number}"}).get_json()["id"])
    counter = itertools.count()

    def others_post():
        other_member.post("tasks", json={"title": f"Meanwhile {next(counter)}"})

    walked = Counter(item["id"] for item in walk(member, "tasks", 2, others_post))
    assert {task_id: walked[task_id] for task_id in before} == dict.fromkeys(before, 1)
    assert max(walked.values()) == 1
    assert [i["id"] for i in walk(member, "tasks?status=open", 5)] == expected_order(
        member, "tasks?status=open"
    )


def test_the_first_page_holds_fifty_by_default(member):
    for number in range(52):
        member.post("ideas", json={"title": f"Idea {number}", "body": ""})
    body = member.get("ideas").get_json()
    assert len(body["items"]) == 50
    assert body["next_cursor"]
    rest = member.get(f"ideas?cursor={body['next_cursor']}").get_json()
    assert len(rest["items"]) == 2
    assert rest["next_cursor"] is None
    assert len(member.get("ideas?limit=5000").get_json()["items"]) == 52  # clamped to 200


@pytest.mark.parametrize("path", ["ideas", "tasks"])
@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "%25%25%25",
        "W10",  # []
        "WyJ0b3AiXQ",  # ["top"]
        "WyJuZXciLCJ5ZXN0ZXJkYXkiLDFd",  # ["new","yesterday",1]
        "WyJuZXciLCIyMDI2LTAzLTAyVDA5OjAwOjAwKzAwOjAwIiwiMSJd",  # id as text
        "x" * 2000,
    ],
)
def test_a_malformed_cursor_is_a_clear_400(member, path, cursor):
    member.post("ideas", json={"title": "Reel", "body": ""})
    response = member.get(f"{path}?cursor={cursor}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_cursor"


def test_a_cursor_of_another_order_is_refused(member):
    for number in range(3):
        member.post("ideas", json={"title": f"Idea {number}", "body": ""})
    cursor = member.get("ideas?sort=new&limit=1").get_json()["next_cursor"]
    assert member.get(f"ideas?sort=new&cursor={cursor}").status_code == 200
    response = member.get(f"ideas?sort=hot&cursor={cursor}")
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "bad_cursor")


@pytest.mark.parametrize("limit", ["0", "-1", "many"])
def test_a_limit_below_one_or_not_a_number_is_refused(member, limit):
    assert member.get(f"ideas?limit={limit}").status_code == 400
    assert member.get(f"tasks?limit={limit}").status_code == 400


# ---- challenges whose tallies are hidden -------------------------------------------------


@pytest.mark.parametrize("sort", SORTS)
def test_a_walk_over_a_board_with_a_hidden_challenge_keeps_its_tallies_hidden(
    people_, facilitator, member, other_member, sort
):
    from tests.test_prompts_challenges import FakeClock, post_challenge, post_idea

    time_machine = FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    clock.set_clock(time_machine)
    challenge = post_challenge(facilitator, time_machine)
    hidden = []
    for number in range(5):
        time_machine.advance(minutes=1)
        member.post("ideas", json={"title": f"Free idea {number}", "body": ""})
        hidden.append(post_idea(member, challenge["id"], f"Challenge idea {number}")["id"])
    for client in (other_member, facilitator):  # a hidden idea with the most votes
        assert client.put(f"ideas/{hidden[0]}/vote").status_code == 200
    path = f"ideas?sort={sort}"
    walked = walk(member, path, 3)
    assert [item["id"] for item in walked] == expected_order(member, path)
    assert len(walked) == 10
    shown = {item["id"]: item for item in walked}
    assert all(shown[i]["votes"] is None for i in hidden)
    if sort == "top":  # ranked as if unvoted: the most voted hidden idea is not first
        assert walked[0]["id"] != hidden[0]
    in_challenge = walk(member, f"ideas?prompt_id={challenge['id']}", 2)
    assert sorted(item["id"] for item in in_challenge) == sorted(hidden)
    assert [i["id"] for i in in_challenge] == expected_order(
        member, f"ideas?prompt_id={challenge['id']}"
    )


@BOTH_DATABASES
@pytest.mark.parametrize(
    "walking", [True, False], ids=["asking about each idea walked", "listing the matches"]
)
def test_combined_filters_find_their_ideas_in_order_and_follow_each_vote(
    app, member, other_member, crowd, monkeypatch, walking
):
    """A department and a tag, two words, a tag and a word: exactly the ideas that match
    all of them, in the order of their votes (a tag's page walks the tag's own copy of the
    rank keys and author), page by page; a vote moves an idea up its tag's pages at once,
    and a person who moves to another department takes their ideas along."""
    if walking:
        monkeypatch.setattr(idea_service, "FEW_MATCHES", 0)
        monkeypatch.setattr(idea_service, "QUESTION_COST", 0)
    else:  # PostgreSQL: no row walked first, the search index asked for filter and word
        monkeypatch.setattr(idea_service, "WALK_BUDGET", 0)
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    posted = {}
    for number, (author, title, tags) in enumerate(
        [
            (member, "Reel for the fair", ["video"]),
            (member, "Reel behind the scenes", ["video", "print"]),
            (other_member, "Reel from the fair", ["video"]),
            (member, "Poster for the fair", ["print"]),
            (member, "Fairground reel", ["video"]),
        ]
    ):
        clock.set_clock(lambda number=number: start + timedelta(minutes=number))
        idea = author.post("ideas", json={"title": title, "body": "", "tags": tags})
        posted[title] = idea.get_json()["id"]
    for title, votes in (("Reel behind the scenes", 2), ("Reel from the fair", 3)):
        for voter in crowd[:votes]:
            vote_as(app, voter.id, posted[title])
    vote_as(app, crowd[0].id, posted["Reel for the fair"])
    marketing = member.user["department"]["id"]
    pages = {
        "department and tag": f"ideas?sort=top&department={marketing}&tag=video",
        "department and tag, new": f"ideas?sort=new&department={marketing}&tag=video",
        "department and tag, hot": f"ideas?sort=hot&department={marketing}&tag=video",
        "two words": "ideas?sort=top&q=reel%20fair%20",
        "two words, hot": "ideas?sort=hot&q=reel%20fair%20",
        "a tag and a word": "ideas?sort=top&tag=video&q=fai",
        "a tag and two words": "ideas?sort=top&tag=print&q=the%20reel",
    }

    def shown() -> dict[str, list[str]]:
        names = {idea_id: title for title, idea_id in posted.items()}
        found = {}
        for name, path in pages.items():
            found[name] = [names[item["id"]] for item in walk(member, path, 1)]
            assert [names[i] for i in expected_order(member, path)] == found[name], name
        return found

    assert shown() == {
        "department and tag": ["Reel behind the scenes", "Reel for the fair", "Fairground reel"],
        "department and tag, new": [
            "Fairground reel",
            "Reel behind the scenes",
            "Reel for the fair",
        ],
        "department and tag, hot": [
            "Reel behind the scenes",
            "Reel for the fair",
            "Fairground reel",
        ],
        "two words": ["Reel from the fair", "Reel for the fair"],
        "two words, hot": ["Reel from the fair", "Reel for the fair"],
        "a tag and a word": ["Reel from the fair", "Reel for the fair", "Fairground reel"],
        "a tag and two words": ["Reel behind the scenes"],
    }
    for voter in crowd[1:5]:
        vote_as(app, voter.id, posted["Fairground reel"])
    after_the_votes = shown()
    assert after_the_votes["department and tag"][0] == "Fairground reel"
    assert after_the_votes["a tag and a word"][0] == "Fairground reel"
    assert after_the_votes["two words"] == ["Reel from the fair", "Reel for the fair"]
    moved = other_member.patch("me", json={"department_id": marketing})
    assert moved.status_code == 200, moved.get_json()
    after_the_move = shown()
    assert after_the_move["department and tag"] == [
        "Fairground reel",
        "Reel from the fair",
        "Reel behind the scenes",
        "Reel for the fair",
    ]
    assert after_the_move["department and tag, new"][:2] == [
        "Fairground reel",
        "Reel from the fair",
    ]


@BOTH_DATABASES
@pytest.mark.parametrize("search", ["%21%3F", "zzyzxq"], ids=["no word", "a word no idea has"])
def test_a_search_that_matches_nothing_answers_an_empty_page_with_any_other_filter(
    app, member, search
):
    """Punctuation alone, or a word no idea holds, with a tag, a department and a
    challenge: an empty page, without a statement that would join the tag to nothing
    (SQLAlchemy folds `… AND false` into `false` and warned of a cartesian product)."""
    member.post("ideas", json={"title": "Reel for the fair", "body": "", "tags": ["video"]})
    marketing = member.user["department"]["id"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for query in (
            f"tag=video&q={search}",
            f"department={marketing}&tag=video&q={search}&sort=new",
            f"tag=video&q={search}&prompt_id=1&sort=hot",
        ):
            answer = member.get(f"ideas?{query}")
            assert answer.status_code == 200, (query, answer.get_json())
            assert answer.get_json()["items"] == [] and answer.get_json()["next_cursor"] is None
