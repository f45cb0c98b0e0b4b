"""A process's stores of things made once stay bounded, and a store that starts afresh
costs only a check made again: nobody is logged out or refused by it."""

from __future__ import annotations

from board.csrf import csrf
from board.kept import keep


def test_a_full_store_starts_afresh_and_keeps_the_newest():
    store: dict = {}
    for n in range(7):
        assert keep(store, n, f"value {n}", 3) == f"value {n}"
        assert len(store) <= 3
    assert store[6] == "value 6"
    assert 0 not in store


def test_remembered_cookies_and_tokens_stay_bounded_and_everyone_keeps_working(
    app, people_, monkeypatch
):
    sessions = app.session_interface
    monkeypatch.setattr(sessions, "_REMEMBERED", 2)
    monkeypatch.setattr(csrf, "_REMEMBERED", 2)
    clients = [people_.client(name) for name in ("member", "other_member", "facilitator")]
    idea = clients[0].post(
        "ideas",
        json={
            "title": "Behind the scenes at the depot",
            "body": "A short clip from the early shift.",
        },
    )
    assert idea.status_code == 201, idea.get_json()
    idea_id = idea.get_json()["id"]

    for _ in range(2):  # the second round finds the first round's entries gone or kept
        for client in clients:
            assert client.get("me").status_code == 200
            assert client.put(f"ideas/{idea_id}/vote").status_code in (200, 201)
            assert len(sessions._verified) <= 2
            assert len(csrf._verified) <= 2

    shown = clients[0].get(f"ideas/{idea_id}").get_json()
    assert shown["votes"] == 3


def test_the_app_answers_each_functions_coroutine_question_once_and_stays_bounded(app, monkeypatch):
    calls = []

    def hook():
        calls.append(1)

    assert app.ensure_sync(hook) is hook and app.ensure_sync(hook) is hook
    monkeypatch.setattr(app, "KEPT_FUNCTIONS", 3)
    for number in range(10):
        assert app.ensure_sync(lambda n=number: n)() == number  # one per request, say
        assert len(app._synchronous) <= 3
