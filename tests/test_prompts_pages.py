"""The prompt pages: the list with the facilitator's form, a running challenge, and a closed
challenge's results page from which anyone but observers turns an idea into tasks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import select

from board import clock, prompts
from models import User

NOW = datetime.now(UTC).replace(microsecond=0)


def refused(client, response, sentence: str) -> None:
    """A page form's refusal: back to a page (Post/Redirect/Get) that says why."""
    assert response.status_code == 302
    assert sentence in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def frozen():
    clock.set_clock(lambda: NOW)


def running_challenge(facilitator, **extra) -> dict:
    body = {
        "kind": "challenge",
        "title": "Trade fair clips",
        "body": "Ideas *welcome*",
        "submissions_close_at": (NOW + timedelta(days=2)).isoformat(),
        "voting_close_at": (NOW + timedelta(days=4)).isoformat(),
        **extra,
    }
    response = facilitator.post("prompts", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def html(client, path: str, **kw) -> str:
    response = client.get(path, **kw)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def closed_challenge(facilitator, member, other_member, frozen):
    challenge = running_challenge(facilitator)
    winner = member.post(
        "ideas", json={"body": "", "title": "Booth tour", "prompt_id": challenge["id"]}
    ).get_json()
    runner_up = other_member.post(
        "ideas", json={"body": "", "title": "Customer voices", "prompt_id": challenge["id"]}
    ).get_json()
    other_member.put(f"ideas/{winner['id']}/vote")
    facilitator.put(f"ideas/{winner['id']}/vote")
    member.put(f"ideas/{runner_up['id']}/vote")
    clock.set_clock(lambda: NOW + timedelta(days=5))
    return {"challenge": challenge, "winner": winner, "runner_up": runner_up}


# ---- the list and the form -----------------------------------------------------------


@pytest.mark.parametrize("client_name", ["member", "observer", "facilitator"])
def test_everyone_logged_in_sees_the_prompts(people_, facilitator, client_name, frozen):
    running_challenge(facilitator)
    facilitator.post("prompts", json={"kind": "prompt", "title": "Open question"})
    page = html(people_.client(client_name), "/prompts")
    assert "Trade fair clips" in page and "Open question" in page
    assert "collecting" in page
    assert ("Post a prompt or a challenge" in page) == (client_name == "facilitator")


def prompts_with_ideas(facilitator, member) -> tuple[dict, dict, dict]:
    """A prompt without ideas, one with one, a running challenge with two and one
    withdrawn, and an idea of no prompt."""
    empty = facilitator.post("prompts", json={"kind": "prompt", "title": "Quiet"}).get_json()
    question = facilitator.post("prompts", json={"kind": "prompt", "title": "Open"}).get_json()
    challenge = running_challenge(facilitator)
    for title in ("Booth tour", "Customer voices", "Withdrawn later"):
        idea = member.post("ideas", json={"body": "", "title": title, "prompt_id": challenge["id"]})
    member.post(f"ideas/{idea.get_json()['id']}/withdraw")
    member.post("ideas", json={"body": "", "title": "Night shift", "prompt_id": question["id"]})
    member.post("ideas", json={"body": "", "title": "A free idea"})
    return empty, question, challenge


PROMPT_IDEAS = re.compile(r'data-prompt-ideas="(\d+)" data-count="(\d+)">([^<]*)</span>')


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["2 ideas", "1 idea", "0 ideas"]), ("de", ["2 Ideen", "1 Idee", "0 Ideen"])],
)
@pytest.mark.parametrize("client_name", ["member", "facilitator"])
def test_the_prompt_list_counts_each_prompts_ideas(
    people_, facilitator, member, frozen, client_name, language, words
):
    """The list said nothing of how many ideas each prompt has; its badge says it, as the
    challenge page's does, without the ideas withdrawn (no list shows them)."""
    empty, question, challenge = prompts_with_ideas(facilitator, member)
    page = html(people_.client(client_name), "/prompts", headers={"Accept-Language": language})
    listed = page.split("<template")[0]  # not the <template>s of a card posted live
    badges = {int(i): (int(n), text) for i, n, text in PROMPT_IDEAS.findall(listed)}
    assert badges == {
        challenge["id"]: (2, words[0]),
        question["id"]: (1, words[1]),
        empty["id"]: (0, words[2]),
    }


STRIP_IDEAS = re.compile(
    r'class="count strip-ideas" data-prompt-ideas="(\d+)" data-count="(\d+)">([^<]*)</span>'
)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["2 ideas", "1 idea", "0 ideas"]), ("de", ["2 Ideen", "1 Idee", "0 Ideen"])],
)
def test_the_boards_strip_counts_each_prompts_ideas(
    people_, facilitator, member, frozen, language, words
):
    """The board's "Now on the board" strip named its prompts without their ideas: each card
    counts them as the prompt list does (withdrawn ones not)."""
    empty, question, challenge = prompts_with_ideas(facilitator, member)
    page = html(people_.client("member"), "/", headers={"Accept-Language": language})
    badges = {int(i): (int(n), text) for i, n, text in STRIP_IDEAS.findall(page)}
    assert badges == {
        challenge["id"]: (2, words[0]),
        question["id"]: (1, words[1]),
        empty["id"]: (0, words[2]),
    }


def test_the_prompt_pages_need_a_login(anonymous):
    for path in ("/prompts", "/prompts/1", "/nudges"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_facilitator_posts_a_challenge_with_the_form(facilitator, member, frozen):
    local = (NOW + timedelta(days=1)).astimezone(timezone(timedelta(hours=2)))  # Berlin, summer
    later = local + timedelta(days=2)
    offset = int(-local.utcoffset().total_seconds() // 60)  # as getTimezoneOffset() says
    response = facilitator.post(
        "/prompts",
        data={
            "kind": "challenge",
            "title": "Best apprentice story",
            "body": "Go!",
            "submissions_close_at": local.strftime("%Y-%m-%dT%H:%M"),
            "voting_close_at": later.strftime("%Y-%m-%dT%H:%M"),
            "tz_offset": str(offset),
            "hide_tallies": "1",
            "votes_per_person": "2",
        },
    )
    assert response.status_code == 302
    prompt_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    prompt = member.get(f"prompts/{prompt_id}").get_json()
    assert prompt["kind"] == "challenge"
    assert prompt["hide_tallies"] is True and prompt["votes_per_person"] == 2
    assert datetime.fromisoformat(prompt["submissions_close_at"]) == local.replace(second=0)
    assert "Posted." in html(facilitator, f"/prompts/{prompt_id}")


def test_a_bad_form_comes_back_with_the_reason(facilitator, frozen):
    response = facilitator.post(
        "/prompts",
        data={
            "kind": "challenge",
            "title": "Backwards",
            "submissions_close_at": (NOW + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "voting_close_at": (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Voting must close after the submissions close." in page
    assert 'value="Backwards"' in page  # what was typed is kept
    assert facilitator.get("prompts").get_json() == []


def test_a_refused_form_puts_the_focus_on_its_first_wrong_field(facilitator, frozen):
    """The form sits below the list: it came back scrolled to the top, its errors out of
    sight. The first wrong field takes the focus (and the view); each names its error."""
    response = facilitator.post(
        "/prompts", data={"kind": "challenge", "title": "No time box", "votes_per_person": "99"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    fields = {
        name: re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        for name in ("title", "submissions_close_at", "voting_close_at", "votes_per_person")
    }
    assert "aria-invalid" not in fields["title"]
    assert [name for name, tag in fields.items() if "autofocus" in tag] == ["submissions_close_at"]
    for name in ("submissions_close_at", "voting_close_at", "votes_per_person"):
        assert f'aria-describedby="prompt-{name}-error"' in fields[name]
        assert f'id="prompt-{name}-error"' in page


def test_the_vote_budget_field_says_what_empty_means(facilitator):
    page = html(facilitator, "/prompts")
    assert "Leave empty for one vote per idea, with no limit." in page
    german = html(facilitator, "/prompts", headers={"Accept-Language": "de"})
    assert "Leer lassen: eine Stimme pro Idee, ohne Obergrenze." in german
    assert "kein Budget" not in german


@pytest.mark.parametrize("client_name", ["member", "observer"])
def test_only_the_facilitator_posts_with_the_form(people_, client_name):
    client = people_.client(client_name)
    response = client.post("/prompts", data={"kind": "prompt", "title": "Me too"})
    refused(
        client,
        response,
        "Only the facilitator may do this."
        if client_name == "member"
        else "Observers watch the board and cannot change it.",
    )
    assert people_.client("member").get("prompts").get_json() == []


# ---- a running challenge -------------------------------------------------------------


def test_a_running_challenge_hides_its_tallies_on_the_page(
    facilitator, member, other_member, frozen
):
    challenge = running_challenge(facilitator, votes_per_person=2)
    idea = member.post(
        "ideas", json={"body": "", "title": "Booth tour", "prompt_id": challenge["id"]}
    )
    other_member.put(f"ideas/{idea.get_json()['id']}/vote")
    page = html(member, f"/prompts/{challenge['id']}")
    assert "Booth tour" in page
    assert "The tallies stay hidden until the challenge closes" in page
    assert "votes: hidden" not in page  # the sentence above says it for every idea
    assert "You have used 0 of your 2 votes." in page
    assert "<em>welcome</em>" in page  # the prompt's Markdown, sanitized
    assert "Add your idea" in page


# How each language says that the tallies are hidden, in the page's sentence about it.
HIDDEN_WORD = {"en": "hidden", "de": "verborgen"}


def main_text(page: str) -> str:
    """The page's <main> as a reader sees it: tags left out, whitespace collapsed."""
    main = page[page.index("<main") : page.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("client_name", ["member", "observer"])
def test_a_challenge_page_says_once_that_its_tallies_are_hidden(
    people_, facilitator, member, frozen, client_name, language
):
    """Under the page's sentence that the tallies stay hidden, every idea's footer said
    "votes: hidden" again. The sentence says it once, and describes the ideas' region (a
    screen reader jumping to the ideas hears why they show no votes)."""
    challenge = running_challenge(facilitator)
    for title in ("Booth tour", "Customer voices", "Night shift"):
        member.post("ideas", json={"body": "", "title": title, "prompt_id": challenge["id"]})
    page = html(
        people_.client(client_name),
        f"/prompts/{challenge['id']}",
        headers={"Accept-Language": language},
    )
    assert main_text(page).lower().count(HIDDEN_WORD[language]) == 1, main_text(page)
    [described] = re.findall(r'<section id="ideas"[^>]* aria-describedby="([^"]+)"', page)
    note = re.search(rf'<p [^>]*id="{described}"[^>]*>([^<]*)</p>', page)
    assert note and HIDDEN_WORD[language] in note.group(1)


def test_voting_and_posting_ideas_from_the_page(facilitator, member, other_member, frozen):
    challenge = running_challenge(facilitator, votes_per_person=1)
    response = member.post(
        f"/prompts/{challenge['id']}/ideas", data={"title": "Night shift", "body": "Real people"}
    )
    assert response.status_code == 302
    [idea] = member.get(f"ideas?prompt_id={challenge['id']}").get_json()["items"]
    assert idea["title"] == "Night shift" and idea["prompt_id"] == challenge["id"]
    vote = other_member.post(
        f"/prompts/{challenge['id']}/ideas/{idea['id']}/vote", data={"vote": "1"}
    )
    assert vote.status_code == 302
    assert other_member.get(f"ideas/{idea['id']}").get_json()["voted"] is True
    page = html(other_member, f"/prompts/{challenge['id']}")
    assert "You have used 1 of your 1 vote." in page  # not "of your 1 votes"
    german = html(other_member, f"/prompts/{challenge['id']}", headers={"Accept-Language": "de"})
    assert "Du hast 1 von 1 Stimme vergeben." in german
    other_member.post(f"/prompts/{challenge['id']}/ideas/{idea['id']}/vote", data={"vote": "0"})
    assert other_member.get(f"ideas/{idea['id']}").get_json()["voted"] is False


def test_a_late_idea_from_the_page_is_refused_with_a_note(facilitator, member, frozen):
    challenge = running_challenge(facilitator)
    clock.set_clock(lambda: NOW + timedelta(days=3))
    page = html(member, f"/prompts/{challenge['id']}")
    assert "Add your idea" not in page
    response = member.post(f"/prompts/{challenge['id']}/ideas", data={"title": "Too late"})
    assert response.status_code == 302
    assert "This challenge no longer takes ideas." in html(member, f"/prompts/{challenge['id']}")
    assert member.get(f"ideas?prompt_id={challenge['id']}").get_json()["items"] == []


def test_an_observer_reads_but_gets_no_forms(facilitator, member, observer, frozen):
    challenge = running_challenge(facilitator)
    idea = member.post(
        "ideas", json={"body": "", "title": "Booth tour", "prompt_id": challenge["id"]}
    )
    page = html(observer, f"/prompts/{challenge['id']}")
    assert "Booth tour" in page
    assert 'action="/prompts/' not in page
    response = observer.post(
        f"/prompts/{challenge['id']}/ideas/{idea.get_json()['id']}/vote", data={"vote": "1"}
    )
    refused(observer, response, "Observers watch the board and cannot change it.")
    assert member.get(f"ideas/{idea.get_json()['id']}").get_json()["voted"] is False


def test_user_text_never_becomes_markup(facilitator, member, frozen):
    challenge = running_challenge(
        facilitator,
        title="<img src=x onerror=alert(1)>",
        body="<script>alert(2)</script> [x](javascript:alert(3))",
    )
    member.post(
        "ideas",
        json={"body": "", "title": "<script>alert(4)</script>", "prompt_id": challenge["id"]},
    )
    page = html(member, f"/prompts/{challenge['id']}")
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in page


def test_the_challenge_pages_idea_count_is_a_badge(facilitator, member, frozen):
    """Counts beside headings are badges everywhere else ("Ideas 19" on the board); the
    challenge page said "Ideas (2)" in plain text."""
    challenge = running_challenge(facilitator)
    for title in ("Booth tour", "Customer voices"):
        member.post("ideas", json={"body": "", "title": title, "prompt_id": challenge["id"]})
    page = html(member, f"/prompts/{challenge['id']}")
    heading = re.search(r'<h2 id="ideas-title">(.*?)</h2>', page, re.S).group(1)
    assert re.fullmatch(
        r'Ideas <span class="count" data-field="count"[^>]*>2</span>', heading.strip()
    )


def test_a_missing_prompt_page_is_404(member):
    assert member.get("/prompts/999").status_code == 404


def test_the_prompt_page_speaks_german(facilitator, member, frozen):
    challenge = running_challenge(facilitator)
    page = html(member, f"/prompts/{challenge['id']}", headers={"Accept-Language": "de"})
    assert "Deine Idee einreichen" in page
    assert "Ideen gesucht bis" in page


@pytest.mark.parametrize(
    ("language", "page_says", "strip_says"),
    [
        ("en", "(in less than a minute)", "Collecting ideas · closes in less than a minute"),
        (
            "de",
            "(in weniger als einer Minute)",
            "Ideen gesucht · endet in weniger als einer Minute",
        ),
    ],
)
def test_a_deadline_seconds_away_is_still_ahead(
    facilitator, member, frozen, language, page_says, strip_says
):
    """A challenge whose ideas close in 30 seconds read "Collecting ideas until 01:38 (just
    now)", as if it had closed already, and the board's strip "closes just now"."""
    challenge = running_challenge(facilitator)
    clock.set_clock(lambda: NOW + timedelta(days=2, seconds=-30))
    headers = {"Accept-Language": language}
    for path in (f"/prompts/{challenge['id']}", "/prompts"):
        assert page_says in unescape(html(member, path, headers=headers)), path
    assert strip_says in unescape(html(member, "/", headers=headers))


# ---- a closed challenge's results ----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Taking part: 1 person from 1 department, with 1 idea and 1 vote."),
        ("de", "Beteiligt: 1 Person aus 1 Abteilung, mit 1 Idee und 1 Stimme."),
    ],
)
def test_the_results_count_one_of_each_in_the_singular(facilitator, member, frozen, language, said):
    """One person's idea with their own vote read "1 people from 1 departments took part:
    1 ideas, 1 votes" ("1 Personen aus 1 Abteilungen")."""
    challenge = running_challenge(facilitator)
    idea = member.post(
        "ideas", json={"body": "", "title": "Booth tour", "prompt_id": challenge["id"]}
    ).get_json()
    member.put(f"ideas/{idea['id']}/vote")
    clock.set_clock(lambda: NOW + timedelta(days=5))
    page = html(member, f"/prompts/{challenge['id']}", headers={"Accept-Language": language})
    assert said in unescape(page)


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Nobody voted, so there is no ranking: the ideas stand in the order they came in."),
        (
            "de",
            "Niemand hat abgestimmt, daher gibt es keine Rangfolge: Die Ideen stehen in der Reihenfolge, in der sie eingegangen sind.",
        ),
    ],
)
def test_results_without_a_vote_rank_nobody_first(facilitator, member, frozen, language, said):
    """With no vote at all every idea showed rank 1, as if all had tied for the win."""
    challenge = running_challenge(facilitator)
    for title in ("Booth tour", "Team quiz"):
        member.post("ideas", json={"body": "", "title": title, "prompt_id": challenge["id"]})
    clock.set_clock(lambda: NOW + timedelta(days=5))
    page = html(member, f"/prompts/{challenge['id']}", headers={"Accept-Language": language})
    assert said in unescape(page)
    assert re.findall(r'<h3><a href="/ideas/\d+">([^<]+)</a>', page) == ["Booth tour", "Team quiz"]
    assert 'class="rank"' not in page


def test_the_results_page_ranks_the_ideas(people_, closed_challenge):
    page = html(people_.client("observer"), f"/prompts/{closed_challenge['challenge']['id']}")
    assert "Results" in page
    assert "Taking part: 3 people from 3 departments, with 2 ideas and 3 votes." in page
    ranking = re.findall(r'<li id="idea-(\d+)" class="ranked ?(winner)?', page)
    assert [(int(i), w) for i, w in ranking] == [
        (closed_challenge["winner"]["id"], "winner"),
        (closed_challenge["runner_up"]["id"], ""),
    ]
    assert "Winner" in page
    assert "votes: hidden" not in page


def test_the_results_page_reads_as_german(closed_challenge, member):
    """ "Alle übernehmen sie selbst" said everyone takes them on, not that whoever wants one
    takes it."""
    page = html(
        member, f"/prompts/{closed_challenge['challenge']['id']}", headers={"Accept-Language": "de"}
    )
    assert "In Aufgaben umwandeln" in page
    assert "Sie sind zunächst frei: Wer mag, übernimmt sie selbst." in page


def test_anyone_but_observers_turns_a_winning_idea_into_tasks(
    people_, closed_challenge, member, other_member, observer
):
    challenge_id = closed_challenge["challenge"]["id"]
    winner_id = closed_challenge["winner"]["id"]
    assert "Turn into tasks" in html(other_member, f"/prompts/{challenge_id}")
    assert "Turn into tasks" not in html(observer, f"/prompts/{challenge_id}")
    response = other_member.post(
        f"/prompts/{challenge_id}/ideas/{winner_id}/tasks",
        data={"titles": "Write the booth tour script\n\n  Film the booth tour  \n"},
    )
    assert response.status_code == 302
    created = member.get(f"tasks?idea_id={winner_id}").get_json()["items"]
    assert sorted(t["title"] for t in created) == [
        "Film the booth tour",
        "Write the booth tour script",
    ]
    assert all(t["status"] == "open" and t["claimed_by"] is None for t in created)
    page = html(member, f"/prompts/{challenge_id}")
    assert "Tasks from this idea" in page and "Film the booth tour" in page
    assert all(t["idea_id"] == winner_id for t in created)


@pytest.mark.parametrize(
    ("language", "titles", "said"),
    [
        ("en", "Film the booth tour", "1 task created. Anyone can claim it now."),
        ("en", "Write the script\nFilm it", "2 tasks created. Anyone can claim them now."),
        ("de", "Film the booth tour", "Eine Aufgabe angelegt. Alle können sie jetzt übernehmen."),
        (
            "de",
            "Write the script\nFilm it",
            "2 Aufgaben angelegt. Alle können sie jetzt übernehmen.",
        ),
    ],
)
def test_turning_into_tasks_counts_them_in_the_right_number(
    closed_challenge, member, language, titles, said
):
    """One line made "1 tasks created" and "1 Aufgaben angelegt"."""
    challenge_id = closed_challenge["challenge"]["id"]
    winner_id = closed_challenge["winner"]["id"]
    reader = {"Accept-Language": language}
    member.post(
        f"/prompts/{challenge_id}/ideas/{winner_id}/tasks", data={"titles": titles}, headers=reader
    )
    assert said in html(member, f"/prompts/{challenge_id}", headers=reader)


def test_observers_cannot_turn_ideas_into_tasks(closed_challenge, observer, member):
    challenge_id = closed_challenge["challenge"]["id"]
    winner_id = closed_challenge["winner"]["id"]
    response = observer.post(
        f"/prompts/{challenge_id}/ideas/{winner_id}/tasks", data={"titles": "Sneaky task"}
    )
    refused(observer, response, "Observers watch the board and cannot change it.")
    assert member.get(f"tasks?idea_id={winner_id}").get_json()["items"] == []


def test_turning_into_tasks_needs_at_least_one_line(closed_challenge, member):
    challenge_id = closed_challenge["challenge"]["id"]
    winner_id = closed_challenge["winner"]["id"]
    member.post(f"/prompts/{challenge_id}/ideas/{winner_id}/tasks", data={"titles": "  \n "})
    assert "Write 1 to 20 tasks, one per line." in html(member, f"/prompts/{challenge_id}")
    assert member.get(f"tasks?idea_id={winner_id}").get_json()["items"] == []


@pytest.mark.parametrize(
    "titles",
    [
        "Write the script\n" + "x" * 201,  # one line too long for a title
        "\n".join(f"Step {n}" for n in range(21)),  # more than 20 at once
    ],
)
def test_tasks_from_an_idea_are_created_all_or_none(closed_challenge, member, titles):
    challenge_id = closed_challenge["challenge"]["id"]
    winner_id = closed_challenge["winner"]["id"]
    response = member.post(
        f"/prompts/{challenge_id}/ideas/{winner_id}/tasks", data={"titles": titles}
    )
    assert response.status_code == 302
    assert member.get(f"tasks?idea_id={winner_id}").get_json()["items"] == []


def test_each_task_from_an_idea_is_announced_like_any_new_task(closed_challenge, member):
    challenge_id = closed_challenge["challenge"]["id"]
    winner_id = closed_challenge["winner"]["id"]
    after = member.get("events?after=0&limit=1000").get_json()["last_seq"]
    member.post(
        f"/prompts/{challenge_id}/ideas/{winner_id}/tasks", data={"titles": "One\nTwo\nThree"}
    )
    items = member.get(f"events?after={after}").get_json()["items"]
    assert [e["type"] for e in items] == ["task.created"] * 3
    assert [e["data"]["task"]["title"] for e in items] == ["One", "Two", "Three"]
    assert [e["seq"] for e in items] == list(range(after + 1, after + 4))
    created = {t["id"]: t for t in member.get(f"tasks?idea_id={winner_id}").get_json()["items"]}
    assert all(e["data"]["task"] == created[e["data"]["task"]["id"]] for e in items)


def test_an_idea_of_another_prompt_is_not_found_here(closed_challenge, member):
    other = member.post("ideas", json={"body": "", "title": "Unrelated"}).get_json()
    response = member.post(
        f"/prompts/{closed_challenge['challenge']['id']}/ideas/{other['id']}/tasks",
        data={"titles": "x"},
    )
    refused(member, response, "No such idea.")
    assert member.get(f"tasks?idea_id={other['id']}").get_json()["items"] == []


def test_the_board_reads_each_prompt_as_the_api_lists_it(app, facilitator, member, frozen):
    """The board page reads its prompts as plain rows without their authors; each reads the
    same as the API's list on every field the board prints, in the same order, whatever
    its phase, and counts its ideas as the prompt list does."""
    running_challenge(facilitator, hide_tallies=True, votes_per_person=3)
    question = facilitator.post("prompts", json={"kind": "prompt", "title": "Open <b>question</b>"})
    member.post(
        "ideas", json={"body": "", "title": "Night shift", "prompt_id": question.json["id"]}
    )
    running_challenge(facilitator, title="Later")
    clock.set_clock(lambda: NOW + timedelta(days=3))  # the challenges are voting now
    listed = member.get("prompts").get_json()
    with app.test_request_context("/"), app.extensions["board_db"].Session() as session:
        reader = session.scalar(select(User).where(User.role == "member").limit(1))
        shown = prompts.board_prompts(session, reader)
        counts = prompts.list_prompts_counted(session, reader)[1]
    assert [p["phase"] for p in shown] == ["voting", "collecting", "voting"]
    assert [p.pop("idea_count") for p in shown] == [counts.get(p["id"], 0) for p in listed]
    assert [p["id"] for p in listed if counts.get(p["id"])] == [question.json["id"]]
    assert shown == [{field: p[field] for field in prompts.BOARD_FIELDS} for p in listed]
