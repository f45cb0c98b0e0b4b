"""Listing costs a fixed number of SQL queries, whatever the board's size (no query per row)."""

from __future__ import annotations

import dataclasses
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from board import clock, create_app, ideas, leases, mail, person_json, tallies, tasks, webhooks
from models import (
    Base,
    Comment,
    Department,
    Idea,
    IdeaTag,
    Notification,
    Prompt,
    Task,
    User,
    Vote,
)
from tests.conftest import BOTH_DATABASES, JsonClient, make_user

LISTINGS = [
    "ideas?limit=200",
    "ideas?sort=new&limit=200",
    "ideas?sort=hot&limit=200",
    "ideas?tag=blog&limit=200",
    "ideas?q=idea&limit=200",
    "ideas?department=1&limit=200",
    "tasks?limit=200",
    "tasks?mine=1&limit=200",
    "tasks?status=claimed&limit=200",
    "ideas/1/comments",
    "events?after=0&limit=1000",
]


@contextmanager
def counted(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["board_db"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def fill(app, ideas: int, people: list[User]) -> None:
    """`ideas` ideas with tags, votes from everyone, comments and claimed/done/open tasks."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with app.extensions["board_db"].Session() as session:
        for number in range(ideas):
            author = people[number % len(people)]
            at = start + timedelta(minutes=number)
            idea = Idea(
                title=f"idea {number}",
                body="**body**",
                author_id=author.id,
                created_at=at,
                updated_at=at,
            )
            idea.tag_rows = [IdeaTag(tag="blog"), IdeaTag(tag=f"tag{number % 7}")]
            session.add(idea)
            session.flush()
            for voter in people[: 1 + number % len(people)]:
                session.add(Vote(idea_id=idea.id, user_id=voter.id, created_at=at))
            for commenter in people[:3]:
                session.add(
                    Comment(idea_id=idea.id, author_id=commenter.id, body="c", created_at=at)
                )
            claimant = people[number % len(people)]
            status = ("open", "claimed", "done")[number % 3]
            session.add(
                Task(
                    title=f"task {number}",
                    description="",
                    idea_id=idea.id,
                    status=status,
                    claimed_by_id=None if status == "open" else claimant.id,
                    claimed_at=None if status == "open" else at,
                    created_by_id=author.id,
                    created_at=at,
                    updated_at=at,
                )
            )
        session.commit()
    with app.extensions["board_db"].engine.begin() as connection:
        tallies.recount_all(connection)


@pytest.fixture
def board_people(app) -> list[User]:
    return [make_user(app, f"person{n}", "member", f"Department {n % 5}") for n in range(8)]


def query_counts(app, client: JsonClient) -> dict[str, int]:
    counts = {}
    for path in LISTINGS:
        with counted(app) as statements:
            response = client.get(path)
        assert response.status_code == 200, (path, response.get_json())
        counts[path] = len(statements)
    return counts


def item_count(client, path: str) -> int:
    body = client.get(path).get_json()
    return len(body["items"] if isinstance(body, dict) else body)


@BOTH_DATABASES
def test_listing_costs_the_same_on_a_small_and_a_large_board(app, settings, board_people):
    fill(app, 3, board_people)
    # person1 has claimed a task on the small board already, so "tasks?mine=1" is not empty
    # there: an empty page skips the (constant) duplicate-display-name lookup of person shapes.
    client = JsonClient(app.test_client()).login(board_people[1].email)
    small = query_counts(app, client)
    assert item_count(client, "ideas") == 3
    fill(app, 197, board_people)
    large = query_counts(app, client)
    assert item_count(client, "ideas?limit=200") == 200
    assert item_count(client, "tasks?limit=200") == 200
    assert item_count(client, "ideas/1/comments") == 3
    assert large == small


@BOTH_DATABASES
def test_listing_ideas_takes_a_handful_of_queries(app, board_people):
    fill(app, 50, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    counts = query_counts(app, client)
    # What every logged-in request costs (session checks, the user), whatever it lists:
    with counted(app) as statements:
        assert client.get("me").status_code == 200
    baseline = len(statements)
    # SQLite's BEGIN, the person together with whether this session was ended (one
    # statement, board/security.py read_login), and the names two people share
    assert baseline <= 3, statements
    # ideas: the ranked page with its authors, their tags, tasks, shared names (`me` asks
    # those on their own), the caller's votes and follows and which ideas went live or have
    # pictures, in one statement on SQLite (two before, and on PostgreSQL); the running
    # challenges that hide their tallies come with the login check of a read request
    sqlite = app.extensions["board_db"].engine.dialect.name == "sqlite"
    assert counts["ideas?limit=200"] - baseline <= (0 if sqlite else 1), (baseline, counts)
    assert counts["tasks?limit=200"] - baseline <= 1, (baseline, counts)


@BOTH_DATABASES
def test_a_page_of_ideas_asks_about_its_authors_names_with_its_tags_and_votes(app, board_people):
    """Whose name someone else has too (the handle shows beside it) is asked with the
    page's tags, task states and the caller's votes, not in a statement of its own: on
    SQLite in the page's own statement, on PostgreSQL in the statement of its facts."""
    fill(app, 20, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    with counted(app) as statements:
        assert client.get("ideas?limit=200").status_code == 200
    if app.extensions["board_db"].engine.dialect.name == "sqlite":
        asking = [statement for statement in statements if "namesakes" in statement]
        assert len(asking) == 1 and "ORDER BY" in asking[0], statements
        assert not [statement for statement in statements if "json_each" in statement]
    else:
        asking = [statement for statement in statements if "HAVING count(users.id) >" in statement]
        assert len(asking) == 1, statements
    assert all(table in asking[0] for table in ("idea_tags", "tasks", "votes")), asking


def page_counts(app, client: JsonClient, path: str, limit: int) -> list[int]:
    """Statements spent on each page of a walk through `path`, `limit` items a page."""
    counts, cursor = [], None
    while True:
        separator = "&" if "?" in path else "?"
        url = f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        with counted(app) as statements:
            body = client.get(url).get_json()
        counts.append(len(statements))
        cursor = body["next_cursor"]
        if cursor is None:
            return counts


@BOTH_DATABASES
@pytest.mark.parametrize(
    "path", ["ideas", "ideas?sort=hot", "ideas?sort=new&tag=blog&q=idea", "tasks"]
)
def test_every_page_costs_the_same_whatever_its_size(app, board_people, path):
    fill(app, 30, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    one_by_one = page_counts(app, client, path, 1)
    all_at_once = page_counts(app, client, path, 200)
    assert len(one_by_one) == 30
    assert len(all_at_once) == 1
    assert set(one_by_one) == set(all_at_once), (one_by_one, all_at_once)


@BOTH_DATABASES
def test_the_tag_filter_jumps_from_tag_to_tag_in_the_index(app, board_people):
    """The board's tag filter lists each tag once, A to Z, by one index seek per distinct
    tag: its cost follows the number of tags, not the number of ideas carrying them."""
    fill(app, 30, board_people)
    with app.extensions["board_db"].Session() as session:
        reader = session.get(User, board_people[0].id)
        assert ideas.tags_in_use(session, reader) == ["blog"] + [f"tag{n}" for n in range(7)]
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            statement = ideas._tags_in_use_statement().compile(
                dialect=connection.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
            assert not [step for step in plan if step.startswith("SCAN idea_tags")], plan
            # Any of idea_tags' rank indexes: each starts with the tag.
            assert any(
                re.search(r"USING COVERING INDEX ix_idea_tags_rank_\w+ \(tag>\?\)", step)
                for step in plan
            ), plan


def test_each_task_column_reads_its_newest_tasks_in_order_from_an_index(app, board_people):
    """A column's newest 20 come from ix_tasks_status_newest in order: the database reads
    20 index entries, not every task of the status to sort them."""
    fill(app, 30, board_people)
    with app.extensions["board_db"].Session() as session:
        connection = session.connection()
        statement = tasks._column_firsts(20).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
        )
        plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
    searches = [step for step in plan if "ix_tasks_status_newest (status=?)" in step]
    assert len(searches) == 3, plan
    assert not [step for step in plan if "TEMP B-TREE" in step or step.startswith("SCAN tasks")]
    # and the columns' rows, with their people, ideas and counts: each task by its id
    with app.extensions["board_db"].Session() as session:
        connection = session.connection()
        statement = tasks._column_rows(20).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
        )
        plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
        opcodes = [row[1] for row in connection.exec_driver_sql(f"EXPLAIN {statement}")]
    assert not [step for step in plan if "TEMP B-TREE" in step]
    # One scan: the count of all tasks (the done are all less the open and the claimed),
    # which SQLite answers from the b-tree's pages (its Count step), not entry by entry.
    assert len([step for step in plan if step.startswith("SCAN tasks")]) == 1, plan
    assert "Count" in opcodes


@BOTH_DATABASES
def test_the_board_page_counts_each_cards_comments_in_one_statement(app, board_people):
    fill(app, 12, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    with counted(app) as statements:
        html = client.client.get("/").get_data(as_text=True)
    assert html.count('data-field="comments" data-count="3"') == 12  # fill: 3 per idea
    assert sum("count(comments.id)" in statement for statement in statements) == 1


@BOTH_DATABASES
def test_a_page_asks_for_its_two_unread_badges_in_one_statement(app, board_people):
    """The navigation's nudge and inbox badges, on every page; the board page's kept frame
    asks them for its key and its render, still once."""
    fill(app, 3, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    for path in ("/", "/", "/", "/my-tasks", "/people"):
        with counted(app) as statements:
            assert client.client.get(path).status_code == 200
        badges = [s for s in statements if re.search(r"FROM (nudge_recipients|notifications)\b", s)]
        assert len(badges) == 1, (path, badges)
        assert "FROM nudge_recipients" in badges[0] and "FROM notifications" in badges[0], badges
        # with the log's last seq, which every page reads before its data
        assert "max(events.seq)" in badges[0], badges
        assert len([s for s in statements if "max(events.seq)" in s]) == 1, statements


# The board page's statements, kept and not: the login, the log's last seq with the two
# badges, the page of ideas, its authors' shared names (with tags and votes), the task
# columns (with their claimants' shared names, their ideas' titles and how many each status
# has), the prompts (not their authors, whom the page does not show, nor whether their names
# are shared), the comment counts, the departments, the tags (SQLite's BEGIN not counted).
BOARD_PAGE_STATEMENTS = 9


@BOTH_DATABASES
def test_the_board_page_takes_a_fixed_handful_of_statements(app, board_people):
    """Task columns read their claimants' shared names, their ideas' titles and how many
    tasks each status has in the statement of their rows, and the prompts are read
    without their authors: nothing asked of them again, on a first or kept page."""
    fill(app, 12, board_people)
    facilitator = make_user(app, "fay", "facilitator")  # whom the page shows nowhere
    with app.extensions["board_db"].Session() as session:
        session.add(Prompt(kind="prompt", title="What next?", body="", author_id=facilitator.id))
        session.commit()
    client = JsonClient(app.test_client()).login(board_people[0].email)
    for _load in range(3):
        with counted(app) as statements:
            html = client.client.get("/").get_data(as_text=True)
        assert '<a href="/ideas/12">idea 11</a>' in html  # a task's idea, by its title
        assert ">What next?</a>" in html
        asked = [s for s in statements if s.strip() != "BEGIN"]
        assert len(asked) <= BOARD_PAGE_STATEMENTS, asked
        assert not [s for s in statements if re.match(r"\s*SELECT ideas.id, ideas.title\s+FROM", s)]


@BOTH_DATABASES
def test_the_board_page_costs_the_same_whatever_the_number_of_tasks(app, board_people):
    """Its columns show the newest few tasks of each status and count the rest; so does
    "my tasks" for what the person completed and what is open."""
    fill(app, 6, board_people)  # two tasks of each status
    client = JsonClient(app.test_client()).login(board_people[0].email)
    with counted(app) as few:
        html = client.client.get("/").get_data(as_text=True)
    assert html.count('class="task-card') == 6 + 1  # and the live cards' template
    with counted(app) as few_mine:
        client.client.get("/my-tasks")
    fill(app, 150, board_people)  # 52 tasks of each status
    with counted(app) as many:
        html = client.client.get("/").get_data(as_text=True)
    assert html.count('class="task-card') == 3 * 20 + 1
    assert 'data-field="count">52</span>' in html
    assert len(many) == len(few), (few, many)
    with counted(app) as many_mine:
        html = client.client.get("/my-tasks").get_data(as_text=True)
    assert html.count('class="task-card') <= 20 + 20 + 20 + 1  # held, completed, open
    assert len(many_mine) == len(few_mine), (few_mine, many_mine)


@BOTH_DATABASES
def test_a_comment_costs_the_same_whatever_the_number_of_followers_it_tells(app, board_people):
    author = JsonClient(app.test_client()).login(board_people[0].email)
    quiet = author.post("ideas", json={"title": "Quiet", "body": ""}).get_json()
    followed = author.post("ideas", json={"title": "Followed", "body": ""}).get_json()
    for person in board_people[2:]:
        reader = JsonClient(app.test_client()).login(person.email)
        assert reader.put(f"ideas/{followed['id']}/follow").status_code == 200
    commenter = JsonClient(app.test_client()).login(board_people[1].email)
    counts = []
    for idea in (quiet, followed):
        with counted(app) as statements:
            response = commenter.post(f"ideas/{idea['id']}/comments", json={"body": "Yes!"})
        assert response.status_code == 201
        counts.append(len(statements))
    # One row per follower (the author on the quiet one, seven on the other), one INSERT.
    assert counts[0] == counts[1], counts


def quiet_ideas_in_challenges(app, people: list[User], count: int) -> None:
    """`count` ideas nobody voted on or commented, each in a challenge of its own, every
    other one still hiding its tallies (the help page leaves those ideas out)."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    later = datetime.now(UTC) + timedelta(days=30)
    with app.extensions["board_db"].Session() as session:
        for number in range(count):
            hiding = number % 2 == 0
            prompt = Prompt(
                kind="challenge",
                title=f"challenge {number}",
                body="",
                author_id=people[0].id,
                hide_tallies=hiding,
                voting_close_at=later if hiding else start,
                phase="voting" if hiding else "closed",
                created_at=start,
            )
            session.add(prompt)
            session.flush()
            session.add(
                Idea(
                    title=f"quiet idea {number}",
                    body="",
                    author_id=people[number % len(people)].id,
                    prompt_id=prompt.id,
                    created_at=start,
                    updated_at=start,
                )
            )
        session.commit()


@BOTH_DATABASES
@pytest.mark.parametrize("path", ["/api/v1/insights", "/help"])
def test_the_help_report_costs_the_same_whatever_the_number_of_tasks_and_ideas(
    app, board_people, path
):
    """Waiting tasks take their idea's author's department with their rows, and quiet ideas
    leave out the hidden challenges' without looking each up: at 100,000 ideas the report
    looked up ~370 ideas (and their tags) one at a time, 763 statements (2-7 s)."""
    facilitator = make_user(app, "fay", "facilitator")
    fill(app, 6, board_people)
    quiet_ideas_in_challenges(app, board_people, 2)
    client = JsonClient(app.test_client()).login(facilitator.email)
    with counted(app) as few:
        assert client.client.get(path).status_code == 200
    fill(app, 60, board_people)
    quiet_ideas_in_challenges(app, board_people, 20)
    with counted(app) as many:
        response = client.client.get(path)
    assert response.status_code == 200
    if path.startswith("/api"):
        body = response.get_json()
        assert len(body["waiting_tasks"]) == 22  # fill: every third task is open
        assert len(body["quiet_ideas"]) == 11  # those of closed challenges
    assert len(many) == len(few), (few, many)


def test_shared_names_are_looked_up_name_by_name_in_an_index(app, board_people):
    """Whose name two people share is asked for the names a page shows, each found in
    ix_users_display_name_key_active (active people only): not by reading and grouping
    every person's name."""
    with app.extensions["board_db"].Session() as session:
        connection = session.connection()
        statement = person_json._SHARED_AMONG.params(keys=["person0", "anna weber"]).compile(
            dialect=connection.dialect,
            compile_kwargs={"literal_binds": True, "render_postcompile": True},
        )
        plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
    assert any(
        "INDEX ix_users_display_name_key_active (display_name_key=?)" in step for step in plan
    ), plan
    assert not [step for step in plan if step.startswith("SCAN users")], plan


@pytest.mark.parametrize("sort", ["top", "hot", "new"])
@pytest.mark.parametrize("filters", ["q=ide", "q=idea%20", "q=idea%20bod", "q=body%20idea"])
def test_a_broad_search_walks_the_rank_index_and_asks_about_each_idea(
    app, board_people, monkeypatch, sort, filters
):
    """A search of one word or more that many ideas match (SQLite): the page walks its rank
    index and asks each idea it passes for its words, a seek per word in idea_words, until
    it has the page. Listing every match first (to test each idea against the list) made a
    word's first page grow with the board: 3 × the cost at 100,000 ideas, two words 4.5 ×;
    a question to FTS5 per idea and word cost 7 times a seek (docs/performance.md)."""
    monkeypatch.setattr(ideas, "FEW_MATCHES", 5)
    monkeypatch.setattr(ideas, "QUESTION_COST", 0)
    fill(app, 12, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    plan = page_plan(app, client, f"ideas?sort={sort}&{filters}&limit=3")
    assert plan[0].startswith(f"SCAN ideas USING INDEX ix_ideas_rank_{sort}"), plan
    assert not [step for step in plan if "ideas_fts" in step or "TEMP B-TREE" in step], plan
    assert ASKED_PER_IDEA in plan, plan


@pytest.mark.parametrize("sort", ["top", "hot", "new"])
@pytest.mark.parametrize(
    "filters", ["tag=blog", "tag=blog&department={department}", "tag=blog&q=ide"]
)
def test_a_tags_page_walks_the_tags_own_rank_index(app, board_people, monkeypatch, sort, filters):
    """A tag, alone or with a department or a word (SQLite): the page walks the tag's own
    rank index (idea_tags keeps its idea's rank keys and author) and stops when it has the
    page; the idea's row is read for the ideas that pass the other filters. Before,
    a tag with a department walked the whole board's rank index, 80 ideas per match for a
    tag of a tenth and a department of an eighth (5-6 ms at 100,000 ideas, 1.5 at 1,000),
    and a tag with a word listed every match of the word."""
    monkeypatch.setattr(ideas, "FEW_MATCHES", 5)
    monkeypatch.setattr(ideas, "QUESTION_COST", 0)
    fill(app, 12, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    department = board_people[0].department_id
    path = f"ideas?sort={sort}&{filters.format(department=department)}&limit=2"
    plan = page_plan(app, client, path)
    walked = f"SEARCH idea_tags USING COVERING INDEX ix_idea_tags_rank_{sort} (tag=?)"
    assert plan[0] == walked, plan
    read = [step for step in plan if step.startswith("SEARCH ideas USING INTEGER PRIMARY KEY")]
    assert len(read) == 1, plan
    # No list of the word's matches, nothing sorted (the words asked about are a list of
    # their own, json_each); a department is the list of its people, found by their index.
    scans = [step for step in plan if step.startswith("SCAN") and "json_each" not in step]
    assert not scans and not [step for step in plan if "TEMP B-TREE" in step], plan
    if "q=" in filters:  # each of the tag's ideas is asked for the word before its row is read
        assert plan.index(ASKED_PER_IDEA) < plan.index(read[0]), plan
    if "department=" in filters:  # and about its author (the tag's copy), before its row too
        [people] = [step for step in plan if step.startswith("LIST SUBQUERY")]
        assert plan.index(people) < plan.index(read[0]), plan


@pytest.mark.parametrize("sort", ["top", "hot", "new"])
def test_a_word_a_small_share_of_the_board_holds_is_listed_not_asked_about_per_idea(
    app, board_people, monkeypatch, sort
):
    """A word that more ideas than FEW_MATCHES hold but a small share of the board: asking
    the search index about each idea walked would ask 50 × board / matches times (5,000
    questions for a word 1,000 of 100,000 ideas hold); the list of its matches, tested
    against as the rank index is walked, costs less (QUESTION_COST weighs the two)."""
    monkeypatch.setattr(ideas, "FEW_MATCHES", 1)
    monkeypatch.setattr(ideas, "QUESTION_COST", 1)
    fill(app, 12, board_people)  # "1" is the start of 1, 10 and 11: 3 of 12 ideas
    client = JsonClient(app.test_client()).login(board_people[0].email)
    plan = page_plan(app, client, f"ideas?sort={sort}&q=1&limit=2")
    assert plan[0].startswith(f"SCAN ideas USING INDEX ix_ideas_rank_{sort}"), plan
    assert [step for step in plan if "LIST SUBQUERY" in step], plan
    assert ASKED_PER_IDEA not in plan, plan


@pytest.mark.parametrize("sort", ["top", "hot", "new"])
@pytest.mark.parametrize("filters", ["tag=blog&q=ide", "tag=blog&department={department}&q=ide"])
def test_a_tag_and_a_word_few_ideas_hold_look_up_the_words_matches(
    app, board_people, monkeypatch, sort, filters
):
    """A tag and a word that few ideas hold (SQLite): the page looks up the word's matches,
    keeps those of the tag and sorts them, whatever the board's size. The sorted matches
    were once correlated with the page's own ideas and asked again for each idea of the
    board: a walk of the whole rank index (1.9 ms at 1,000 ideas for 5 ideas)."""
    monkeypatch.setattr(ideas, "FEW_MATCHES", 500)
    monkeypatch.setattr(ideas, "QUESTION_COST", 10**9)
    fill(app, 12, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    department = board_people[0].department_id
    path = f"ideas?sort={sort}&{filters.format(department=department)}&limit=1"
    plan = page_plan(app, client, path)
    assert plan[0] == "SEARCH ideas USING INTEGER PRIMARY KEY (rowid=?)", plan
    assert not [step for step in plan if step.startswith(("SCAN ideas ", "CORRELATED LIST"))]
    assert [step for step in plan if step.startswith("SCAN ideas_fts")], plan


def seldom_together(app, people: list[User]) -> None:
    """20 ideas: "lantern" in 10 of them, the tag "rare" on 10 (2 with the word), "often" on
    the 10 with it; the lanterns of people[1] but for 2 of people[0]'s, who wrote the rest."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with app.extensions["board_db"].Session() as session:
        for number in range(20):
            lantern = number < 10
            author = people[1] if 2 <= number < 10 else people[0]
            at = start + timedelta(minutes=number)
            idea = Idea(
                title=f"{'lantern' if lantern else 'compass'} {number}",
                body="",
                author_id=author.id,
                created_at=at,
                updated_at=at,
            )
            tags = (["often"] if lantern else []) + (["rare"] if number < 2 or number >= 12 else [])
            idea.tag_rows = [IdeaTag(tag=tag) for tag in tags]
            session.add(idea)
        session.commit()
    with app.extensions["board_db"].engine.begin() as connection:
        tallies.recount_all(connection)


@pytest.mark.parametrize("sort", ["top", "hot", "new"])
@pytest.mark.parametrize(
    "filters, walked",
    [
        ("tag=rare", False),
        ("tag=often", True),
        ("department={seldom}", False),
        ("department={often}", True),
        ("tag=rare&department={seldom}", False),
    ],
)
def test_a_filter_and_a_word_that_seldom_meet_look_up_the_words_matches(
    app, board_people, monkeypatch, sort, filters, walked
):
    """A word many ideas hold, with a tag or a department whose ideas seldom hold it
    (SQLite): a walk of the tag's rank index (or the board's) would pass all of its ideas
    for a handful (a tag of 10,000 of 100,000 ideas and a word 5 of them hold: 10 ms; a
    department: 107 ms), so the page looks up the word's matches instead. The filter's share
    of the matches is estimated with the words' (search.spelled_out); where they often meet,
    the walk asks each idea's words as before. A page of 1 stands for the page of 50 here."""
    monkeypatch.setattr(ideas.paging, "DEFAULT_LIMIT", 1)
    seldom_together(app, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    departments = {"seldom": board_people[0].department_id, "often": board_people[1].department_id}
    plan = page_plan(
        app, client, f"ideas?sort={sort}&q=lantern&{filters.format(**departments)}&limit=1"
    )
    assert (ASKED_PER_IDEA in plan) == walked, plan
    assert bool([step for step in plan if step.startswith("SCAN ideas_fts")]) != walked, plan
    if not walked:  # neither the board's rank index nor the tag's
        assert not [step for step in plan if step.startswith(("SCAN ideas ", "SCAN idea_tags"))]
        # The search index lists those of the filters (its facets' column): no tag's entry
        # and no department's people are asked about each of the word's matches.
        assert not [step for step in plan if "ix_idea_tags_rank" in step], plan
        assert not [step for step in plan if "department_id" in step], plan


# How a walk asks one idea whether it holds a word (search.probe).
ASKED_PER_IDEA = "SEARCH idea_words USING PRIMARY KEY (idea_id=? AND word=?)"


def page_plan(app, client, path: str) -> list[str]:
    """SQLite's plan of the page statement of the request for `path` (which has a next page)."""
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT ideas.id") and "LIMIT" in statement:
            plans.append(sqlite_plan(cursor, statement, parameters))

    body = listened(app, explain, lambda: client.get(path)).get_json()
    assert body["items"] and body["next_cursor"]
    [plan] = plans
    return plan


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("filters", ["q=ide", "q=idea%20bod", "tag=blog&q=ide"])
def test_postgres_tests_each_walked_idea_against_its_stored_search_vector(
    app, board_people, filters
):
    """PostgreSQL walks the rank index through a broad search and tests each idea it
    passes against the idea's stored search vector (ideas.search_vector, written with the
    text). Computing the vector from the text for each idea walked (two languages'
    stemmers) cost 50 µs an idea: a word half the ideas hold took 5.5 ms per page at
    100,000 ideas, 0.24 ms with the stored vector."""
    fill(app, 12, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT ideas.id") and "LIMIT" in statement:
            cursor.execute(f"EXPLAIN (COSTS OFF) {statement}", parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    engine = app.extensions["board_db"].engine
    event.listen(engine, "before_cursor_execute", explain)
    try:
        assert client.get(f"ideas?{filters}&limit=2").get_json()["next_cursor"]
    finally:
        event.remove(engine, "before_cursor_execute", explain)
    [plan] = plans
    # With a tag the walk tests the vector by `@@`'s function (search.tested_condition).
    assert "search_vector @@" in plan or "ts_match_vq(search_vector" in plan, plan
    assert "to_tsvector" not in plan, plan


@BOTH_DATABASES
def test_the_board_page_reads_its_person_as_a_plain_row(app, board_people):
    """/ asks of its person no more than the login check's row (security.person_as_reader):
    no ORM person, and still their name and department as they are now in the menu."""
    fill(app, 3, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    for name, department in (("Anna Weber", "Department 0"), ("Anna Berg", "Department 3")):
        with app.extensions["board_db"].Session() as session:
            person = session.get(User, board_people[0].id)
            person.display_name = name
            person.department_id = session.scalar(
                select(Department.id).where(Department.name == department)
            )
            session.commit()
        for _load in range(2):
            with counted(app) as statements:
                html = client.client.get("/").get_data(as_text=True)
            assert f'<span class="user-name">{name}</span>' in html
            assert f'<span class="user-dept">{department}</span>' in html
            assert not [s for s in statements if "users.password_hash" in s], statements


@BOTH_DATABASES
def test_the_senders_ask_for_their_queues_rows_by_a_status_written_into_the_statement(settings):
    """The webhook and mail senders' rounds look for the few pending (and stale sending) rows
    of tables that keep every delivered one. psycopg prepares a statement on its sixth run,
    and PostgreSQL's generic plan for `status = $1` walks all 1,080,000 delivered webhook
    rows for the pending few (0.5 -> 117 ms; docs/performance.md, pgplans): the status they
    ask for is written into the statement, so every plan is made for it."""
    mailing = dataclasses.replace(
        settings, smtp_url="smtp://127.0.0.1:9", mail_from="board@example.com"
    )
    app = create_app({"TESTING": True}, settings=mailing)
    try:
        with counted(app) as statements:
            webhooks.deliver_due(app)
            mail.send_pending(app)
    finally:
        app.extensions["board_db"].dispose()
    queue = [s for s in statements if "next_attempt_at <=" in s or "claimed_at <" in s]
    assert len(queue) == 4, statements  # each sender: stale rows back, due rows
    for statement in queue:
        assert re.search(r"\.status = '(pending|sending)'", statement), statement


def sqlite_plans(app, client, path: str, asked) -> list[list[str]]:
    """SQLite's plans of the statements of the request for `path` that `asked` picks."""
    return plans_while(app, lambda: client.get(path), asked)


def plans_while(app, run, asked) -> list[list[str]]:
    """SQLite's plans of the statements `asked` picks among those `run()` makes; a response
    `run()` gives is a 200."""
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if asked(statement):
            plans.append(sqlite_plan(cursor, statement, parameters))

    listened(app, explain, run)
    return plans


def listened(app, listener, run):
    """`run()`, with `listener` told of every statement it makes (before it runs); a
    response `run()` gives is a 200."""
    engine = app.extensions["board_db"].engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert getattr(answer, "status_code", 200) == 200
    return answer


def test_a_persons_notifications_are_read_newest_first_from_their_own_index(app, board_people):
    """Newest first by id from ix_notifications_user_id_id: on PostgreSQL, with only
    (user_id, read_at), a person with few notifications had the primary key walked backwards
    through everyone's (45-65 ms at 205,000; docs/performance.md, scaleidx)."""
    client = JsonClient(app.test_client()).login(board_people[0].email)
    plans = sqlite_plans(
        app,
        client,
        "notifications",
        lambda s: "FROM notifications" in s and "ORDER BY notifications.id DESC" in s,
    )
    [plan] = plans
    assert any("INDEX ix_notifications_user_id_id (user_id=?)" in step for step in plan), plan
    assert not [step for step in plan if "TEMP B-TREE" in step], plan


def unread_questions(statement: str) -> bool:
    return "FROM notifications" in statement and "notifications.read_at IS NULL" in statement


def assert_read_from_the_unread_index(plans: list[list[str]]) -> None:
    """Each plan reads notifications from the unread index alone, in its order."""
    assert plans
    for plan in plans:
        reads = [step for step in plan if "notifications" in step]
        assert reads, plan
        for step in reads:
            assert "USING INDEX ix_notifications_user_id_unread" in step, plan
        assert not [step for step in plan if "TEMP B-TREE" in step], plan


def test_a_persons_unread_are_read_from_the_unread_index(app, settings, board_people):
    """The unread list and its count, every page's badges, marking all read and the mails
    read a person's unread from ix_notifications_user_id_unread, (user_id, id) of the unread
    alone: with (user_id, read_at), PostgreSQL walked the primary key backwards for a person
    with 50,000 notifications and one unread (124 ms; docs/performance.md, busyidx)."""
    person = board_people[0]
    with app.extensions["board_db"].Session() as session:
        session.get(User, person.id).email_notifications = "instant"
        for number in range(30):
            read = None if number in (3, 20) else datetime(2026, 3, 1, tzinfo=UTC)
            session.add(Notification(user_id=person.id, kind="comment", data={}, read_at=read))
        session.commit()
    client = JsonClient(app.test_client()).login(person.email)
    for path in ("notifications?unread=1", "notifications?unread=1&cursor=15"):
        plans = sqlite_plans(app, client, path, unread_questions)
        assert len(plans) == 2, plans  # the page, the count
        assert_read_from_the_unread_index(plans)
        assert "(user_id=? AND id<?)" in plans[0][0] or "cursor" not in path, plans
    badges = plans_while(app, lambda: client.client.get("/my-tasks"), unread_questions)
    assert_read_from_the_unread_index(badges)
    mailing = create_app(
        {"TESTING": True},
        settings=dataclasses.replace(
            settings, smtp_url="smtp://127.0.0.1:9", mail_from="board@example.com"
        ),
    )
    try:
        with mailing.app_context(), mailing.extensions["board_db"].Session() as session:
            mails = plans_while(
                mailing, lambda: mail.queue_instant_mails(session, mailing), unread_questions
            )
        assert len(mails) == 2, mails  # who has unread, then each one's
        assert_read_from_the_unread_index(mails)
    finally:
        mailing.extensions["board_db"].dispose()
    marked = plans_while(app, lambda: client.post("notifications/read", json={}), unread_questions)
    assert len(marked) == 2, marked  # the unread's ids, then the count left
    assert_read_from_the_unread_index(marked)


def is_feed_page(statement: str) -> bool:
    """The statement that reads a page of the feed."""
    return "FROM events" in statement and "ORDER BY events.seq DESC" in statement


@pytest.mark.parametrize("period", ["all", "30"])
def test_a_departments_feed_reads_its_own_events_newest_first(app, board_people, period):
    """A department's page of the feed walks (department_id, seq) back from the newest:
    SQLite sorted all of the department's events of the period (or walked the whole log
    back, with statistics), ~60 ms for a quiet department at 1,100,000 events."""
    fill(app, 3, board_people)
    with app.extensions["board_db"].Session() as session:
        department = session.scalar(select(Department.id).where(Department.name == "Department 2"))
    client = JsonClient(app.test_client()).login(board_people[0].email)
    [plan] = sqlite_plans(
        app,
        client,
        f"feed?department={department}&period={period}",
        is_feed_page,
    )
    assert plan == [
        "SEARCH events USING INDEX ix_events_department_id_seq (department_id=? AND seq<?)"
    ]


@pytest.mark.parametrize(
    ("query", "read"),
    [
        # every kind over all time: back along the log from the newest, no sort
        ("period=all", ["SEARCH events USING INTEGER PRIMARY KEY (rowid<?)"]),
        ("period=all&before=1000000", ["SEARCH events USING INTEGER PRIMARY KEY (rowid<?)"]),
        # a narrow kind from the type index: bounded by its own events, their seqs sorted
        (
            "period=all&kind=challenges",
            [
                "SEARCH events USING INTEGER PRIMARY KEY (rowid=?)",
                "LIST SUBQUERY 1",
                "SEARCH events USING COVERING INDEX ix_events_type_at (type=?)",
            ],
        ),
    ],
)
def test_the_feed_over_all_time_walks_the_log_back_without_sorting_it(
    app, board_people, query, read
):
    """Without statistics (the board runs no ANALYZE) SQLite read every event of the feed's
    types from the type index and sorted them all for a page of every kind over all time:
    255-655 ms at 300,000 events (docs/performance.md, busyidx)."""
    fill(app, 3, board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    [plan] = sqlite_plans(
        app,
        client,
        f"feed?{query}",
        is_feed_page,
    )
    assert plan[: len(read)] == read, plan
    assert ("kind" in query) == bool([step for step in plan if "TEMP B-TREE" in step]), plan


@pytest.mark.parametrize("query", ["period=7", "period=30", "period=90", "from=2026-02-01"])
def test_the_feed_of_a_period_walks_the_log_back_to_the_periods_first_event(
    app, board_people, query
):
    """Without statistics SQLite read every event of a period's feed from the type index
    and sorted them for its first page (30 days: 33-71 ms at 300,000 events, more with the
    board's history; docs/performance.md, busyidx). It walks the log back by seq, down to
    the period's first event by time, found in the index on `at`."""
    client = JsonClient(app.test_client()).login(board_people[0].email)
    for number in range(3):
        answer = client.post("ideas", json={"title": f"Idea {number}", "body": "Details"})
        assert answer.status_code == 201

    def feed_plans(path: str) -> list[list[str]]:
        return sqlite_plans(
            app,
            client,
            path,
            lambda s: (
                is_feed_page(s) or ("FROM events" in s and "events.at," in s) or is_feed_early(s)
            ),
        )

    first, walk, *earlier = feed_plans(f"feed?{query}")
    assert first == ["SEARCH events USING COVERING INDEX ix_events_at_seq (at>?)"], first
    assert walk == ["SEARCH events USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"], walk
    # The page had room left (three ideas): the seqs of the period's events numbered
    # before its first by time, from the index on (at, seq) alone; none, so no rows asked.
    assert earlier == [first], earlier
    # Live updates, after a seq of the period: the walk alone.
    newest = client.get(f"feed?{query}").get_json()["last_seq"]
    assert feed_plans(f"feed?{query}&after={newest - 1}") == [first, walk]


@pytest.mark.parametrize(
    "query",
    [
        "kind=tasks",
        "kind=comments&period=7",
        "kind=challenges&kind=tasks&period=all",
        "kind=tasks&from=2026-01-01&to=2026-01-31",
        "kind=tasks&before=3",
    ],
)
def test_a_narrow_kinds_page_sorts_seqs_from_the_type_index_then_reads_its_rows(
    app, board_people, query
):
    """SQLite finds a narrow kind's events of the period in the type index and sorted them
    as rows: every row of the kind in the period read, envelope and all, for a page (tasks
    or comments over 30 days at a million events a year: 50-100 ms; docs/performance.md,
    feedtype). It sorts their seqs, read from the index alone, and reads the page's rows by
    seq."""
    client = JsonClient(app.test_client()).login(board_people[0].email)
    post_three_ideas(client)
    [plan] = sqlite_plans(app, client, f"feed?{query}", is_feed_page)
    assert plan[:2] == ["SEARCH events USING INTEGER PRIMARY KEY (rowid=?)", "LIST SUBQUERY 1"]
    [sorted_from] = [step for step in plan if "ix_events_type_at" in step]
    assert sorted_from.startswith("SEARCH events USING COVERING INDEX ix_events_type_at"), plan
    assert plan[-1] == "USE TEMP B-TREE FOR ORDER BY", plan  # the subquery's: seqs alone


PAST_PERIODS = [
    "from=2026-01-01&to=2026-01-31",
    "to=2026-01-31",
    "from=2026-01-01&to=2026-01-31&before=1",
]


def post_three_ideas(client) -> None:
    for number in range(3):
        answer = client.post("ideas", json={"title": f"Idea {number}", "body": "Details"})
        assert answer.status_code == 201


def is_feed_period_edge(statement: str) -> bool:
    """A statement that finds a period's edge by time for the feed's page, or the events
    recorded before its end and numbered after the first event at or after it."""
    return statement.startswith("SELECT events.seq \nFROM events") and (
        "ORDER BY events.at, events.seq" in statement or "events.seq >" in statement
    )


def is_feed_early(statement: str) -> bool:
    """The statement that finds the events of a period numbered before its first event by
    time, for the feed's page."""
    return (
        statement.startswith("SELECT events.seq \nFROM events")
        and "events.seq <" in statement
        and "ORDER BY" not in statement
    )


@BOTH_DATABASES
@pytest.mark.parametrize(
    "query",
    [
        "from=2026-01-01&to=2026-01-31",
        "kind=ideas&from=2026-01-01&to=2026-01-31",
        "from=2026-01-01&to=2026-01-31&before=1000000",
        "period=7",
    ],
)
def test_a_periods_events_numbered_before_its_first_are_found_from_the_time_index_alone(
    app, board_people, query
):
    """A page of a period with room left asks for the events recorded in the period and
    numbered before its first event by time. Asked as the page's rows (`seq < first`,
    newest first), PostgreSQL walked its primary key back from that seq to the log's start
    for them (240 ms at a million events; docs/performance.md, feedtype): their seqs come
    from the index on (at, seq) alone, as the late ones' do, and only theirs are read."""
    client = JsonClient(app.test_client()).login(board_people[0].email)
    post_three_ideas(client)
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if not is_feed_early(statement):
            return
        if conn.dialect.name == "sqlite":
            plans.append(sqlite_plan(cursor, statement, parameters))
        else:
            rows = explained_without_seqscan(cursor, "COSTS OFF", statement, parameters)
            plans.append([row[0].strip() for row in rows])

    listened(app, explain, lambda: client.get(f"feed?{query}"))
    dialect = app.extensions["board_db"].engine.dialect.name
    if (dialect == "postgresql" and "period=" in query) or (
        dialect == "sqlite" and "kind=" in query
    ):
        # No edges: PostgreSQL's period up to today and SQLite's narrow kind are read by
        # seq from the newest, and from the type index, the period's bounds in the query.
        assert plans == [], plans
        return
    [plan] = plans
    if app.extensions["board_db"].engine.dialect.name == "sqlite":
        assert plan[0].startswith("SEARCH events USING COVERING INDEX ix_events_at_seq (at>?"), plan
    else:
        assert plan[0].startswith("Index Only Scan using ix_events_at_seq on events"), plan


@pytest.mark.parametrize("query", PAST_PERIODS)
def test_the_feed_of_a_period_that_ended_walks_the_log_back_between_its_edges(
    app, board_people, query
):
    """Without statistics SQLite read every event of a period that ended before today from
    the type index and sorted them (30 days: 17-22 ms at 300,000 events, 90 days 51-79;
    docs/performance.md, feedrange). It walks the log back by seq between the period's
    first event by time and the first at or after its end, both found in the index on
    (at, seq), and reads the events recorded before the end but numbered after that one
    from that index alone: no sort."""
    client = JsonClient(app.test_client()).login(board_people[0].email)
    post_three_ideas(client)
    plans = sqlite_plans(
        app, client, f"feed?{query}", lambda s: is_feed_page(s) or is_feed_period_edge(s)
    )
    edges = 2 if "from=" in query else 1
    assert plans[:edges] == [["SEARCH events USING COVERING INDEX ix_events_at_seq (at>?)"]] * (
        edges
    ), plans
    # The page has room left (three ideas, after the period): with a start, the seqs of the
    # events numbered before its first by time follow (is_feed_early), none here.
    if "before=" in query:  # an older page, before the first event after the end: none late
        [walk] = plans[edges:]
    else:
        late, walk = plans[edges:]
        [step] = late
        assert step.startswith("SEARCH events USING COVERING INDEX ix_events_at_seq (at"), late
    assert walk == ["SEARCH events USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"], walk


@pytest.mark.parametrize(
    ("database_url", "query"),
    [
        *[("sqlite", query) for query in PAST_PERIODS],
        *[
            pytest.param("postgres", query, marks=pytest.mark.postgres)
            # PostgreSQL: a narrow kind too (SQLite reads it from the type index)
            for query in (*PAST_PERIODS, "kind=ideas&from=2026-01-01&to=2026-01-31")
        ],
    ],
    indirect=["database_url"],
)
def test_the_feed_of_a_period_that_ended_reads_no_event_numbered_after_its_edge(
    app, board_people, query
):
    """PostgreSQL walked its primary key back from the newest event to a period that ended
    before today, past every event since (35 ms for a period ending 180 days ago at
    300,000 events), and SQLite read the period from the type index: on both, the page's
    walk now stops at the first event at or after the period's end, and what was recorded
    before the end and numbered after it is asked for by its seq."""
    client = JsonClient(app.test_client()).login(board_people[0].email)
    post_three_ideas(client)
    with counted(app) as statements:
        assert client.get(f"feed?{query}").status_code == 200
    edges = [s for s in statements if is_feed_period_edge(s)]
    walk, *_earlier = [s for s in statements if is_feed_page(s)]
    late = 0 if "before=" in query else 1  # an older page, before the end's first: none
    assert len(edges) == (2 if "from=" in query else 1) + late, statements
    assert "events.seq >=" in walk and "events.seq <" in walk, walk


def test_the_observers_digest_counts_the_periods_events_from_the_time_index(app, board_people):
    """The digest's counts for an observer, by type: SQLite read the whole type index for
    its order (GROUP BY type), 70-190 ms at a million events for a day's digest
    (docs/performance.md, feedtype); the period's events come from the index on `at`."""
    post_three_ideas(JsonClient(app.test_client()).login(board_people[0].email))
    with app.extensions["board_db"].Session() as session:
        since = clock.now() - timedelta(days=1)
        summary = {}

        def summed():
            summary.update(mail._observer_summary(session, since))

        [plan] = plans_while(app, summed, lambda s: "FROM events" in s and "GROUP BY" in s)
    assert summary["ideas"] == 3, summary
    assert plan[0] == "SEARCH events USING INDEX ix_events_at_seq (at>?)", plan


def test_the_export_reads_the_persons_own_events_from_an_index(app, board_people):
    client = JsonClient(app.test_client()).login(board_people[0].email)
    [plan] = sqlite_plans(
        app, client, "me/export", lambda s: "FROM events" in s and "events.actor_id =" in s
    )
    assert any("INDEX ix_events_actor_id (actor_id=?)" in step for step in plan), plan
    assert not [step for step in plan if step.startswith("SCAN events")], plan


# Tables the board deletes rows from (the retention, an erasure, removing a webhook).
DELETED_FROM = {"events", "nudges", "webhooks", "notifications", "outgoing_mail", "images"}


def test_every_key_to_a_table_the_board_deletes_from_is_indexed():
    """Deleting a row has the database look for the rows whose foreign key names it (and
    a cascade deletes them): without an index on the key, each deleted row reads the whole
    referring table (200 private events: 19 s at 1,080,000 webhook deliveries)."""
    unindexed = []
    for table in Base.metadata.tables.values():
        leading = {index.columns[0].name for index in table.indexes}
        leading.add(table.primary_key.columns[0].name)
        for key in table.foreign_keys:
            if key.column.table.name in DELETED_FROM and key.parent.name not in leading:
                unindexed.append(f"{table.name}.{key.parent.name}")
    assert unindexed == []


# The tables whose rows grow with the board's history, as the help report reads them.
HISTORY = ("ideas", "votes", "comments", "tasks", "publications")
READS_HISTORY = re.compile(rf"\bFROM ({'|'.join(HISTORY)})\b")


def sqlite_plan(cursor, statement: str, parameters) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN of `statement`, a line a step, on the cursor's connection
    (from a before_cursor_execute listener: the statement as it is about to run)."""
    return [
        row[3] for row in cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
    ]


def explained_without_seqscan(cursor, options: str, statement: str, parameters) -> list:
    """PostgreSQL's EXPLAIN (`options`) rows of `statement` with sequential scans refused:
    a test's tables are too small for the planner to choose an index of its own accord."""
    cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute(f"EXPLAIN ({options}) {statement}", parameters)
    rows = cursor.fetchall()
    cursor.execute("SET LOCAL enable_seqscan = on")
    return rows


def plans_of(app, run, asked) -> list[str]:
    """The plans of the statements that `asked(statement)` picks while `run()` runs:
    SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN ANALYZE with sequential scans refused
    (a test's tables are too small for the planner to choose an index of its own accord)."""
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if not asked(statement):
            return
        if conn.dialect.name == "sqlite":
            plans.append("\n".join(sqlite_plan(cursor, statement, parameters)))
        else:
            options = "ANALYZE, COSTS OFF, TIMING OFF"
            rows = explained_without_seqscan(cursor, options, statement, parameters)
            plans.append("\n".join(row[0] for row in rows))

    listened(app, explain, run)
    return plans


def counts_or_latest(statement: str) -> bool:
    """The help report's counts (GROUP BY) and last-active times (max), not whose name two
    people share (person_json, grouped by name) or the menu's newest event."""
    return ("GROUP BY" in statement or "max(" in statement) and bool(
        READS_HISTORY.search(statement)
    )


def report_plans(app, run, asked=counts_or_latest) -> list[tuple[str, list[str]]]:
    """(statement, plan) of the help report's statements `asked` picks: SQLite's EXPLAIN
    QUERY PLAN; for PostgreSQL, each node that reads a table of HISTORY ("<kind> on
    <table>: <its condition>"), with sequential scans refused."""
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if not asked(statement):
            return
        if conn.dialect.name == "sqlite":
            plans.append((statement, sqlite_plan(cursor, statement, parameters)))
            return
        [[document]] = explained_without_seqscan(cursor, "FORMAT JSON", statement, parameters)
        nodes, reads = [document[0]["Plan"]], []
        while nodes:
            node = nodes.pop()
            nodes += node.get("Plans", [])
            if node.get("Relation Name") in HISTORY:
                condition = node.get("Index Cond") or node.get("Recheck Cond") or "none"
                reads.append(f"{node['Node Type']} on {node['Relation Name']}: {condition}")
        plans.append((statement, reads))

    listened(app, explain, run)
    return plans


@BOTH_DATABASES
@pytest.mark.parametrize("path", ["/api/v1/insights", "/help"])
def test_the_help_report_reads_its_weeks_and_each_persons_latest_work_by_index(
    app, board_people, path
):
    """The report counts each person's ideas, votes, comments, finished tasks and
    publications of its weeks from an index on the time, and finds when each person last
    posted, commented or worked on a task by one seek a person in an index on (person,
    time). Before, it read every comment, finished task and publication the board ever
    had, and grouped every idea, comment and task by person (docs/performance.md,
    helpscale)."""
    facilitator = make_user(app, "fay", "facilitator")
    fill(app, 6, board_people)
    client = JsonClient(app.test_client()).login(facilitator.email)
    plans = report_plans(app, lambda: client.client.get(path))
    assert len(plans) == 6, plans  # five counts, one statement of the last-active times
    if app.extensions["board_db"].engine.dialect.name == "sqlite":
        for statement, plan in plans:
            whole = [step for step in plan if step.split()[:2] in (["SCAN", t] for t in HISTORY)]
            assert not whole, (statement, plan)
        latest = [plan for statement, plan in plans if "max(" in statement]
        assert latest and all(
            f"SEARCH {table} USING COVERING INDEX ix_{table}_{index} ({person}=?)" in latest[0]
            for table, index, person in [
                ("ideas", "author_id_created_at", "author_id"),
                ("comments", "author_id_created_at", "author_id"),
                ("tasks", "created_by_id_created_at", "created_by_id"),
                ("tasks", "claimed_by_id_claimed_at", "claimed_by_id"),
                ("tasks", "claimed_by_id_completed_at", "claimed_by_id"),
            ]
        ), plans
    else:
        for statement, reads in plans:
            assert reads and not [read for read in reads if read.endswith(": none")], (
                statement,
                reads,
            )


@BOTH_DATABASES
@pytest.mark.parametrize("path", ["/api/v1/insights", "/help"])
def test_the_help_report_asks_everyones_last_activity_in_one_statement(app, board_people, path):
    """When each person last posted, commented, created, claimed or finished a task: one
    statement for everyone, where the report asked each of the five on its own."""
    facilitator = make_user(app, "fay", "facilitator")
    fill(app, 6, board_people)
    client = JsonClient(app.test_client()).login(facilitator.email)
    with counted(app) as statements:
        assert client.client.get(path).status_code == 200
    asked = [s for s in statements if s not in ("BEGIN", "COMMIT")]
    latest = [s for s in asked if "max(" in s and re.search(r"FROM (ideas|comments|tasks)\b", s)]
    assert len(latest) == 1, latest
    assert len(asked) == {"/api/v1/insights": 13, "/help": 15}[path], asked


@BOTH_DATABASES
def test_the_help_reports_quiet_ideas_are_read_among_the_ideas_without_votes(app, board_people):
    """Ideas nobody voted on, commented or made a task of are looked for among those whose
    stored tally says no vote (ix_ideas_rank_top leads with it), not by asking every idea
    older than the cutoff: that read the board's history (docs/performance.md, helpscale)."""
    facilitator = make_user(app, "fay", "facilitator")
    fill(app, 6, board_people)  # every idea has a vote
    quiet_ideas_in_challenges(app, board_people, 4)
    client = JsonClient(app.test_client()).login(facilitator.email)
    body = {}

    def run():
        answer = client.client.get("/api/v1/insights")
        body.update(answer.get_json())
        return answer

    [(statement, plan)] = report_plans(app, run, lambda statement: "NOT (EXISTS" in statement)
    quiet = [row["idea"]["title"] for row in body["quiet_ideas"]]
    assert quiet == ["quiet idea 1", "quiet idea 3"]  # the others hide their tallies
    if app.extensions["board_db"].engine.dialect.name == "sqlite":
        ideas_read = [step for step in plan if step.startswith(("SCAN ideas", "SEARCH ideas"))]
        assert ideas_read == ["SEARCH ideas USING INDEX ix_ideas_rank_top (vote_count=?)"], plan
    else:
        ideas_read = [read for read in plan if " on ideas:" in read]
        assert ideas_read and all("vote_count = 0" in read for read in ideas_read), plan


@BOTH_DATABASES
def test_tasks_of_one_status_are_read_from_an_index_that_starts_with_it(app, board_people):
    """The mail digest's free tasks, the lease check and the count of one's own claimed
    tasks ask for tasks of one status: with no index on the status alone (migration 0030)
    each reads one of the wider indexes that start with it, not the table, and the
    digest's newest open tasks come from ix_tasks_status_newest in order (ordered by id,
    SQLite read and sorted every open task)."""
    fill(app, 12, board_people)
    now = datetime(2026, 3, 2, tzinfo=UTC)

    def run():
        with app.app_context(), app.extensions["board_db"].Session() as session:
            person = session.get(User, board_people[0].id)
            mail.free_tasks(session, person)
            leases.check_leases(session, now, 3650)  # none expires: the reads alone
            tasks.count_tasks(session, person, "claimed", mine=True)

    plans = report_plans(app, run, lambda statement: "tasks.status =" in statement)
    assert len(plans) == 5, plans  # free: help wanted, open; leases: expired, expiring; count
    if app.extensions["board_db"].engine.dialect.name == "postgresql":
        for statement, reads in plans:
            assert reads and all("status" in read for read in reads), (statement, reads)
        return
    for statement, plan in plans:
        read = r"SEARCH tasks USING (COVERING )?INDEX ix_tasks_status_"
        assert any(re.match(read, step) for step in plan), (statement, plan)
        assert not [step for step in plan if step.startswith("SCAN tasks")], (statement, plan)
    [newest] = [p for s, p in plans if "ORDER BY tasks.created_at DESC" in s]
    assert newest[0].startswith("SEARCH tasks USING INDEX ix_tasks_status_newest (status=?)")
    assert not [step for step in newest if "TEMP B-TREE" in step], newest


def add_prompts(app, count: int, authors: list[User], people: list[User]) -> None:
    """`count` prompts by turns of `authors`, each with an idea from one of `people`."""
    with app.extensions["board_db"].Session() as session:
        for number in range(count):
            prompt = Prompt(
                kind="prompt",
                title=f"prompt {number}",
                body="",
                author_id=authors[number % len(authors)].id,
            )
            session.add(prompt)
            session.flush()
            session.add(
                Idea(
                    title=f"answer {number}",
                    body="",
                    author_id=people[number % len(people)].id,
                    prompt_id=prompt.id,
                )
            )
        session.commit()


def assert_ideas_not_counted(statements: list[str]) -> None:
    """No statement counts ideas by their prompt (what a page did before each prompt stored
    its number of ideas: it read every idea a prompt ever had)."""
    counting = re.compile(r"count\((ideas\.id|\*)\)[^()]*FROM ideas[^()]*prompt_id", re.S)
    assert not [s for s in statements if counting.search(s)]


@BOTH_DATABASES
def test_the_prompt_list_reads_its_idea_counts_stored_whatever_its_length(app, board_people):
    """The prompts page shows each prompt's number of ideas: stored with each prompt (no
    statement counts ideas), and the page costs the same with 2 prompts as with 40 by 4
    authors."""
    authors = [make_user(app, f"fay{n}", "facilitator") for n in range(4)]
    add_prompts(app, 2, authors[:1], board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    with counted(app) as few:
        html = client.client.get("/prompts").get_data(as_text=True)
    assert html.count('data-count="1">1 idea</span>') == 2
    add_prompts(app, 38, authors, board_people)
    with counted(app) as many:
        html = client.client.get("/prompts").get_data(as_text=True)
    assert html.count('data-count="1">1 idea</span>') == 40
    assert len(many) == len(few), (few, many)
    assert_ideas_not_counted(many)


@BOTH_DATABASES
def test_the_boards_strip_reads_its_prompts_idea_counts_in_the_prompts_own_statement(
    app, board_people
):
    """The strip says how many ideas each of its prompts has: stored with each prompt and
    read in the statement that reads the prompts, so the board page costs the same with 1
    prompt as with 4 (its fixed number of statements does not grow by one), and no
    statement counts a prompt's ideas."""
    authors = [make_user(app, f"fay{n}", "facilitator") for n in range(4)]
    add_prompts(app, 1, authors[:1], board_people)
    client = JsonClient(app.test_client()).login(board_people[0].email)
    with counted(app) as few:
        html = client.client.get("/").get_data(as_text=True)
    assert html.count('data-count="1">1 idea</span>') == 1
    add_prompts(app, 3, authors, board_people)
    with counted(app) as many:
        html = client.client.get("/").get_data(as_text=True)
    assert html.count('data-count="1">1 idea</span>') == 4
    asked = [s for s in many if s.strip() != "BEGIN"]
    assert len(asked) == len([s for s in few if s.strip() != "BEGIN"]), (few, many)
    assert len(asked) <= BOARD_PAGE_STATEMENTS, asked
    assert_ideas_not_counted(many)
    [strip] = [s for s in many if "prompts.idea_count" in s]
    assert "FROM prompts" in strip and "ideas" not in strip.replace("idea_count", ""), strip
