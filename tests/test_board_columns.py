"""The board's task columns show the newest tasks of each status, count all of them, and
link to a page of each column that lists every task, a page at a time (no JavaScript)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from board import ideas, tasks
from models import Idea, Task, User
from tests.conftest import JsonClient, make_user


def add_tasks(app, creator, claimant, counts: dict[str, int]) -> None:
    """`counts[status]` tasks of each status, one minute apart, oldest first."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    number = 0
    with app.extensions["board_db"].Session() as session:
        for status, count in counts.items():
            for _ in range(count):
                at = start + timedelta(minutes=number)
                session.add(
                    Task(
                        title=f"{status} task {number}",
                        description="",
                        status=status,
                        claimed_by_id=None if status == "open" else claimant.id,
                        claimed_at=None if status == "open" else at,
                        completed_at=at if status == "done" else None,
                        created_by_id=creator.id,
                        created_at=at,
                        updated_at=at,
                    )
                )
                number += 1
        session.commit()


def column(html: str, status: str) -> str:
    start = html.index(f'<section class="task-column column-{status}" id="tasks-{status}"')
    return html[start : html.index("</section>", start)]


def titles(html: str) -> list[str]:
    return re.findall(r'data-field="title">([^<]*)</a>', html)


def test_a_busy_board_shows_the_newest_tasks_of_each_column_and_links_to_all_of_them(app):
    maker = make_user(app, "mara", "member")
    worker = make_user(app, "ivan", "member", "IT")
    add_tasks(app, maker, worker, {"open": 45, "claimed": 3, "done": 30})
    client = JsonClient(app.test_client()).login(maker.email).client

    html = client.get("/").get_data(as_text=True)
    open_column = column(html, "open")
    shown = titles(open_column)
    assert shown == [f"open task {n}" for n in range(44, 24, -1)]  # the newest 20
    assert 'data-field="count">45</span>' in open_column  # counts all of them
    assert re.search(
        r'<p class="more-tasks" data-field="more">\s*<a href="/tasks\?status=open">'
        r"All open tasks</a>",
        open_column,
    )
    assert len(titles(column(html, "done"))) == 20
    assert 'href="/tasks?status=done">All done tasks</a>' in column(html, "done")
    assert 'data-field="count">30</span>' in column(html, "done")
    claimed = column(html, "claimed")
    assert len(titles(claimed)) == 3
    assert 'data-field="count">3</span>' in claimed
    assert '<p class="more-tasks" data-field="more" hidden>' in claimed  # nothing more to see

    # The link works without JavaScript: the column's page, newest first, 50 at a time.
    page = client.get("/tasks?status=open").get_data(as_text=True)
    assert titles(column(page, "open")) == [f"open task {n}" for n in range(44, -1, -1)]
    assert "Show more tasks" not in page


def test_a_columns_page_walks_every_task_once(app):
    maker = make_user(app, "mara", "member")
    worker = make_user(app, "ivan", "member", "IT")
    add_tasks(app, maker, worker, {"open": 3, "done": 120})
    client = JsonClient(app.test_client()).login(maker.email).client
    seen, path = [], "/tasks?status=done"
    while path:
        page = client.get(path).get_data(as_text=True)
        seen += titles(column(page, "done"))
        more = re.search(r'href="(/tasks\?status=done&amp;cursor=[^"]+)">Show more tasks', page)
        path = more.group(1).replace("&amp;", "&") if more else None
    assert seen == [f"done task {n}" for n in range(122, 2, -1)]
    assert client.get("/tasks?status=done&cursor=garbage").status_code == 200  # from the top


def test_the_columns_speak_german(app):
    maker = make_user(app, "mara", "member")
    add_tasks(app, maker, maker, {"open": 21})
    client = JsonClient(app.test_client()).login(maker.email).client
    html = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert ">Alle offenen Aufgaben</a>" in html
    page = client.get("/tasks?status=open", headers={"Accept-Language": "de"})
    assert "<title>Offene Aufgaben" in page.get_data(as_text=True)


def test_my_tasks_shows_the_newest_of_what_grows_and_links_to_all_of_it(app):
    me = make_user(app, "mara", "member")
    other = make_user(app, "ivan", "member", "IT")
    add_tasks(app, other, me, {"done": 25})  # completed by me
    add_tasks(app, other, other, {"open": 22, "claimed": 2, "done": 5})
    client = JsonClient(app.test_client()).login(me.email).client

    html = client.get("/my-tasks").get_data(as_text=True)
    completed = column_of(html, "tasks-completed")
    assert len(titles(completed)) == 20
    assert 'data-field="count">25</span>' in completed
    assert 'href="/tasks?status=done&amp;mine=1">All tasks completed by me</a>' in completed
    open_tasks = column_of(html, "tasks-open")
    assert len(titles(open_tasks)) == 20
    assert 'data-field="count">22</span>' in open_tasks
    assert 'href="/tasks?status=open">All open tasks</a>' in open_tasks

    # The link lists what this person completed, nobody else's.
    page = client.get("/tasks?status=done&mine=1").get_data(as_text=True)
    assert titles(column(page, "done")) == [f"done task {n}" for n in range(24, -1, -1)]
    assert "<title>Completed by me" in page


def column_of(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_the_board_tells_of_each_task_what_the_api_tells(app):
    """The columns read their tasks as plain rows, with their claimants' shared names and
    their ideas' titles in the same statement; each task, as far as its card reads it, and
    its claimant read the same as the API's answer for that task."""
    maker = make_user(app, "mara", "member")
    worker = make_user(app, "ivan", "member", "IT")
    namesake = make_user(app, "ivan2", "member")
    with app.extensions["board_db"].Session() as session:
        session.get(User, namesake.id).display_name = "Ivan"  # the name is shared: handles show
        session.commit()
    add_tasks(app, maker, worker, {"open": 2, "claimed": 2, "done": 2})
    with app.extensions["board_db"].Session() as session:
        at = datetime(2026, 3, 2, tzinfo=UTC)
        idea = Idea(title="<b>Ideas & tasks</b>", body="b", author_id=maker.id, created_at=at)
        idea.updated_at = at
        session.add(idea)
        session.flush()
        for task in session.query(Task).filter(Task.title.in_(["open task 0", "done task 5"])):
            task.idea_id = idea.id
        session.commit()
    client = JsonClient(app.test_client()).login(maker.email)
    with app.test_request_context("/"), app.extensions["board_db"].Session() as session:
        reader = session.get(User, maker.id)
        columns, _, titles = tasks.board_columns(session, reader, 20)
        ids = {task["idea_id"] for status in tasks.STATUSES for task in columns[status]}
        assert titles == ideas.idea_titles(session, reader, ids - {None})
        assert titles == {idea.id: "<b>Ideas & tasks</b>"}
    shown = [task for status in tasks.STATUSES for task in columns[status]]
    assert len(shown) == 6
    for task in shown:
        answer = client.get(f"tasks/{task['id']}").get_json()
        assert task == {field: answer[field] for field in task}, task["id"]
    assert any(task["claimed_by"] and task["claimed_by"]["name_shared"] for task in shown)
