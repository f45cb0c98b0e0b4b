"""A challenge's page shows each idea's newest mentor notes and how many comments it has,
and links to the idea's page for the rest: it costs the same statements whatever the
number of its ideas, comments and notes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from board.ideas import NOTES_SHOWN
from models import Comment, Idea, Prompt, Task, Vote
from tests.conftest import BOTH_DATABASES, JsonClient, make_user
from tests.test_queries import counted, plans_of


def challenge(app, author_id: int, closed: bool) -> int:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    later = datetime.now(UTC) + timedelta(days=30)
    with app.extensions["board_db"].Session() as session:
        prompt = Prompt(
            kind="challenge",
            title="Our next campaign",
            body="",
            author_id=author_id,
            hide_tallies=False,
            submissions_close_at=start if closed else later,
            voting_close_at=start + timedelta(days=1) if closed else later + timedelta(days=1),
            phase="closed" if closed else "collecting",
            created_at=start,
        )
        session.add(prompt)
        session.commit()
        return prompt.id


def add_ideas(
    app, prompt_id: int, people: list, ideas: int, comments: int, notes: int, tasks: int = 0
) -> list[int]:
    """`ideas` ideas, each with `comments` comments from the people, `notes` mentor notes
    from the first person (a facilitator) among them, votes and `tasks` tasks."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    made = []
    with app.extensions["board_db"].Session() as session:
        for number in range(ideas):
            author = people[1 + number % (len(people) - 1)]
            idea = Idea(
                title=f"idea {number}",
                body="",
                author_id=author.id,
                prompt_id=prompt_id,
                created_at=start,
                updated_at=start,
            )
            session.add(idea)
            session.flush()
            made.append(idea.id)
            step = (comments + notes) // notes if notes else 0
            note_slots = {k * step for k in range(notes)}
            for at in range(comments + notes):
                note = at in note_slots
                writer = people[0] if note else people[1 + at % (len(people) - 1)]
                session.add(
                    Comment(
                        idea_id=idea.id,
                        author_id=writer.id,
                        body=f"{'note' if note else 'comment'} {idea.id}.{at}",
                        is_mentor_note=note,
                        created_at=start + timedelta(minutes=at),
                    )
                )
            for voter in people[: 1 + number % len(people)]:
                session.add(Vote(idea_id=idea.id, user_id=voter.id, created_at=start))
            for task in range(tasks):
                claimant = people[1 + task % (len(people) - 1)]
                session.add(
                    Task(
                        title=f"task {idea.id}.{task}",
                        description="",
                        idea_id=idea.id,
                        status="claimed" if task % 2 else "open",
                        claimed_by_id=claimant.id if task % 2 else None,
                        claimed_at=start if task % 2 else None,
                        created_by_id=author.id,
                        created_at=start + timedelta(minutes=task),
                        updated_at=start,
                    )
                )
        session.commit()
    return made


@pytest.fixture
def challenge_people(app) -> list:
    return [make_user(app, "fay", "facilitator", "Communications")] + [
        make_user(app, f"person{n}", "member", f"Department {n % 4}") for n in range(6)
    ]


@BOTH_DATABASES
@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_a_challenges_page_costs_the_same_whatever_its_ideas_and_comments(
    app, challenge_people, closed
):
    """It read every comment of every idea, and a closed one's tasks idea by idea."""
    fay = challenge_people[0]
    small = challenge(app, fay.id, closed)
    add_ideas(app, small, challenge_people, ideas=2, comments=2, notes=1, tasks=1)
    large = challenge(app, fay.id, closed)
    add_ideas(app, large, challenge_people, ideas=15, comments=40, notes=6, tasks=4)
    reader = JsonClient(app.test_client()).login(challenge_people[2].email)
    spent = []
    for prompt_id in (small, large):
        with counted(app) as statements:
            response = reader.client.get(f"/prompts/{prompt_id}")
        assert response.status_code == 200
        spent.append(len(statements))
    assert spent[0] == spent[1], spent
    html = response.get_data(as_text=True)
    assert html.count("Mentor note</strong>") == 15 * NOTES_SHOWN


def idea_block(html: str, idea_id: int) -> str:
    return html.split(f'id="idea-{idea_id}"', 1)[1].split("</article>", 1)[0]


@BOTH_DATABASES
@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_a_challenge_shows_the_newest_mentor_notes_and_leads_to_the_rest(
    app, challenge_people, closed
):
    fay = challenge_people[0]
    prompt_id = challenge(app, fay.id, closed)
    busy, quiet = add_ideas(app, prompt_id, challenge_people, ideas=2, comments=20, notes=7)
    with app.extensions["board_db"].Session() as session:
        session.query(Comment).filter(Comment.idea_id == quiet, Comment.is_mentor_note).filter(
            Comment.id.notin_(
                session.query(Comment.id)
                .filter(Comment.idea_id == quiet, Comment.is_mentor_note)
                .order_by(Comment.id)
                .limit(2)
            )
        ).delete(synchronize_session=False)
        session.commit()
        notes = [
            c.body
            for c in session.query(Comment)
            .filter(Comment.idea_id == busy, Comment.is_mentor_note)
            .order_by(Comment.created_at, Comment.id)
        ]
    member = JsonClient(app.test_client()).login(challenge_people[3].email)
    html = member.client.get(f"/prompts/{prompt_id}").get_data(as_text=True)

    shown = idea_block(html, busy)
    listed = re.findall(r"note \d+\.\d+", shown)
    assert listed == notes[-NOTES_SHOWN:]  # the newest, oldest of them first
    if not closed:  # the results show no counts
        assert "27 comments" in shown
    link = re.search(r'<a href="(/ideas/\d+)#comments">See all 7 mentor notes</a>', shown)
    assert link is not None, shown
    # The idea's page, where the link leads, has every one of them.
    page = member.client.get(link.group(1)).get_data(as_text=True)
    assert all(note in page for note in notes)

    few = idea_block(html, quiet)
    assert len(re.findall(r"note \d+\.\d+", few)) == 2
    assert "See all" not in few
    if not closed:
        assert "22 comments" in few


def notes_plan(app, run) -> str:
    """The plan of the page's mentor notes statement (`plans_of`)."""
    [plan] = plans_of(app, run, lambda s: "is_mentor_note" in s and "AS total" in s)
    return plan


@BOTH_DATABASES
def test_a_challenges_page_reads_its_ideas_newest_notes_from_the_notes_alone(app, challenge_people):
    """Each idea's newest three notes by a walk of the notes' own index that stops at
    three, and its notes counted in that index: no other comment is read (the page read
    every comment of its ideas to number their notes)."""
    fay = challenge_people[0]
    prompt_id = challenge(app, fay.id, False)
    add_ideas(app, prompt_id, challenge_people, ideas=4, comments=30, notes=5)
    reader = JsonClient(app.test_client()).login(challenge_people[2].email)
    plan = notes_plan(app, lambda: reader.client.get(f"/prompts/{prompt_id}"))
    if app.extensions["board_db"].engine.dialect.name == "sqlite":
        walks = re.findall(r"SEARCH comments_\d USING (.*)", plan)
        assert walks == ["COVERING INDEX ix_comments_mentor_notes (idea_id=?)"] * 2, plan
        assert "SEARCH comments USING INTEGER PRIMARY KEY" in plan, plan
        return
    # Each idea: its three newest notes walked backwards, its five counted; then the three
    # rows shown, by their key.
    walk = r"Index Only Scan Backward using ix_comments_mentor_notes .*rows=3 loops=4"
    assert re.search(walk, plan), plan
    assert re.search(r"Index Only Scan using ix_comments_mentor_notes .*rows=5 ", plan), plan
    assert re.search(r"Index Scan using pk_comments .*rows=1 loops=12", plan), plan
    assert "ix_comments_idea_id_created_at" not in plan, plan
