"""The contract for tasks: created unclaimed, claimed, released and completed by oneself only."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import func, select

from board import create_app
from board.settings import Settings
from models import Task
from tests.conftest import JsonClient, make_user

TASK_FIELDS = {
    "id",
    "title",
    "description",
    "idea_id",
    "status",
    "claimed_by",
    "claimed_at",
    "created_at",
}
USER_FIELDS = {"id", "email", "display_name", "role", "department"}


def new_task(client, title: str = "A task", **extra) -> dict:
    response = client.post("tasks", json={"title": title, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def task_events(client) -> list[tuple[str, int]]:
    items = client.get("events?after=0&limit=1000").get_json()["items"]
    return [(e["type"], e["data"]["task"]["id"]) for e in items if e["type"].startswith("task.")]


def task_rows(app) -> list[tuple]:
    with app.extensions["board_db"].Session() as session:
        return [
            (t.id, t.status, t.claimed_by_id)
            for t in session.scalars(select(Task).order_by(Task.id))
        ]


def is_iso_with_offset(value: str) -> bool:
    return datetime.fromisoformat(value).utcoffset() is not None


def test_creating_a_task_answers_201_unclaimed_with_every_field(member):
    task = new_task(member, "Film the booth", description="Bring the *gimbal*")
    assert set(task) >= TASK_FIELDS
    assert isinstance(task["id"], int)
    assert (task["title"], task["description"]) == ("Film the booth", "Bring the *gimbal*")
    assert (task["status"], task["claimed_by"], task["claimed_at"]) == ("open", None, None)
    assert task["idea_id"] is None
    assert is_iso_with_offset(task["created_at"])
    assert member.get(f"tasks/{task['id']}").get_json() == task
    assert task_events(member) == [("task.created", task["id"])]


def test_a_task_under_an_idea_names_it(member):
    idea = member.post("ideas", json={"title": "Idea", "body": ""}).get_json()
    task = new_task(member, idea_id=idea["id"])
    assert task["idea_id"] == idea["id"]
    assert member.get(f"tasks?idea_id={idea['id']}").get_json()["items"] == [task]


def test_the_description_defaults_to_empty(member):
    assert new_task(member)["description"] == ""


def test_a_task_under_an_unknown_idea_is_refused(app, member):
    response = member.post("tasks", json={"title": "T", "idea_id": 4242})
    assert response.status_code == 400
    assert "idea_id" in response.get_json()["error"]["fields"]
    assert task_rows(app) == []


@pytest.mark.parametrize(
    "field",
    [
        "claimed_by",
        "claimed_by_id",
        "claimant",
        "assignee",
        "assignee_id",
        "assigned_to",
        "owner_id",
        "user_id",
    ],
)
def test_a_new_task_naming_a_claimant_or_assignee_is_refused(app, member, other_member, field):
    response = member.post("tasks", json={"title": "For Ivan", field: other_member.user["id"]})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "unknown_field"
    assert field in error["fields"]
    assert task_rows(app) == []


@pytest.mark.parametrize("field", ["status", "claimed_at", "created_by"])
def test_a_new_task_cannot_start_claimed_or_done(app, member, field):
    response = member.post("tasks", json={"title": "Done already", field: "done"})
    assert response.status_code == 400
    assert task_rows(app) == []


def test_claiming_puts_the_task_on_the_caller(member):
    task = new_task(member)
    response = member.post(f"tasks/{task['id']}/claim")
    assert response.status_code == 200
    claimed = response.get_json()
    assert claimed["status"] == "claimed"
    assert set(claimed["claimed_by"]) >= USER_FIELDS
    assert claimed["claimed_by"]["id"] == member.user["id"]
    assert claimed["claimed_by"]["email"] == member.user["email"]
    assert is_iso_with_offset(claimed["claimed_at"])
    assert task_events(member)[-1] == ("task.claimed", task["id"])


def test_claiming_ones_own_task_again_changes_nothing(member):
    task = new_task(member)
    first = member.post(f"tasks/{task['id']}/claim").get_json()
    again = member.post(f"tasks/{task['id']}/claim")
    assert again.status_code == 200
    assert again.get_json() == first
    assert [t for t, _ in task_events(member)] == ["task.created", "task.claimed"]


@pytest.mark.parametrize("taker", ["other_member", "facilitator"])
def test_a_claimed_task_cannot_be_taken_by_anyone_else(people_, member, taker):
    task = new_task(member)
    member.post(f"tasks/{task['id']}/claim")
    response = people_.client(taker).post(f"tasks/{task['id']}/claim")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "already_claimed"
    assert member.get(f"tasks/{task['id']}").get_json()["claimed_by"]["id"] == member.user["id"]


def test_a_done_task_cannot_be_claimed(member, other_member):
    task = new_task(member)
    member.post(f"tasks/{task['id']}/claim")
    member.post(f"tasks/{task['id']}/complete")
    response = other_member.post(f"tasks/{task['id']}/claim")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "task_done"


def test_a_claim_naming_someone_else_is_refused(app, member, other_member):
    task = new_task(member)
    response = member.post(f"tasks/{task['id']}/claim", json={"user_id": other_member.user["id"]})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_field"
    assert task_rows(app) == [(task["id"], "open", None)]


def test_the_claimant_releases_their_task(member, other_member):
    task = new_task(member)
    member.post(f"tasks/{task['id']}/claim")
    response = member.post(f"tasks/{task['id']}/release")
    assert response.status_code == 200
    released = response.get_json()
    assert (released["status"], released["claimed_by"], released["claimed_at"]) == (
        "open",
        None,
        None,
    )
    assert task_events(member)[-1] == ("task.released", task["id"])
    assert other_member.post(f"tasks/{task['id']}/claim").status_code == 200


def test_the_claimant_completes_their_task(member):
    task = new_task(member)
    member.post(f"tasks/{task['id']}/claim")
    response = member.post(f"tasks/{task['id']}/complete")
    assert response.status_code == 200
    done = response.get_json()
    assert done["status"] == "done"
    assert done["claimed_by"]["id"] == member.user["id"]
    assert task_events(member)[-1] == ("task.completed", task["id"])


def test_completing_twice_changes_nothing(member):
    task = new_task(member)
    member.post(f"tasks/{task['id']}/claim")
    first = member.post(f"tasks/{task['id']}/complete").get_json()
    again = member.post(f"tasks/{task['id']}/complete")
    assert again.status_code == 200
    assert again.get_json() == first
    assert [t for t, _ in task_events(member)].count("task.completed") == 1


def test_a_done_task_cannot_be_released(member):
    task = new_task(member)
    member.post(f"tasks/{task['id']}/claim")
    member.post(f"tasks/{task['id']}/complete")
    response = member.post(f"tasks/{task['id']}/release")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "task_done"


@pytest.mark.parametrize("action", ["release", "complete"])
@pytest.mark.parametrize("actor", ["other_member", "facilitator"])
def test_nobody_releases_or_completes_someone_elses_task(app, people_, member, action, actor):
    task = new_task(member)
    member.post(f"tasks/{task['id']}/claim")
    response = people_.client(actor).post(f"tasks/{task['id']}/{action}")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_claimant"
    assert task_rows(app) == [(task["id"], "claimed", member.user["id"])]


@pytest.mark.parametrize("action", ["release", "complete"])
def test_an_unclaimed_task_cannot_be_released_or_completed(app, member, action):
    task = new_task(member)
    response = member.post(f"tasks/{task['id']}/{action}")
    assert response.status_code == 403
    assert task_rows(app) == [(task["id"], "open", None)]


@pytest.mark.parametrize("action", ["claim", "release", "complete"])
def test_observer_cannot_touch_tasks(app, member, observer, action):
    task = new_task(member)
    if action != "claim":
        member.post(f"tasks/{task['id']}/claim")
    before = task_rows(app)
    response = observer.post(f"tasks/{task['id']}/{action}")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "read_only"
    assert task_rows(app) == before


@pytest.mark.parametrize("action", ["claim", "release", "complete"])
def test_an_unknown_task_is_404(member, action):
    response = member.post(f"tasks/4242/{action}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "task_not_found"
    assert member.get("tasks/4242").status_code == 404


# ---- the claim limit -------------------------------------------------------------------


def test_the_sixth_open_claim_is_refused_by_default(member):
    tasks = [new_task(member, f"t{i}") for i in range(6)]
    for task in tasks[:5]:
        assert member.post(f"tasks/{task['id']}/claim").status_code == 200
    response = member.post(f"tasks/{tasks[5]['id']}/claim")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "claim_limit"
    assert "5" in error["message"]
    assert member.get(f"tasks/{tasks[5]['id']}").get_json()["status"] == "open"


@pytest.mark.parametrize("finish", ["release", "complete"])
def test_finishing_a_claim_frees_a_slot(member, finish):
    tasks = [new_task(member, f"t{i}") for i in range(6)]
    for task in tasks[:5]:
        member.post(f"tasks/{task['id']}/claim")
    member.post(f"tasks/{tasks[0]['id']}/{finish}")
    assert member.post(f"tasks/{tasks[5]['id']}/claim").status_code == 200


def test_the_limit_is_per_person(member, other_member):
    tasks = [new_task(member, f"t{i}") for i in range(6)]
    for task in tasks[:5]:
        member.post(f"tasks/{task['id']}/claim")
    assert other_member.post(f"tasks/{tasks[5]['id']}/claim").status_code == 200


def test_board_claim_limit_comes_from_the_environment(tmp_path):
    env = {"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_SECRET_KEY": "x"}
    assert Settings.from_env(env).claim_limit == 5
    assert Settings.from_env({**env, "BOARD_CLAIM_LIMIT": "2"}).claim_limit == 2


def test_a_lower_claim_limit_holds(settings):
    app = create_app({"TESTING": True}, settings=replace(settings, claim_limit=2))
    try:
        make_user(app, "lea", "member", "Legal")
        client = JsonClient(app.test_client()).login("lea@example.com")
        tasks = [new_task(client, f"t{i}") for i in range(3)]
        answers = [client.post(f"tasks/{t['id']}/claim") for t in tasks]
        assert [a.status_code for a in answers] == [200, 200, 409]
        assert answers[2].get_json()["error"]["code"] == "claim_limit"
    finally:
        app.extensions["board_db"].dispose()


# ---- listing -----------------------------------------------------------------------------


@pytest.fixture
def board_of_tasks(member, other_member) -> dict:
    """open, claimed by member, done by member, released by member, claimed by other."""
    names = ["open", "mine", "my done", "released", "theirs"]
    tasks = {name: new_task(member, name) for name in names}
    for name in ("mine", "my done", "released"):
        member.post(f"tasks/{tasks[name]['id']}/claim")
    member.post(f"tasks/{tasks['my done']['id']}/complete")
    member.post(f"tasks/{tasks['released']['id']}/release")
    other_member.post(f"tasks/{tasks['theirs']['id']}/claim")
    return tasks


def _titles(client, query: str = "") -> list[str]:
    response = client.get("tasks" + query)
    assert response.status_code == 200, response.get_json()
    return [t["title"] for t in response.get_json()["items"]]


def test_tasks_are_listed_newest_first(member, board_of_tasks):
    assert _titles(member) == ["theirs", "released", "my done", "mine", "open"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", ["released", "open"]),
        ("claimed", ["theirs", "mine"]),
        ("done", ["my done"]),
    ],
)
def test_tasks_filter_by_status(member, board_of_tasks, status, expected):
    assert _titles(member, f"?status={status}") == expected


def test_mine_lists_what_the_caller_holds_or_has_completed(member, other_member, board_of_tasks):
    assert _titles(member, "?mine=1") == ["my done", "mine"]
    assert _titles(other_member, "?mine=1") == ["theirs"]
    assert _titles(member, "?mine=1&status=claimed") == ["mine"]
    assert _titles(member, "?mine=0") == _titles(member)


def test_observers_read_tasks(observer, board_of_tasks):
    assert len(_titles(observer)) == 5
    assert _titles(observer, "?mine=1") == []


def test_listed_tasks_carry_every_field(member, board_of_tasks):
    for task in member.get("tasks").get_json()["items"]:
        assert set(task) >= TASK_FIELDS
        assert task["claimed_by"] is None or set(task["claimed_by"]) >= USER_FIELDS


def test_the_database_refuses_a_claimed_task_without_claimant(app, member):
    """The schema backs the rule: an open task has no claimant, a claimed one always has."""
    from sqlalchemy.exc import IntegrityError

    task = new_task(member)
    with app.extensions["board_db"].Session() as session:
        row = session.get(Task, task["id"])
        row.status = "claimed"
        with pytest.raises(IntegrityError):
            session.commit()
    with app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(Task.id)).where(Task.status == "open")) == 1
