"""Works-council mode (BOARD_OBSERVERS_SEE_NAMES=0): to observers every person appears only
as their department, everywhere (API, events, sockets, feed page, CSV, Atom, iCalendar,
presence, people pages); departments with fewer than BOARD_MIN_GROUP_SIZE people are
shown together as "other departments". Members and the facilitator still see names.

The board: Marketing (3 people) and IT (4) are shown on their own; Communications (the
facilitator alone) and PR (2) are pooled; the observer is in Sales.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from board import ideas, privacy, tasks
from board import images as image_service
from board.realtime import flush_presence, pooled_presence
from models import Department, User
from tests.conftest import BOTH_DATABASES, make_user, newcomer
from tests.realtime_helpers import activity, connect, received
from tests.test_permissions import MATRIX, PICTURE

EXTRA = {
    "mia": "Marketing",
    "max": "Marketing",
    "ida": "IT",
    "ike": "IT",
    "ina": "IT",
    "pia": "PR",
    "pat": "PR",
}
NAMES = ["Mara", "Ivan", "Sam", "Mia", "Max", "Ida", "Ike", "Ina", "Pia", "Pat"]
HANDLES = ["mara", "ivan", "sam", "mia", "max", "ida", "ike", "ina", "pia", "pat"]


@pytest.fixture
def settings(settings):
    return replace(settings, observers_see_names=False, min_group_size=3)


@pytest.fixture
def council_board(app, people_):
    for name, department in EXTRA.items():
        make_user(app, name, "member", department)
    Session = app.extensions["board_db"].Session
    with Session() as session:
        by = {u.handle: u for u in session.scalars(select(User))}
        made = {
            "mara": ideas.create_idea(session, by["mara"], "Booth reel", "Short clips"),
            "sam": ideas.create_idea(session, by["sam"], "Quiz night", "Prizes"),
            "pia": ideas.create_idea(session, by["pia"], "Press kit", "Photos"),
        }
        ideas.vote(session, by["ivan"], made["mara"]["id"])
        comment = ideas.add_comment(session, by["ivan"], made["mara"]["id"], "Nice one")
        image = image_service.upload_image(
            session,
            by["mara"],
            PICTURE,
            app.extensions["board_settings"].instance_path / "images",
        )
        task = tasks.create_task(session, by["ida"], "Film the booth", "", made["mara"]["id"])
        tasks.claim_task(session, by["pat"], task["id"], claim_limit=5)
        departments = {d.name: d.id for d in session.scalars(select(Department))}
        session.commit()
    return {
        "ideas": made,
        "task": task,
        "comment": comment["id"],
        "image": image["id"],
        "departments": departments,
    }


def names_in(text: str) -> list[str]:
    found = [name for name in NAMES if re.search(rf"\b{name}\b", text)]
    found += [f"@{h}" for h in HANDLES if f"@{h}" in text or f"/people/{h}" in text]
    # every page's form messages show how an address is written (name@example.com): nobody's
    addresses = re.findall(r"[\w.+-]+@example\.com", text.replace("name@example.com", ""))
    return found + addresses


def observer_paths(board: dict) -> list[str]:
    targets = {
        "idea": board["ideas"]["mara"]["id"],
        "task": board["task"]["id"],
        "claimed": board["task"]["id"],
        "comment": board["comment"],
        "image": board["image"],
        "prompt": 1,
        "prompt_idea": board["ideas"]["mara"]["id"],
        "nudge": 1,
        "invite": 1,
        "session": 1,
    }
    paths = [
        row.path.format(**targets)
        for row in MATRIX
        if row.method == "GET"
        and row.outcomes["observer"] == 200
        and "<token>" not in row.rule
        and row.rule not in ("/api/v1/me", "/api/v1/me/export", "/profile", "/settings")
    ]
    return paths + [
        "/api/v1/events?after=0&limit=1000",
        "/api/v1/feed?period=all",
        "/feed?period=all",
        "/feed.csv?period=all",
        "/feed/export.csv?period=all",
        "/feed/updates?after=0",
        f"/ideas/{board['ideas']['sam']['id']}",
        "/api/v1/people?q=m",
    ]


@BOTH_DATABASES
def test_observers_see_departments_not_people_anywhere(app, people_, council_board):
    observer = people_.client("observer")
    leaks = {}
    for path in observer_paths(council_board):
        response = observer.get(path)
        if response.status_code == 404 and "/prompts" in path:  # no prompt on this board
            continue
        if path.startswith("/people/"):
            assert response.status_code == 404, path  # nobody is looked up by name
            continue
        assert response.status_code == 200, (path, response.status_code)
        if response.mimetype.startswith("image/"):
            continue  # a picture's bytes name nobody
        found = names_in(response.get_data(as_text=True))
        if found:
            leaks[path] = found
    for url in (
        observer.post("feed/token").get_json()["atom_url"],
        observer.get("calendar/token").get_json()["ics_url"],
    ):
        parts = urlsplit(url)
        text = app.test_client().get(parts.path).get_data(as_text=True)
        if names_in(text):
            leaks[parts.path] = names_in(text)
    assert leaks == {}


@BOTH_DATABASES
def test_people_appear_as_their_department_or_the_pool(app, people_, council_board):
    observer = people_.client("observer")
    authors = {
        item["title"]: item["author"] for item in observer.get("ideas?sort=new").get_json()["items"]
    }
    assert authors["Booth reel"]["display_name"] == "someone from Marketing"
    assert authors["Booth reel"]["id"] is None and authors["Booth reel"]["handle"] is None
    # Communications (1) and PR (2) are too small on their own: pooled.
    for title in ("Quiz night", "Press kit"):
        assert authors[title]["display_name"] == "someone from another department"
        assert authors[title]["department"] == {"id": None, "name": "other departments"}
    task = observer.get(f"tasks/{council_board['task']['id']}").get_json()
    assert task["claimed_by"]["display_name"] == "someone from another department"
    assert task["claimed_by"]["email"] is None
    feed = observer.get("/feed?period=all").get_data(as_text=True)
    # Each opens its sentence: "someone from Marketing posted the idea …" began in lower case.
    assert "<strong><bdi>Someone from Marketing</bdi></strong> posted" in feed
    assert "<strong><bdi>Someone from another department</bdi></strong>" in feed
    csv_text = observer.get("/feed.csv?period=all").get_data(as_text=True)
    assert "Someone from IT" in csv_text
    # The observer's own account is theirs to see.
    assert observer.get("me").get_json()["user"]["display_name"] == "Olga"


@BOTH_DATABASES
def test_in_german_the_department_reads_as_jemand_aus(app, people_, council_board):
    observer = people_.client("observer")
    observer.patch("me", json={"language": "de"})
    feed = observer.get("/feed?period=all").get_data(as_text=True)
    assert "<strong><bdi>Jemand aus Marketing</bdi></strong> hat" in feed
    assert "<strong><bdi>Jemand aus einer anderen Abteilung</bdi></strong> hat" in feed


@BOTH_DATABASES
@pytest.mark.parametrize("role", ["member", "other_member", "facilitator"])
def test_members_and_the_facilitator_still_see_names(app, people_, council_board, role):
    client = people_.client(role)
    text = json.dumps(client.get("ideas").get_json())
    assert "Mara" in text and "Sam" in text and "Pia" in text
    assert "Mara" in client.get("/feed?period=all").get_data(as_text=True)


@BOTH_DATABASES
def test_a_small_department_cannot_be_picked_out_by_a_filter(app, people_, council_board):
    observer = people_.client("observer")
    small, large = council_board["departments"]["PR"], council_board["departments"]["Marketing"]
    for path in ("ideas?department={}", "/feed?department={}", "/feed.csv?department={}"):
        refused = observer.get(path.format(small))
        assert refused.status_code == 400, path
        assert observer.get(path.format(large)).status_code == 200, path
    page = observer.get("/feed").get_data(as_text=True)
    assert f'value="{large}"' in page and f'value="{small}"' not in page
    # Members filter by any department.
    assert people_.client("member").get(f"ideas?department={small}").status_code == 200


def test_pooling_keeps_every_figure_at_the_minimum():
    assert privacy.pooled_departments({1: 5, 2: 3, 3: 1, 4: 2}, 3) == {3, 4}
    # One small department alone would still be small: the next smallest joins it.
    assert privacy.pooled_departments({1: 5, 2: 3, 3: 1}, 3) == {2, 3}
    assert privacy.pooled_departments({1: 5, 2: 4}, 3) == set()
    assert privacy.pooled_departments({1: 1, 2: 1}, 3) == {1, 2}


@BOTH_DATABASES
def test_observer_sockets_get_departments_and_pooled_presence(app, people_, council_board):
    observer, member = people_.client("observer"), people_.client("member")
    watching = connect(app, observer)
    peer = connect(app, member)
    flush_presence()
    seen = received(watching, "presence")[-1]
    assert set(seen["departments"]) <= {"Marketing", "IT", "other departments"}
    assert "Sales" not in seen["departments"]  # the observer's own, one person: pooled
    assert received(peer, "presence")[-1]["departments"]["Sales"] == 1  # members: as is
    activity(watching), activity(peer)
    member.post("ideas", json={"title": "Live idea", "body": "x"})
    [masked] = [e for e in activity(watching) if e["type"] == "idea.created"]
    [named] = [e for e in activity(peer) if e["type"] == "idea.created"]
    assert masked["seq"] == named["seq"]
    assert masked["actor"]["display_name"] == "someone from Marketing"
    assert masked["data"]["idea"]["author"]["display_name"] == "someone from Marketing"
    assert names_in(json.dumps(masked)) == []
    assert named["actor"]["display_name"] == "Mara"
    watching.disconnect(), peer.disconnect()


def test_observers_read_a_newcomer_as_their_department(app, people_, council_board, anonymous):
    """`person.joined` (the people page follows it) is masked as every envelope is."""
    observer, member = people_.client("observer"), people_.client("member")
    watching, peer = connect(app, observer), connect(app, member)
    newcomer(app, anonymous, "registration", "Marketing", name="Nina Roth")
    [masked] = [e for e in activity(watching) if e["type"] == "person.joined"]
    [named] = [e for e in activity(peer) if e["type"] == "person.joined"]
    assert masked["seq"] == named["seq"]
    assert named["data"]["person"]["display_name"] == "Nina Roth"
    shown = masked["data"]["person"]
    assert shown["display_name"] == "someone from Marketing"
    assert shown["id"] is None and shown["handle"] is None
    logged = observer.get("events?after=0&limit=1000").get_json()["items"][-1]
    assert logged == masked
    text = json.dumps([masked, logged])
    assert "Nina" not in text and "nina" not in text
    watching.disconnect(), peer.disconnect()


def test_an_observer_reads_the_pooled_presence_in_their_language(app, people_, council_board):
    observer = people_.client("observer")
    observer.patch("me", json={"language": "de"})
    first = connect(app, observer)
    flush_presence()  # the counts changed: sent to every room, each in its language
    # A second tab changes no count: the counts go to that socket alone, in its language too.
    second = connect(app, observer)
    flush_presence()
    for socket in (first, second):
        seen = received(socket, "presence")
        assert seen, "no presence"
        assert all("andere Abteilungen" in counts["departments"] for counts in seen), seen
        socket.disconnect()


def test_presence_pooling_adds_up(app, people_, council_board):
    with app.app_context(), app.extensions["board_db"].Session() as session:
        mask = privacy.Mask.build(session, None, 3)
    snapshot = {
        "online": 5,
        "departments": {"Marketing": 2, "PR": 1, "Communications": 1, "Sales": 1},
    }
    assert pooled_presence(snapshot, mask) == {
        "online": 5,
        "departments": {"Marketing": 2, "other departments": 3},
    }


def test_the_board_pages_task_cards_show_a_claimant_as_their_department_today(
    app, people_, council_board
):
    """The board's kept task columns: to an observer, a claimant is their department as it
    is now, pooled while it is small and on its own once it has grown."""
    observer = people_.client("observer").client
    task_id = council_board["task"]["id"]

    def claim_line() -> str:
        html = observer.get("/").get_data(as_text=True)
        card = re.search(rf'id="task-{task_id}".*?</article>', html, re.S).group(0)
        return re.search(r'data-field="claim">(.*?)</p>', card, re.S).group(1)

    for _load in range(2):
        assert "someone from another department" in claim_line()
        assert not names_in(claim_line())
    make_user(app, "pam", "member", "PR")  # PR has three people now: shown on its own
    for _load in range(2):
        assert "someone from PR" in claim_line()
        assert not names_in(claim_line())


def test_a_department_is_named_once_beside_a_masked_person(people_, council_board):
    """An observer read "Posted by someone from Marketing Marketing" on an idea, and "someone
    from another department other departments" on a card: the department stood in the name
    and again in the person's department label."""
    observer = people_.client("observer")
    idea_id = council_board["ideas"]["mara"]["id"]
    task_id = council_board["task"]["id"]
    twice = re.compile(
        r"someone from (Marketing|another department)</bdi>.{0,300}?"
        r'data-field="department">(Marketing|other departments)<',
        re.S,
    )
    for path in (f"/ideas/{idea_id}", "/", f"/tasks/{task_id}", "/tasks?status=claimed"):
        html = observer.client.get(path).get_data(as_text=True)
        assert "someone from Marketing" in html or "someone from another" in html, path
        assert not twice.search(html), (path, twice.search(html).group(0))
