"""Tallies and HTML are stored with the idea, kept by the write that changes them, and
never drift from what the votes and texts say; search uses the database's full-text index."""

from __future__ import annotations

import math

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from board import tallies
from models import Idea
from tests.conftest import BOTH_DATABASES, alembic_config
from tests.test_concurrency import THREADS, at_once, people


def assert_stored_equals_recount(app) -> None:
    with app.extensions["board_db"].engine.connect() as connection:
        stored, recounted = tallies.stored(connection), tallies.recounted(connection)
    assert stored.keys() == recounted.keys()
    for idea_id, want in recounted.items():
        got = stored[idea_id]
        assert (got.vote_count, got.departments_supporting) == (
            want.vote_count,
            want.departments_supporting,
        ), idea_id
        assert (got.vote_heat is None) == (want.vote_heat is None), idea_id
        if want.vote_heat is not None:
            assert math.isclose(got.vote_heat, want.vote_heat, rel_tol=1e-9), idea_id
        assert math.isclose(got.hot_score, want.hot_score, rel_tol=1e-9), idea_id
    assert_tags_carry_their_ideas_rank_keys(app)


def assert_tags_carry_their_ideas_rank_keys(app) -> None:
    """A tag's page walks the tag's own copy of its idea's rank keys and author: they are its
    idea's."""
    keys = ("vote_count", "departments_supporting", "hot_score", "created_at", "author_id")
    differing = " OR ".join(f"idea_tags.{key} IS DISTINCT FROM ideas.{key}" for key in keys)
    with app.extensions["board_db"].engine.connect() as connection:
        statement = "SELECT count(*) FROM idea_tags JOIN ideas ON ideas.id = idea_tags.idea_id"
        assert connection.exec_driver_sql(f"{statement} WHERE {differing}").scalar() == 0


@BOTH_DATABASES
def test_tallies_match_a_recount_after_concurrent_votes_and_unvotes(app, member):
    first = member.post("ideas", json={"title": "Reel", "body": "", "tags": ["video"]}).get_json()
    second = member.post("ideas", json={"title": "Poster", "body": "", "tags": ["a", "b"]})
    second = second.get_json()
    crowd = people(app, THREADS)
    for client in crowd[: THREADS // 2]:
        assert client.put(f"ideas/{first['id']}/vote").status_code == 200
    calls = []
    for number, client in enumerate(crowd):
        if number < THREADS // 2:
            calls.append(lambda c=client: c.delete(f"ideas/{first['id']}/vote").status_code)
        else:
            calls.append(lambda c=client: c.put(f"ideas/{first['id']}/vote").status_code)
        calls.append(lambda c=client: c.put(f"ideas/{second['id']}/vote").status_code)
    assert set(at_once(calls)) == {200}
    assert_stored_equals_recount(app)
    shown = {i["id"]: i for i in member.get("ideas").get_json()["items"]}
    assert (shown[first["id"]]["votes"], shown[first["id"]]["departments_supporting"]) == (8, 4)
    assert (shown[second["id"]]["votes"], shown[second["id"]]["departments_supporting"]) == (16, 4)


@BOTH_DATABASES
def test_the_last_vote_of_a_department_leaving_lowers_its_support(app, member):
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    crowd = people(app, 5)  # departments 0, 1, 2, 3, 0
    for client in crowd:
        client.put(f"ideas/{idea['id']}/vote")
    crowd[4].delete(f"ideas/{idea['id']}/vote")
    shown = member.get(f"ideas/{idea['id']}").get_json()
    assert (shown["votes"], shown["departments_supporting"]) == (4, 4)
    crowd[3].delete(f"ideas/{idea['id']}/vote")
    shown = member.get(f"ideas/{idea['id']}").get_json()
    assert (shown["votes"], shown["departments_supporting"]) == (3, 3)
    assert_stored_equals_recount(app)


@BOTH_DATABASES
def test_tags_carry_their_ideas_author_whoever_writes_them(app, member, other_member):
    """A department and a tag ask the tag's copy of its idea's author: written with a tag
    by the board (new idea, edited tags) and behind it (plain SQL: a tag, an author)."""
    first = member.post("ideas", json={"title": "Reel", "body": "", "tags": ["video"]})
    first = first.get_json()
    second = other_member.post("ideas", json={"title": "Poster", "body": "", "tags": ["print"]})
    second = second.get_json()
    member.patch(f"ideas/{first['id']}", json={"tags": ["video", "fair"]})
    other_member.put(f"ideas/{first['id']}/vote")
    engine = app.extensions["board_db"].engine
    authors = "SELECT tag, author_id FROM idea_tags WHERE idea_id = :idea ORDER BY tag"
    with engine.connect() as connection:
        tagged = connection.execute(text(authors), {"idea": first["id"]}).all()
    assert [tuple(row) for row in tagged] == [
        ("fair", member.user["id"]),
        ("video", member.user["id"]),
    ]
    assert_tags_carry_their_ideas_rank_keys(app)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO idea_tags (idea_id, tag) VALUES (:idea, 'video')"),
            {"idea": second["id"]},
        )
    assert_tags_carry_their_ideas_rank_keys(app)
    with engine.begin() as connection:  # the board never does; whoever does moves the copies
        connection.execute(
            text("UPDATE ideas SET author_id = :author WHERE id = :idea"),
            {"author": member.user["id"], "idea": second["id"]},
        )
    assert_tags_carry_their_ideas_rank_keys(app)
    marketing = member.user["department"]["id"]
    page = member.get(f"ideas?department={marketing}&tag=video").get_json()
    assert [idea["title"] for idea in page["items"]] == ["Reel", "Poster"]


def test_markdown_is_stored_rendered_and_sanitized(app, member, db):
    idea = member.post(
        "ideas", json={"title": "Reel", "body": "**bold** <script>alert(1)</script>"}
    ).get_json()
    comment = member.post(f"ideas/{idea['id']}/comments", json={"body": "_yes_"}).get_json()
    stored = db.scalar(select(Idea.body_html).where(Idea.id == idea["id"]))
    db.rollback()
    assert "<strong>bold</strong>" in stored and "<script>" not in stored
    assert idea["body_html"] == stored
    assert "<em>yes</em>" in comment["body_html"]
    member.patch(f"ideas/{idea['id']}", json={"body": "now _plain_"})
    assert "<em>plain</em>" in member.get(f"ideas/{idea['id']}").get_json()["body_html"]


def test_render_markdown_command_renders_every_text_again(app, member, db, monkeypatch):
    idea = member.post("ideas", json={"title": "Reel", "body": "**bold**"}).get_json()
    member.post(f"ideas/{idea['id']}/comments", json={"body": "**sure**"})
    monkeypatch.setattr(tallies, "render_markdown", lambda source, _handles: f"<p>v2 {source}</p>")
    result = app.test_cli_runner().invoke(args=["render-markdown"])
    assert result.exit_code == 0, result.output
    assert "Rendered 2 texts." in result.output
    assert member.get(f"ideas/{idea['id']}").get_json()["body_html"] == "<p>v2 **bold**</p>"
    comments = member.get(f"ideas/{idea['id']}/comments").get_json()
    assert [c["body_html"] for c in comments] == ["<p>v2 **sure**</p>"]


def test_render_markdown_command_keeps_mentions_as_links(app, member, other_member, db):
    body = "Ask @ivan, not @nobody-here"
    idea = member.post("ideas", json={"title": "Reel", "body": body}).get_json()
    member.post(f"ideas/{idea['id']}/comments", json={"body": "@ivan **sure**"})
    before = member.get(f"ideas/{idea['id']}").get_json()["body_html"]
    assert 'href="/people/ivan"' in before
    db.execute(text("UPDATE ideas SET body_html = ''"))
    db.execute(text("UPDATE comments SET body_html = ''"))
    db.commit()
    result = app.test_cli_runner().invoke(args=["render-markdown"])
    assert result.exit_code == 0, result.output
    after = member.get(f"ideas/{idea['id']}").get_json()["body_html"]
    assert after == before
    assert "/people/nobody-here" not in after  # an unknown handle stays plain text
    [comment] = member.get(f"ideas/{idea['id']}/comments").get_json()
    assert 'href="/people/ivan"' in comment["body_html"]
    assert "<strong>sure</strong>" in comment["body_html"]


def test_recount_command_repairs_tallies_written_behind_the_board(app, member, other_member, db):
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    other_member.put(f"ideas/{idea['id']}/vote")
    db.execute(text("UPDATE ideas SET vote_count = 99, departments_supporting = 7"))
    db.commit()
    result = app.test_cli_runner().invoke(args=["recount-tallies"])
    assert result.exit_code == 0, result.output
    shown = member.get(f"ideas/{idea['id']}").get_json()
    assert (shown["votes"], shown["departments_supporting"]) == (1, 1)


def test_the_migration_backfills_tallies_html_and_search(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0004_ended_sessions")
    engine = create_engine(url)
    at = "2026-03-02 09:00:00.000000"
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO departments (id, name) VALUES (1, 'IT'), (2, 'HR')"))
        for user_id, department in ((1, 1), (2, 1), (3, 2)):
            connection.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, display_name, role,"
                    " department_id, session_version, active, created_at) VALUES"
                    " (:id, :email, 'x', 'P', 'member', :department, 1, 1, :at)"
                ),
                {
                    "id": user_id,
                    "email": f"p{user_id}@example.com",
                    "department": department,
                    "at": at,
                },
            )
        connection.execute(
            text(
                "INSERT INTO ideas (id, title, body, author_id, created_at, updated_at)"
                " VALUES (1, 'Customer stories', '**Kunden** erzählen', 1, :at, :at)"
            ),
            {"at": at},
        )
        connection.execute(text("INSERT INTO idea_tags (idea_id, tag) VALUES (1, 'video')"))
        for user_id in (1, 2, 3):
            connection.execute(
                text("INSERT INTO votes (idea_id, user_id, created_at) VALUES (1, :u, :at)"),
                {"u": user_id, "at": at},
            )
        connection.execute(
            text(
                "INSERT INTO comments (idea_id, author_id, body, is_mentor_note, created_at)"
                " VALUES (1, 2, '_nice_', 0, :at)"
            ),
            {"at": at},
        )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT vote_count, departments_supporting, body_html FROM ideas")
        ).one()
        assert row[:2] == (3, 2)
        tagged = "SELECT vote_count, departments_supporting, created_at FROM idea_tags"
        assert tuple(connection.execute(text(tagged)).one()) == (3, 2, at)  # 0016 copied them
        assert "<strong>Kunden</strong>" in row[2]
        assert "<em>nice</em>" in connection.scalar(text("SELECT body_html FROM comments"))
        assert (
            connection.scalar(text("SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH 'kunden'"))
            == 1
        )
    engine.dispose()


# ---- search ----------------------------------------------------------------------------


def titles(client, query: str) -> list[str]:
    response = client.get("ideas" + query)
    assert response.status_code == 200, response.get_json()
    return sorted(idea["title"] for idea in response.get_json()["items"])


@BOTH_DATABASES
def test_search_finds_words_not_substrings(member):
    member.post("ideas", json={"title": "Trade fair reel", "body": "clips from the booth"})
    member.post("ideas", json={"title": "Newsletter", "body": "Wir zeigen Kundenstimmen"})
    member.post("ideas", json={"title": "Boothbay trip", "body": ""})
    assert titles(member, "?q=booth") == ["Boothbay trip", "Trade fair reel"]  # typing: a prefix
    assert titles(member, "?q=booth%20") == ["Trade fair reel"]  # a finished word
    assert titles(member, "?q=reel clips") == ["Trade fair reel"]
    assert titles(member, "?q=eel") == []  # not a substring search
    assert titles(member, "?q=kundenstimmen") == ["Newsletter"]
    assert titles(member, "?q=%22%29%28*") == []  # the search syntax itself is not exposed


@BOTH_DATABASES
def test_search_follows_edits(member):
    idea = member.post("ideas", json={"title": "Podcast", "body": "audio"}).get_json()
    member.patch(f"ideas/{idea['id']}", json={"title": "Video series", "body": "moving images"})
    assert titles(member, "?q=podcast") == []
    assert titles(member, "?q=images") == ["Video series"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_search_knows_german_and_english_word_forms(member):
    member.post("ideas", json={"title": "Kundengeschichten", "body": "Die Kunden erzählen"})
    member.post("ideas", json={"title": "Running shoes", "body": "the runners tested them"})
    assert titles(member, "?q=Kunde%20") == ["Kundengeschichten"]  # German stem
    assert titles(member, "?q=runner%20") == ["Running shoes"]  # English stem


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_search_goes_through_fts5(app, member, db):
    member.post("ideas", json={"title": "Reel", "body": ""})
    assert db.scalar(text("SELECT count(*) FROM ideas_fts WHERE ideas_fts MATCH 'reel'")) == 1
    db.rollback()


def prompt_counts(app) -> tuple[dict[int, int], dict[int, int]]:
    """(each prompt's stored number of ideas, the same counted from the ideas)."""
    with app.extensions["board_db"].engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, idea_count FROM prompts")).all())
        counted = dict.fromkeys(stored, 0)
        counted |= dict(
            connection.execute(
                text(
                    "SELECT prompt_id, count(*) FROM ideas WHERE prompt_id IS NOT NULL"
                    " AND withdrawn_at IS NULL GROUP BY prompt_id"
                )
            ).all()
        )
    return stored, counted


@BOTH_DATABASES
def test_each_prompt_keeps_its_number_of_ideas_whoever_writes(app, facilitator, member, db):
    """The database keeps prompts.idea_count in the statement that writes an idea: a post,
    a withdrawal, and plain SQL (a move, a withdrawal taken back, a delete) alike."""
    first = facilitator.post("prompts", json={"kind": "prompt", "title": "Booth"}).get_json()
    second = facilitator.post("prompts", json={"kind": "prompt", "title": "Voices"}).get_json()
    posted = [
        member.post("ideas", json={"title": f"Idea {n}", "body": "", "prompt_id": prompt["id"]})
        for n, prompt in enumerate([first, first, first, second])
    ]
    member.post("ideas", json={"title": "Free", "body": ""})
    a, b, c, _d = (response.get_json()["id"] for response in posted)
    assert member.post(f"ideas/{a}/withdraw").status_code == 200
    stored, counted = prompt_counts(app)
    assert stored == counted == {first["id"]: 2, second["id"]: 1}
    for statement in (
        f"UPDATE ideas SET prompt_id = {second['id']} WHERE id = {b}",  # moved
        f"UPDATE ideas SET withdrawn_at = NULL WHERE id = {a}",  # taken back
        f"UPDATE ideas SET prompt_id = NULL WHERE id = {c}",  # no longer answers a prompt
        f"UPDATE ideas SET title = 'Renamed' WHERE id = {a}",  # nothing to count
    ):
        db.execute(text(statement))
        db.commit()
        stored, counted = prompt_counts(app)
        assert stored == counted, statement
    author = member.user["id"]
    db.execute(  # an import past the board
        text(
            "INSERT INTO ideas (id, title, body, author_id, created_at, updated_at, prompt_id)"
            f" VALUES (900, 'Imported', '', {author}, '2026-03-02 09:00:00',"
            f" '2026-03-02 09:00:00', {first['id']})"
        )
    )
    db.commit()
    assert prompt_counts(app)[0] == {first["id"]: 2, second["id"]: 2}
    db.execute(text("DELETE FROM ideas WHERE id = 900"))
    db.commit()
    stored, counted = prompt_counts(app)
    assert stored == counted == {first["id"]: 1, second["id"]: 2}


@BOTH_DATABASES
def test_each_prompt_counts_ideas_posted_at_the_same_moment(app, facilitator, db):
    challenge = facilitator.post("prompts", json={"kind": "prompt", "title": "Booth"}).get_json()
    crowd = people(app, THREADS)
    calls = [
        lambda c=client, n=n: (
            c.post(
                "ideas", json={"title": f"Idea {n}", "body": "", "prompt_id": challenge["id"]}
            ).status_code
        )
        for n, client in enumerate(crowd)
    ]
    assert set(at_once(calls)) == {201}
    stored, counted = prompt_counts(app)
    assert stored == counted == {challenge["id"]: THREADS}


def test_recount_command_repairs_a_prompts_number_of_ideas(app, facilitator, member, db):
    prompt = facilitator.post("prompts", json={"kind": "prompt", "title": "Booth"}).get_json()
    member.post("ideas", json={"title": "Reel", "body": "", "prompt_id": prompt["id"]})
    db.execute(text("UPDATE prompts SET idea_count = 42"))
    db.commit()
    result = app.test_cli_runner().invoke(args=["recount-tallies"])
    assert result.exit_code == 0, result.output
    assert "1 prompts" in result.output
    assert prompt_counts(app) == ({prompt["id"]: 1}, {prompt["id"]: 1})
