"""Idea challenges over time: phases driven by a controllable clock, announced exactly once,
and the rules each phase brings (submissions, voting, hidden tallies, vote budgets)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from board import clock, ideas, scheduler
from board.realtime import socketio
from board.scheduler import advance_phases, announce_phase, run_once, start_phase_scheduler
from models import Prompt, User, Vote
from tests.conftest import BOTH_DATABASES
from tests.realtime_helpers import connect, received


class FakeClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def time_machine():
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    clock.set_clock(fake)
    return fake


def post_challenge(facilitator, time_machine, **extra) -> dict:
    body = {
        "kind": "challenge",
        "title": "Trade fair clips",
        "body": "",
        "submissions_close_at": (time_machine.now + timedelta(days=3)).isoformat(),
        "voting_close_at": (time_machine.now + timedelta(days=5)).isoformat(),
    }
    body.update(extra)
    response = facilitator.post("prompts", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def post_idea(client, prompt_id: int, title: str = "Booth tour") -> dict:
    response = client.post("ideas", json={"title": title, "body": "", "prompt_id": prompt_id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def phase(client, prompt_id: int) -> str:
    return client.get(f"prompts/{prompt_id}").get_json()["phase"]


def event_types(client, after: int = 0) -> list[str]:
    return [e["type"] for e in client.get(f"events?after={after}").get_json()["items"]]


def tick(app, time_machine) -> list[dict]:
    with app.extensions["board_db"].Session() as session:
        return advance_phases(session, time_machine.now)


# ---- phases --------------------------------------------------------------------------


def test_the_phase_follows_the_clock(facilitator, member, time_machine):
    challenge = post_challenge(facilitator, time_machine)
    assert phase(member, challenge["id"]) == "collecting"
    time_machine.advance(days=3)
    assert phase(member, challenge["id"]) == "voting"
    time_machine.advance(days=2)
    assert phase(member, challenge["id"]) == "closed"


def test_each_phase_change_is_announced_once(app, facilitator, member, time_machine):
    challenge = post_challenge(facilitator, time_machine)
    assert tick(app, time_machine) == []
    time_machine.advance(days=3, seconds=1)
    announced = tick(app, time_machine)
    assert [e["type"] for e in announced] == ["prompt.phase_changed"]
    data = announced[0]["data"]
    assert data["prompt"]["id"] == challenge["id"]
    assert data["prompt"]["phase"] == "voting"
    assert data["previous_phase"] == "collecting"
    assert announced[0]["actor"] is None
    assert tick(app, time_machine) == []  # nothing new: nothing said
    time_machine.advance(days=2)
    assert [e["data"]["prompt"]["phase"] for e in tick(app, time_machine)] == ["closed"]
    assert tick(app, time_machine) == []
    time_machine.advance(days=30)
    assert tick(app, time_machine) == []
    changes = [
        e
        for e in member.get("events?after=0").get_json()["items"]
        if e["type"] == "prompt.phase_changed"
    ]
    assert [e["data"]["prompt"]["phase"] for e in changes] == ["voting", "closed"]


def test_a_late_check_announces_the_phase_it_finds(app, facilitator, time_machine):
    post_challenge(facilitator, time_machine)
    time_machine.advance(days=10)  # the server was down for the whole voting phase
    announced = tick(app, time_machine)
    assert [(e["data"]["previous_phase"], e["data"]["prompt"]["phase"]) for e in announced] == [
        ("collecting", "closed")
    ]


def test_plain_prompts_have_nothing_to_announce(app, facilitator, time_machine):
    facilitator.post("prompts", json={"kind": "prompt", "title": "Open question"})
    time_machine.advance(days=400)
    assert tick(app, time_machine) == []


def test_a_process_that_read_an_old_phase_does_not_announce_again(app, facilitator, time_machine):
    challenge = post_challenge(facilitator, time_machine)
    time_machine.advance(days=4)
    database = app.extensions["board_db"]
    # Two processes both read "collecting"; the first to UPDATE wins, the second finds nothing.
    with database.Session() as first, database.Session() as second:
        assert len(announce_phase(first, challenge["id"], "collecting", time_machine.now)) == 1
        assert announce_phase(second, challenge["id"], "collecting", time_machine.now) == []
    with database.Session() as session:
        assert session.get(Prompt, challenge["id"]).phase == "voting"


@BOTH_DATABASES
def test_several_processes_checking_at_once_announce_once(app, facilitator, member, time_machine):
    challenge = post_challenge(facilitator, time_machine)
    time_machine.advance(days=3, seconds=1)
    database = app.extensions["board_db"]
    barrier = threading.Barrier(4)
    results: list[list[dict]] = []

    def check():
        with database.Session() as session:
            barrier.wait(timeout=30)
            results.append(advance_phases(session, time_machine.now))

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(len(r) for r in results) == 1
    assert event_types(member).count("prompt.phase_changed") == 1
    assert phase(member, challenge["id"]) == "voting"


def test_the_background_check_is_not_started_in_tests_but_runs_once_on_demand(
    app, facilitator, time_machine
):
    assert start_phase_scheduler(app) is False
    post_challenge(facilitator, time_machine)
    time_machine.advance(days=3, seconds=1)
    assert [e["type"] for e in run_once(app)] == ["prompt.phase_changed"]


@pytest.mark.parametrize("failure", [RuntimeError("a bug"), KeyError("phase"), OSError("disk")])
def test_the_background_check_keeps_running_after_any_failure(
    app, facilitator, member, time_machine, monkeypatch, caplog, failure
):
    """One bad round (any exception, not only a database error) is logged; the next round
    still announces the phase change."""
    challenge = post_challenge(facilitator, time_machine)
    time_machine.advance(days=3, seconds=1)
    real_advance, calls = scheduler.advance_phases, []

    def fails_once(session, now):
        calls.append(now)
        if len(calls) == 1:
            raise failure
        return real_advance(session, now)

    monkeypatch.setattr(scheduler, "advance_phases", fails_once)
    scheduler._loop(app, 0, rounds=2)
    assert len(calls) == 2
    assert "phase check failed" in caplog.text
    assert event_types(member).count("prompt.phase_changed") == 1
    assert phase(member, challenge["id"]) == "voting"


def test_a_failing_cleanup_does_not_stop_the_phase_check(
    app, facilitator, member, time_machine, monkeypatch, caplog
):
    post_challenge(facilitator, time_machine)

    def broken_cleanup(session, now):
        raise RuntimeError("cleanup bug")

    monkeypatch.setattr(scheduler, "expire_keys", broken_cleanup)
    last = scheduler.check_once(app, None)  # the first round also cleans up, and fails
    assert last is not None and "housekeeping failed" in caplog.text
    time_machine.advance(days=3, seconds=1)
    scheduler.check_once(app, last)
    assert event_types(member).count("prompt.phase_changed") == 1


def test_phase_changes_reach_every_open_board_live(app, people_, facilitator, time_machine):
    challenge = post_challenge(facilitator, time_machine)
    sockets = {
        name: socketio.test_client(app, flask_test_client=people_.client(name).client)
        for name in ("member", "observer", "facilitator")
    }
    for sock in sockets.values():
        assert sock.is_connected()
        sock.get_received()
    time_machine.advance(days=3, seconds=1)
    tick(app, time_machine)
    for name, sock in sockets.items():
        got = [p["args"][0] for p in sock.get_received() if p["name"] == "activity"]
        assert [e["type"] for e in got] == ["prompt.phase_changed"], name
        assert got[0]["data"]["prompt"]["id"] == challenge["id"]
        sock.disconnect()


# ---- what each phase allows ----------------------------------------------------------


def test_ideas_are_taken_only_while_collecting(facilitator, member, time_machine):
    challenge = post_challenge(facilitator, time_machine)
    post_idea(member, challenge["id"])
    time_machine.advance(days=3)
    late = member.post(
        "ideas", json={"body": "", "title": "Too late", "prompt_id": challenge["id"]}
    )
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "submissions_closed"
    time_machine.advance(days=3)
    closed = member.post(
        "ideas", json={"body": "", "title": "Way too late", "prompt_id": challenge["id"]}
    )
    assert closed.get_json()["error"]["code"] == "submissions_closed"
    assert len(member.get(f"ideas?prompt_id={challenge['id']}").get_json()["items"]) == 1


def test_votes_are_taken_while_collecting_and_voting_but_not_once_closed(
    facilitator, member, other_member, time_machine
):
    challenge = post_challenge(facilitator, time_machine)
    idea = post_idea(member, challenge["id"])
    assert other_member.put(f"ideas/{idea['id']}/vote").status_code == 200
    time_machine.advance(days=4)
    assert facilitator.put(f"ideas/{idea['id']}/vote").status_code == 200
    assert facilitator.delete(f"ideas/{idea['id']}/vote").status_code == 200
    time_machine.advance(days=1)
    for response in (
        member.put(f"ideas/{idea['id']}/vote"),
        other_member.delete(f"ideas/{idea['id']}/vote"),
    ):
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "voting_closed"
    assert member.get(f"ideas/{idea['id']}").get_json()["votes"] == 1


# ---- hidden tallies ------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["member", "other_member", "facilitator", "observer"])
def test_hidden_tallies_are_hidden_from_everyone_until_the_close(
    app, people_, facilitator, member, other_member, viewer, time_machine
):
    challenge = post_challenge(facilitator, time_machine)
    idea = post_idea(member, challenge["id"])
    answer = other_member.put(f"ideas/{idea['id']}/vote").get_json()
    assert answer == {
        "idea_id": idea["id"],
        "votes": None,
        "voted": True,
        "departments_supporting": None,
    }
    client = people_.client(viewer)
    time_machine.advance(days=4)  # voting: still hidden
    seen = client.get(f"ideas/{idea['id']}").get_json()
    assert seen["votes"] is None and seen["departments_supporting"] is None
    listed = client.get(f"ideas?prompt_id={challenge['id']}").get_json()["items"]
    assert [(i["votes"], i["departments_supporting"]) for i in listed] == [(None, None)]
    board = client.get("ideas?sort=top").get_json()["items"]
    assert [(i["votes"], i["departments_supporting"]) for i in board] == [(None, None)]
    assert "idea.votes_changed" not in event_types(client)

    time_machine.advance(days=1)
    shown = client.get(f"ideas/{idea['id']}").get_json()
    assert (shown["votes"], shown["departments_supporting"]) == (1, 1)
    before = client.get("events?after=0").get_json()["last_seq"]
    tick(app, time_machine)
    after_close = client.get(f"events?after={before}").get_json()["items"]
    assert [e["type"] for e in after_close] == ["prompt.phase_changed", "idea.votes_changed"]
    assert after_close[1]["actor"] is None
    assert after_close[1]["data"] == {
        "idea_id": idea["id"],
        "votes": 1,
        "departments_supporting": 1,
    }


def test_a_list_hides_the_tallies_of_every_running_challenge_that_hides_them(
    facilitator, member, other_member, time_machine
):
    """A read request learns the running challenges with its login check, one row per
    challenge: with two of them the person is still read once and right (their votes)."""
    hidden = [post_challenge(facilitator, time_machine, title=t) for t in ("Clips", "Voices")]
    shown = post_challenge(facilitator, time_machine, title="Photos", hide_tallies=False)
    for number, challenge in enumerate([*hidden, shown]):
        idea = post_idea(member, challenge["id"], f"Idea {number}")
        other_member.put(f"ideas/{idea['id']}/vote")
    for client, voted in ((other_member, True), (member, False)):
        listed = client.get("ideas?sort=new").get_json()["items"]
        assert [(i["title"], i["votes"], i["voted"]) for i in listed] == [
            ("Idea 2", 1, voted),
            ("Idea 1", None, voted),
            ("Idea 0", None, voted),
        ]
    assert (
        member.get("me").get_json()["user"]["id"] != other_member.get("me").get_json()["user"]["id"]
    )


def test_hidden_votes_answer_without_counts_and_send_no_event(
    facilitator, member, other_member, time_machine
):
    challenge = post_challenge(facilitator, time_machine)
    idea = post_idea(member, challenge["id"])
    start = member.get("events?after=0").get_json()["last_seq"]
    for client in (other_member, facilitator):
        assert client.put(f"ideas/{idea['id']}/vote").get_json()["votes"] is None
    assert other_member.delete(f"ideas/{idea['id']}/vote").get_json() == {
        "idea_id": idea["id"],
        "votes": None,
        "voted": False,
        "departments_supporting": None,
    }
    assert event_types(member, start) == []


def test_a_challenge_with_open_tallies_shows_and_sends_them(
    facilitator, member, other_member, time_machine
):
    challenge = post_challenge(facilitator, time_machine, hide_tallies=False)
    idea = post_idea(member, challenge["id"])
    assert other_member.put(f"ideas/{idea['id']}/vote").get_json()["votes"] == 1
    assert event_types(member)[-1] == "idea.votes_changed"


def test_while_hidden_each_person_sees_their_own_shuffled_order(
    people_, facilitator, member, other_member, time_machine
):
    challenge = post_challenge(facilitator, time_machine)
    posted = [post_idea(member, challenge["id"], f"Idea {n}")["id"] for n in range(8)]
    # Give the last idea many votes: the order must not give that away.
    for name in ("other_member", "facilitator"):
        people_.client(name).put(f"ideas/{posted[-1]}/vote")

    def order(client):
        items = client.get(f"ideas?prompt_id={challenge['id']}").get_json()["items"]
        return [i["id"] for i in items]

    mine, theirs = order(member), order(other_member)
    assert sorted(mine) == sorted(theirs) == sorted(posted)
    assert mine != theirs
    assert order(member) == mine  # stable for one person, so the page does not jump
    time_machine.advance(days=5)
    assert order(member)[0] == order(other_member)[0] == posted[-1]


# ---- vote budgets --------------------------------------------------------------------


def test_the_vote_budget_is_enforced(facilitator, member, other_member, time_machine):
    challenge = post_challenge(facilitator, time_machine, votes_per_person=2)
    posted = [post_idea(member, challenge["id"], f"Idea {n}")["id"] for n in range(3)]
    assert other_member.put(f"ideas/{posted[0]}/vote").status_code == 200
    assert other_member.put(f"ideas/{posted[1]}/vote").status_code == 200
    assert other_member.put(f"ideas/{posted[1]}/vote").status_code == 200  # idempotent
    spent = other_member.put(f"ideas/{posted[2]}/vote")
    assert spent.status_code == 409
    assert spent.get_json()["error"]["code"] == "vote_budget_spent"
    assert other_member.delete(f"ideas/{posted[0]}/vote").status_code == 200
    assert other_member.put(f"ideas/{posted[2]}/vote").status_code == 200
    # The budget is per person: someone else still has all their votes.
    assert member.put(f"ideas/{posted[2]}/vote").status_code == 200


@pytest.mark.parametrize("hide_tallies", [True, False])
def test_a_budgeted_vote_is_told_to_the_voters_own_pages_only(
    app, facilitator, member, other_member, observer, time_machine, hide_tallies
):
    """Another tab of the voter learns of the vote it did not cast (its budget line and
    buttons follow), also while the tallies are hidden and no public event is sent; the
    other people's sockets hear nothing that could say who voted."""
    challenge = post_challenge(
        facilitator, time_machine, votes_per_person=2, hide_tallies=hide_tallies
    )
    idea = post_idea(member, challenge["id"])
    sockets = {
        name: connect(app, client)
        for name, client in [
            ("voter", other_member),
            ("author", member),
            ("sam", facilitator),
            ("petra", observer),
        ]
    }
    for socket in sockets.values():
        socket.get_received()
    other_member.put(f"ideas/{idea['id']}/vote")
    other_member.put(f"ideas/{idea['id']}/vote")  # idempotent: nothing changed, nothing told
    other_member.delete(f"ideas/{idea['id']}/vote")
    told = {"prompt_id": challenge["id"], "idea_id": idea["id"]}
    assert received(sockets["voter"], ideas.OWN_VOTE_EVENT) == [
        {**told, "voted": True},
        {**told, "voted": False},
    ]
    for name in ("author", "sam", "petra"):
        assert received(sockets[name], ideas.OWN_VOTE_EVENT) == [], name
        for envelope in received(sockets[name], "activity"):
            assert envelope["actor"] is None and "voted" not in str(envelope["data"]), name


def test_a_vote_outside_a_budget_tells_no_one_privately(app, member, other_member):
    idea = member.post("ideas", json={"title": "Booth tour", "body": ""}).get_json()
    socket = connect(app, other_member)
    socket.get_received()
    other_member.put(f"ideas/{idea['id']}/vote")
    assert received(socket, ideas.OWN_VOTE_EVENT) == []


@BOTH_DATABASES
def test_the_vote_budget_holds_when_votes_arrive_at_once(
    app, people_, facilitator, member, time_machine
):
    challenge = post_challenge(facilitator, time_machine, votes_per_person=1)
    posted = [post_idea(member, challenge["id"], f"Idea {n}")["id"] for n in range(6)]
    voter_id = people_.user("other_member").id
    database = app.extensions["board_db"]
    barrier = threading.Barrier(len(posted))
    outcomes: list[str] = []

    def vote(idea_id: int):
        with database.Session() as session:
            voter = session.get(User, voter_id)
            session.commit()  # SQLite: do not hold the write lock while waiting for the others
            barrier.wait(timeout=30)
            try:
                ideas.vote(session, voter, idea_id)
                outcomes.append("ok")
            except Exception as error:  # noqa: BLE001 - the refusal is what we count
                outcomes.append(getattr(error, "code", repr(error)))

    threads = [threading.Thread(target=vote, args=(i,)) for i in posted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok"] + ["vote_budget_spent"] * (len(posted) - 1)
    with database.Session() as session:
        assert len(session.scalars(select(Vote).where(Vote.user_id == voter_id)).all()) == 1


# ---- results -------------------------------------------------------------------------


def test_results_appear_once_the_challenge_closes(
    app, people_, facilitator, member, other_member, time_machine
):
    challenge = post_challenge(facilitator, time_machine)
    first = post_idea(member, challenge["id"], "Booth tour")
    second = post_idea(other_member, challenge["id"], "Customer voices")
    third = post_idea(other_member, challenge["id"], "Timelapse")
    for client in (member, facilitator):
        client.put(f"ideas/{second['id']}/vote")
    other_member.put(f"ideas/{first['id']}/vote")
    facilitator.put(f"ideas/{first['id']}/vote")
    early = member.get(f"prompts/{challenge['id']}/results")
    assert early.status_code == 409
    assert early.get_json()["error"]["code"] == "results_not_ready"

    time_machine.advance(days=5)
    results = people_.client("observer").get(f"prompts/{challenge['id']}/results").get_json()
    assert results["prompt"]["phase"] == "closed"
    ranking = [
        (r["rank"], r["idea_id"], r["votes"], r["departments_supporting"])
        for r in results["ranking"]
    ]
    # Two ideas tie at two votes from two departments each: they share first place.
    assert ranking == [(1, first["id"], 2, 2), (1, second["id"], 2, 2), (3, third["id"], 0, 0)]
    assert results["participation"] == {
        "people": 3,
        "departments": 3,
        "authors": 2,
        "voters": 3,
        "ideas": 3,
        "votes": 4,
    }
    for row in results["ranking"]:
        assert set(row) == {"rank", "idea_id", "title", "author", "votes", "departments_supporting"}


def test_a_prompt_has_no_results(facilitator, member):
    prompt = facilitator.post("prompts", json={"kind": "prompt", "title": "Q?"}).get_json()
    assert member.get(f"prompts/{prompt['id']}/results").status_code == 409


def test_the_stored_phase_catches_up_but_the_api_never_waits_for_it(
    app, facilitator, member, time_machine
):
    challenge = post_challenge(facilitator, time_machine)
    time_machine.advance(days=5)
    with app.extensions["board_db"].Session() as session:
        assert session.get(Prompt, challenge["id"]).phase == "collecting"
    assert phase(member, challenge["id"]) == "closed"
    tick(app, time_machine)
    with app.extensions["board_db"].Session() as session:
        assert session.get(Prompt, challenge["id"]).phase == "closed"


def test_people_see_a_challenges_ideas_in_orders_of_their_own():
    """The per-person order is a real shuffle: among 300 people, eight ideas come in nearly
    as many orders (CRC32, a linear checksum, gave these 300 people 16 orders in all)."""
    posted = range(401, 409)
    orders = {
        tuple(sorted(posted, key=lambda idea: ideas.shuffle_rank(viewer, 12, idea)))
        for viewer in range(1, 301)
    }
    assert len(orders) >= 295
    firsts = Counter(order[0] for order in orders)
    assert len(firsts) == 8 and max(firsts.values()) < 60  # each idea comes first for some
