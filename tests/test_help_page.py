"""'Where help is needed' and 'is the task force really flat?': the facilitator's page and
its JSON, the numbers behind them, and that only the facilitator sees them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_skeleton

from board import clock
from board.i18n import force_locale
from board.insights import evenness, gini, top_share
from board.web.charts import evenness_sparkline, participation_charts
from models import Comment, Idea, Publication, Task, User, Vote
from tests.conftest import BOTH_DATABASES, make_user
from tests.test_queries import plans_while

NOW = datetime.now(UTC).replace(microsecond=0)


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


@pytest.fixture
def stalled_board(facilitator, member, other_member):
    """Three weeks ago Mara claimed a task, Ivan created one nobody took, Mara posted an idea
    nobody reacted to. Yesterday Ivan was active again; Mara has been quiet since."""
    at(NOW - timedelta(days=20))
    stale = member.post("tasks", json={"title": "Edit the booth video"}).get_json()
    member.post(f"tasks/{stale['id']}/claim")
    waiting = other_member.post("tasks", json={"title": "Book a photographer"}).get_json()
    quiet_idea = member.post(
        "ideas", json={"body": "", "title": "Podcast with apprentices"}
    ).get_json()
    at(NOW - timedelta(days=1))
    busy_idea = other_member.post(
        "ideas", json={"body": "", "title": "Server room timelapse"}
    ).get_json()
    other_member.post(f"ideas/{busy_idea['id']}/comments", json={"body": "I can film it"})
    facilitator.put(f"ideas/{busy_idea['id']}/vote")
    at(NOW)
    return {"stale": stale, "waiting": waiting, "quiet_idea": quiet_idea, "busy_idea": busy_idea}


def report(client, query: str = "") -> dict:
    response = client.get(f"insights{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# ---- the numbers ---------------------------------------------------------------------


def test_gini_and_evenness():
    assert gini([3, 3, 3, 3]) == 0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)
    assert evenness([0, 0, 0, 4]) == 0.25
    assert evenness([5]) == 1
    assert evenness([2, 2, 2]) == 1
    assert evenness([0, 0]) is None  # nothing happened: no figure rather than a fake one
    assert evenness([]) is None
    assert 0 < evenness([1, 2, 3, 10]) < 1


def test_the_most_active_ten_percent():
    assert top_share([10] + [0] * 19) == (2, 1.0)  # 10 % of 20 people is 2 people
    assert top_share([1] * 10) == (1, 0.1)
    assert top_share([4, 1, 0]) == (1, 0.8)  # at least one person
    assert top_share([0, 0]) == (1, None)
    assert top_share([]) == (0, None)


# ---- where help is needed ------------------------------------------------------------


def test_the_report_finds_where_work_stalls(people_, facilitator, stalled_board):
    data = report(facilitator)
    assert data["days"] == 7
    mara, ivan = people_.user("member"), people_.user("other_member")

    [stale] = data["stale_claims"]
    assert stale["task"]["id"] == stalled_board["stale"]["id"]
    assert stale["holder"]["id"] == mara.id
    assert stale["idle_days"] == 20
    assert stale["nudge"]["target"] == {"task_id": stalled_board["stale"]["id"]}
    assert "Edit the booth video" in stale["nudge"]["message"]

    [waiting] = data["waiting_tasks"]
    assert waiting["task"]["id"] == stalled_board["waiting"]["id"]
    assert waiting["waiting_days"] == 20
    assert waiting["nudge"]["target"] == {"department_id": ivan.department_id}

    [idea] = data["quiet_ideas"]
    assert idea["idea"]["id"] == stalled_board["quiet_idea"]["id"]
    assert idea["nudge"]["target"] == {"to_user_id": mara.id}

    assert [p["person"]["id"] for p in data["quiet_people"]] == [mara.id]
    assert data["quiet_people"][0]["quiet_days"] == 20
    assert [d["department"]["name"] for d in data["quiet_departments"]] == ["Marketing"]


def test_n_days_is_a_setting_and_a_query_parameter(app, facilitator, stalled_board):
    assert report(facilitator, "?days=30")["stale_claims"] == []
    assert report(facilitator, "?days=30")["quiet_people"] == []
    assert len(report(facilitator, "?days=19")["stale_claims"]) == 1
    object.__setattr__(app.extensions["board_settings"], "help_days", 25)  # BOARD_HELP_DAYS=25
    assert report(facilitator)["days"] == 25
    assert report(facilitator)["stale_claims"] == []
    for bad in ("0", "-3", "soon", "366"):
        response = facilitator.get(f"insights?days={bad}")
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "invalid_parameter"


def test_nobody_is_suggested_to_nudge_themselves_or_an_observer(people_, facilitator, member):
    at(NOW - timedelta(days=20))
    own = facilitator.post(
        "ideas", json={"body": "", "title": "The facilitator's own idea"}
    ).get_json()
    task = facilitator.post("tasks", json={"title": "Facilitator's own task"}).get_json()
    facilitator.post(f"tasks/{task['id']}/claim")
    at(NOW)
    data = report(facilitator)
    [idea] = [i for i in data["quiet_ideas"] if i["idea"]["id"] == own["id"]]
    assert idea["nudge"] is None
    assert data["stale_claims"][0]["nudge"] is None
    names = [p["person"]["id"] for p in data["quiet_people"]]
    assert people_.user("facilitator").id not in names
    assert people_.user("observer").id not in names
    assert "Sales" not in [d["department"]["name"] for d in data["quiet_departments"]]


def post_hidden_challenge(facilitator) -> dict:
    """A challenge open for ideas until tomorrow and for votes until the day after; its
    tallies stay hidden until it closes (the default)."""
    return facilitator.post(
        "prompts",
        json={
            "kind": "challenge",
            "title": "Hidden",
            "body": "",
            "submissions_close_at": (NOW + timedelta(days=1)).isoformat(),
            "voting_close_at": (NOW + timedelta(days=2)).isoformat(),
        },
    ).get_json()


def test_ideas_of_a_challenge_with_hidden_tallies_are_not_listed_as_unvoted(facilitator, member):
    at(NOW - timedelta(days=20))
    challenge = post_hidden_challenge(facilitator)
    member.post(
        "ideas", json={"body": "", "title": "Secret contender", "prompt_id": challenge["id"]}
    )
    at(NOW)
    assert report(facilitator)["quiet_ideas"] == []
    at(NOW + timedelta(days=3))  # closed: the tallies are public now
    assert [i["idea"]["title"] for i in report(facilitator)["quiet_ideas"]] == ["Secret contender"]


def test_votes_in_a_challenge_with_hidden_tallies_are_counted_only_after_it_closes(
    facilitator, member, other_member
):
    challenge = post_hidden_challenge(facilitator)
    idea = member.post(
        "ideas", json={"body": "", "title": "Only idea", "prompt_id": challenge["id"]}
    )
    other_member.put(f"ideas/{idea.get_json()['id']}/vote")
    assert report(facilitator)["flatness"]["metrics"]["votes"]["total"] == 0
    at(NOW + timedelta(days=3))
    assert report(facilitator)["flatness"]["metrics"]["votes"]["total"] == 1


@pytest.mark.parametrize("hidden", [False, True])
def test_the_report_reads_only_the_votes_of_its_weeks(app, facilitator, member, hidden):
    """The votes are counted from the index on (created_at, user_id, idea_id) alone, from the
    first week's start on, a challenge's hidden votes left out there too: without it the
    report read every vote the board ever had (docs/performance.md, periodhelp)."""
    if hidden:
        post_hidden_challenge(facilitator)
    idea = member.post("ideas", json={"body": "", "title": "An idea"}).get_json()
    facilitator.put(f"ideas/{idea['id']}/vote")
    for path in ("/api/v1/insights", "/help"):
        [plan] = plans_while(
            app,
            lambda path=path: facilitator.client.get(path),
            lambda statement: "FROM votes" in statement and "GROUP BY" in statement,
        )
        votes = [step for step in plan if "votes" in step.split()]
        assert votes == [
            "SEARCH votes USING COVERING INDEX ix_votes_created_at_user_id (created_at>?)"
        ], plan


def test_the_report_never_says_who_voted_for_what(facilitator, member, other_member):
    idea = member.post("ideas", json={"body": "", "title": "Vote magnet"}).get_json()
    other_member.put(f"ideas/{idea['id']}/vote")
    data = report(facilitator)

    def keys(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield key
                yield from keys(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner)

    assert not {"voter", "voters", "voted", "voted_by", "voter_ids"} & set(keys(data))
    assert "Vote magnet" not in str(data)  # voted ideas are not listed at all


# ---- flatness ------------------------------------------------------------------------


def test_one_person_doing_everything_shows_as_uneven(people_, facilitator, member, other_member):
    at(NOW - timedelta(days=2))
    for n in range(3):
        idea = other_member.post("ideas", json={"body": "", "title": f"Ivan's idea {n}"}).get_json()
        other_member.post(f"ideas/{idea['id']}/comments", json={"body": "more"})
    at(NOW)
    flat = report(facilitator)["flatness"]
    assert flat["people"] == 3  # Mara, Ivan, Sam; observers do not take part
    ideas = flat["metrics"]["ideas"]
    assert ideas["total"] == 3
    assert ideas["top_people"] == 1
    assert ideas["top_people_share"] == 1.0
    assert ideas["top_department"] == {
        "id": people_.user("other_member").department_id,
        "name": "IT",
        "share": 1.0,
    }
    assert ideas["contributors"] == 1
    assert flat["metrics"]["votes"]["top_people_share"] is None  # no votes at all
    assert flat["evenness"] == pytest.approx(1 / 3, abs=0.001)
    assert flat["trend"][-1]["evenness"] == pytest.approx(1 / 3, abs=0.001)
    assert flat["trend"][0]["evenness"] is None  # a week without activity has no figure


def test_evenness_has_a_trend_per_week(facilitator, member, other_member):
    at(NOW - timedelta(days=24))  # in the first of four weeks: only Ivan
    other_member.post("ideas", json={"body": "", "title": "Solo"})
    at(NOW - timedelta(days=2))  # this week: Mara and Ivan equally
    member.post("ideas", json={"body": "", "title": "Mara's"})
    other_member.post("ideas", json={"body": "", "title": "Ivan's"})
    at(NOW)
    flat = report(facilitator, "?weeks=4")["flatness"]
    values = [p["evenness"] for p in flat["trend"]]
    assert len(values) == 4
    assert values[0] == pytest.approx(1 / 3, abs=0.001)
    assert values[1] is None and values[2] is None
    assert values[3] == pytest.approx(1 - gini([1, 1, 0]), abs=0.001)
    assert flat["trend_change"] == pytest.approx(values[3] - values[0], abs=0.001)


def test_participation_per_department_and_week(people_, facilitator, member, other_member):
    at(NOW - timedelta(days=8))  # last week
    idea = member.post("ideas", json={"body": "", "title": "Old"}).get_json()
    at(NOW - timedelta(days=1))  # this week
    other_member.put(f"ideas/{idea['id']}/vote")
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "Nice"})
    task = other_member.post("tasks", json={"title": "Do it", "idea_id": idea["id"]}).get_json()
    other_member.post(f"tasks/{task['id']}/claim")
    other_member.post(f"tasks/{task['id']}/complete")
    at(NOW)
    participation = report(facilitator, "?weeks=3")["participation"]
    assert len(participation["periods"]) == 3
    weeks = {d["department"]["name"]: d["weeks"] for d in participation["departments"]}
    assert set(weeks) == {"Communications", "IT", "Marketing"}
    assert weeks["Marketing"][1] == {
        "ideas": 1,
        "votes": 0,
        "comments": 0,
        "tasks_done": 0,
        "published": 0,
    }
    assert weeks["IT"][2] == {
        "ideas": 0,
        "votes": 1,
        "comments": 1,
        "tasks_done": 1,
        "published": 0,
    }
    assert (
        weeks["Communications"]
        == [{"ideas": 0, "votes": 0, "comments": 0, "tasks_done": 0, "published": 0}] * 3
    )


@BOTH_DATABASES
def test_each_contribution_counts_in_the_week_it_falls_in_at_the_edges(app, people_, facilitator):
    """The database counts the contributions per person and week (fetching each one to
    count it here read 234,000 rows at a busy board): a week holds its first microsecond,
    not the next week's; the last week holds the report's own moment; what comes after it
    makes its person take part without counting, what comes before the first week does
    not count at all. The same numbers as counted one by one before."""
    mara, ivan, sam = (people_.user(name) for name in ("member", "other_member", "facilitator"))
    late = make_user(app, "lena", "member", "HR")  # left; only acted after the report's now
    gone = make_user(app, "gina", "member", "Legal")  # left; only acted before its weeks
    week, tick = timedelta(weeks=1), timedelta(microseconds=1)
    first = NOW - 3 * week
    with app.extensions["board_db"].Session() as session:
        for person in (late, gone):
            session.get(User, person.id).active = False

        def idea(author, moment):
            row = Idea(title="Reel", body="", author_id=author.id, created_at=moment)
            row.updated_at = moment
            session.add(row)
            session.flush()
            return row.id

        shared = idea(mara, first)  # week 1's first microsecond
        idea(mara, first + week - tick)  # its last
        other = idea(ivan, first + week)  # week 2's first
        for voter, moment in (
            (ivan, first + 2 * week),  # week 3's first
            (sam, NOW),  # the report's moment: the last week holds it
            (mara, first - tick),  # before the first week: not counted
            (late, NOW + tick),  # after: takes part, not counted
        ):
            session.add(Vote(idea_id=shared, user_id=voter.id, created_at=moment))
        session.add(
            Comment(idea_id=other, author_id=ivan.id, body="Yes", created_at=NOW - week - tick)
        )
        session.add(Comment(idea_id=other, author_id=gone.id, body="Old", created_at=first - tick))
        session.add(
            Task(
                title="Film it",
                description="",
                idea_id=shared,
                status="done",
                claimed_by_id=mara.id,
                claimed_at=first,
                completed_at=NOW,
                created_by_id=mara.id,
                created_at=first,
                updated_at=NOW,
            )
        )
        session.add(
            Publication(
                idea_id=other,
                url="https://example.com/p",
                channel="blog",
                published_at=first + week,
                by_id=ivan.id,
            )
        )
        session.commit()
    at(NOW)
    answer = report(facilitator, "?weeks=3")
    nothing = dict.fromkeys(("ideas", "votes", "comments", "tasks_done", "published"), 0)
    weeks = {d["department"]["name"]: d["weeks"] for d in answer["participation"]["departments"]}
    assert weeks == {
        "Marketing": [{**nothing, "ideas": 2}, nothing, {**nothing, "tasks_done": 1}],
        "IT": [
            nothing,
            {**nothing, "ideas": 1, "comments": 1, "published": 1},
            {**nothing, "votes": 1},
        ],
        "Communications": [nothing, nothing, {**nothing, "votes": 1}],
        "HR": [nothing, nothing, nothing],  # Lena took part, after the weeks
    }
    flat = answer["flatness"]
    assert flat["people"] == 4  # Mara, Ivan, Sam and Lena; not Gina
    totals = {metric: row["total"] for metric, row in flat["metrics"].items()}
    assert totals == {"ideas": 3, "votes": 2, "comments": 1, "tasks_done": 1, "published": 1}
    assert flat["metrics"]["ideas"]["contributors"] == 2
    assert flat["metrics"]["ideas"]["top_department"] == {
        "id": mara.department_id,
        "name": "Marketing",
        "share": round(2 / 3, 3),
    }
    assert [p["evenness"] for p in flat["trend"]] == [
        evenness([2, 0, 0, 0]),
        evenness([0, 3, 0, 0]),
        evenness([1, 1, 1, 0]),
    ]


# ---- who may see it ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_name", "status"),
    [("member", 403), ("other_member", 403), ("observer", 403), ("anonymous", 401)],
)
def test_only_the_facilitator_gets_the_report(people_, client_name, status):
    response = people_.client(client_name).get("insights")
    assert response.status_code == status
    if status == 403:
        assert response.get_json()["error"]["code"] == "facilitator_only"


@pytest.mark.parametrize("client_name", ["member", "other_member", "observer"])
def test_only_the_facilitator_sees_the_help_page(people_, client_name):
    response = people_.client(client_name).get("/help")
    assert response.status_code == 403
    assert b"Where help is needed" not in response.data


def test_the_help_page_needs_a_login(anonymous):
    response = anonymous.get("/help")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# ---- the page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        (
            "en",
            (
                "Tasks claimed but untouched for a day or more",
                "Tasks nobody has claimed for a day or more",
                "Ideas without a vote or comment after a day",
                "People quiet for a day or more",
                "Departments quiet for a day or more",
                "over the last week",
            ),
        ),
        (
            "de",
            (
                "Übernommene Aufgaben, die seit einem Tag oder länger unberührt sind",
                "Aufgaben, die seit einem Tag oder länger niemand übernommen hat",
                "Ideen ohne Stimme oder Kommentar nach einem Tag",
                "Personen, die seit einem Tag oder länger ruhig sind",
                "Abteilungen, die seit einem Tag oder länger ruhig sind",
                "in der letzten Woche",
            ),
        ),
    ],
)
def test_a_report_over_one_day_and_one_week_says_so_in_the_singular(
    people_, facilitator, stalled_board, language, headings
):
    """With the form's smallest values the headings read "for 1 days or more" and "over
    the last 1 weeks" ("seit 1 Tagen", "in den letzten 1 Wochen")."""
    page = facilitator.get("/help?days=1&weeks=1", headers={"Accept-Language": language}).get_data(
        as_text=True
    )
    for heading in headings:
        assert heading in page, heading
    assert "1 days" not in page and "1 weeks" not in page
    assert "1 Tagen" not in page and "1 Wochen" not in page


def test_the_help_page_shows_every_section_with_a_nudge_per_row(
    people_, facilitator, stalled_board
):
    response = facilitator.get("/help")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for heading in (
        "Where help is needed",
        "Is the task force really flat?",
        "Tasks claimed but untouched for 7 days or more",
        "Tasks nobody has claimed for 7 days or more",
        "Ideas without a vote or comment after 7 days",
        "People quiet for 7 days or more",
        "Departments quiet for 7 days or more",
        "Participation per department",
        "Evenness",
    ):
        assert heading in html, heading
    for title in ("Edit the booth video", "Book a photographer", "Podcast with apprentices"):
        assert title in html
    forms = re.findall(r'<form method="post" action="/nudges">.*?</form>', html, re.S)
    assert len(forms) == 5  # stale claim, waiting task, quiet idea, quiet person, department
    assert any(f'name="task_id" value="{stalled_board["stale"]["id"]}"' in f for f in forms)
    assert any("how is &#34;Edit the booth video&#34; going?" in f for f in forms)
    assert all('name="csrf_token"' in f and "<textarea" in f for f in forms)
    assert "<svg" in html and 'class="m-ideas"' in html


def test_the_help_page_keeps_to_the_content_security_policy(facilitator, stalled_board):
    response = facilitator.get("/help")
    html = response.get_data(as_text=True)
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_a_nudge_sent_from_the_help_page(people_, facilitator, member, stalled_board):
    stale_id = stalled_board["stale"]["id"]
    response = facilitator.post(
        "/nudges",
        data={
            "target": "task_id",
            "task_id": str(stale_id),
            "next": "/help?days=7#stale",
            "message": "Edited suggestion: need a hand with the cut?",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/help?days=7#stale")
    [received] = member.get("nudges").get_json()["items"]
    assert received["message"] == "Edited suggestion: need a hand with the cut?"
    assert received["task_id"] == stale_id
    assert "Nudge sent." in facilitator.get("/help").get_data(as_text=True)


def test_a_nudge_form_goes_back_only_to_this_site(facilitator, people_):
    response = facilitator.post(
        "/nudges",
        data={
            "target": "to_user_id",
            "to_user_id": str(people_.user("member").id),
            "message": "Hi!",
            "next": "https://evil.example/phish",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/help")


def test_a_refused_nudge_form_says_why(facilitator, member):
    task = member.post("tasks", json={"title": "Nobody's"}).get_json()
    response = facilitator.post(
        "/nudges", data={"target": "task_id", "task_id": str(task["id"]), "message": "Hi"}
    )
    assert response.status_code == 302
    page = facilitator.get("/help").get_data(as_text=True)
    assert "Nobody holds this task yet" in page


def test_a_refused_department_nudge_keeps_the_department_chosen_and_the_message_typed(
    people_, facilitator, stalled_board
):
    html = facilitator.get("/help").get_data(as_text=True)
    form = re.search(
        r'<form method="post" action="/nudges">(?:(?!</form>).)*?'
        r'name="target" value="department_id".*?</form>',
        html,
        re.S,
    ).group(0)
    suggested = re.search(r'<option value="(\d+)" selected>', form).group(1)
    other = next(v for v in re.findall(r'<option value="(\d+)"', form) if v != suggested)
    typed = "Anyone free? " + "x" * 20000  # one character too long
    response = facilitator.post(
        "/nudges",
        data={
            "target": "department_id",
            "suggested": suggested,
            "department_id": other,
            "message": typed,
            "next": "/help#waiting",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "At most 20000 characters." in page
    assert f">{typed}</textarea>" in page
    assert f'<option value="{other}" selected>' in page
    assert f'<option value="{suggested}" selected>' not in page


@pytest.mark.parametrize("client_name", ["member", "observer"])
def test_only_the_facilitator_sends_a_nudge_form(people_, client_name):
    response = people_.client(client_name).post(
        "/nudges",
        data={
            "target": "to_user_id",
            "to_user_id": str(people_.user("other_member").id),
            "message": "Hi!",
        },
    )
    assert response.status_code == 302  # back, with the refusal as a flash message
    assert people_.client("other_member").get("nudges").get_json()["items"] == []


def test_a_nudge_form_without_its_token_is_refused(people_, facilitator):
    response = facilitator.post(
        "/nudges",
        csrf=False,
        data={
            "target": "to_user_id",
            "to_user_id": str(people_.user("member").id),
            "message": "Hi!",
        },
    )
    assert response.status_code == 400
    assert people_.client("member").get("nudges").get_json()["items"] == []


def test_the_help_page_speaks_german(facilitator, stalled_board):
    html = facilitator.get("/help", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Wo Hilfe gebraucht wird" in html
    assert "Ist die Taskforce wirklich hierarchiefrei?" in html
    assert "wie läuft es mit „Edit the booth video“?" in html
    assert 'text-anchor="end">0,5</text>' in html  # the chart's scale in German numbers too


def test_the_help_page_rejects_a_bad_n(facilitator):
    assert facilitator.get("/help?days=zero").status_code == 400
    assert facilitator.get("/help?days=30").status_code == 200


def test_the_charts_share_one_scale_and_stay_inside_the_plot():
    zero = {"ideas": 0, "votes": 0, "comments": 0, "tasks_done": 0, "published": 0}
    participation = {
        "periods": [
            {"start": "2026-11-02T09:00:00+00:00", "end": "2026-11-09T09:00:00+00:00"},
            {"start": "2026-11-09T09:00:00+00:00", "end": "2026-11-16T09:00:00+00:00"},
        ],
        "departments": [
            {
                "department": {"id": 1, "name": "IT"},
                "weeks": [
                    {"ideas": 3, "votes": 7, "comments": 0, "tasks_done": 1, "published": 0},
                    zero,
                ],
            },
            {
                "department": {"id": 2, "name": "HR"},
                "weeks": [
                    zero,
                    {"ideas": 1, "votes": 0, "comments": 2, "tasks_done": 0, "published": 0},
                ],
            },
        ],
    }
    it, hr = participation_charts(participation)
    assert [g["value"] for g in it["gridlines"]] == [0, 6, 12]  # 11 at most → axis to 12
    assert it["gridlines"] == hr["gridlines"]
    assert [b["label"] for b in it["bars"]] == [
        "Nov 2",
        "Nov 9",
    ]  # Babel, English outside a request
    full = sum(s["height"] for s in it["bars"][0]["segments"])
    small = sum(s["height"] for s in hr["bars"][1]["segments"])
    assert small / full == pytest.approx(3 / 11, abs=0.01)
    assert [s["metric"] for s in it["bars"][0]["segments"]] == ["ideas", "votes", "tasks_done"]
    for chart in (it, hr):
        for bar in chart["bars"]:
            for segment in bar["segments"]:
                assert segment["y"] >= 0 and segment["y"] + segment["height"] <= 125
    assert it["total"] == 11 and hr["total"] == 3


def test_the_evenness_line_leaves_gaps_for_silent_weeks():
    trend = [
        {"start": "2026-11-02T09:00:00+00:00", "evenness": 0.5},
        {"start": "2026-11-09T09:00:00+00:00", "evenness": None},
        {"start": "2026-11-16T09:00:00+00:00", "evenness": 1.0},
    ]
    line = evenness_sparkline(trend)
    assert [p["value"] for p in line["points"]] == [0.5, 1.0]
    assert len(line["labels"]) == 3
    assert line["points"][1]["y"] < line["points"][0]["y"]  # higher evenness is higher up


@pytest.mark.parametrize("language", ["en", "de"])
def test_over_26_weeks_the_evenness_line_writes_every_nth_date_the_first_and_last_always(
    app, language
):
    """26 dates under a line 380 units wide ran into each other. A few are named, evenly
    spread, the first and last week always; in a phone's narrow box (larger type) fewer."""
    monday = date(2026, 6, 8)
    trend = [
        {"start": (monday + timedelta(weeks=n)).isoformat() + "T00:00:00+00:00", "evenness": 0.5}
        for n in range(26)
    ]
    with app.test_request_context(), force_locale(language):
        line = evenness_sparkline(trend)
        every_week = evenness_sparkline(trend[:6])
    first, last = week_label(trend[0]["start"], language), week_label(trend[-1]["start"], language)
    wide = [label for label in line["labels"] if not label["narrow_only"]]
    narrow = [label for label in line["labels"] if not label["dense"]]
    assert 5 <= len(wide) < 26 and 4 <= len(narrow) <= len(wide)
    for shown in (wide, narrow):
        assert shown[0]["text"] == first and shown[-1]["text"] == last
        gaps = [b["x"] - a["x"] for a, b in zip(shown, shown[1:], strict=False)]
        week = (line["right"] - line["left"]) / 25
        assert max(gaps) - min(gaps) <= week + 0.1  # evenly spread, the last no closer
    assert len(every_week["labels"]) == 6  # six weeks: every date, as before
    assert not any(label["dense"] or label["narrow_only"] for label in every_week["labels"])


def week_label(iso: str, language: str) -> str:
    return format_skeleton("MMMd", datetime.fromisoformat(iso), locale=language)


def test_a_long_list_shows_its_first_rows_and_the_way_to_the_rest(facilitator, member):
    """A board kept for years has a long backlog: each list shows the 20 that waited
    longest and links to the whole list, which links back; the report's JSON stays whole."""
    at(NOW - timedelta(days=40))
    for number in range(23):
        at(NOW - timedelta(days=40 - number))
        member.post("ideas", json={"body": "", "title": f"Idea number {number:02d}"})
    at(NOW)

    def titles(html: str) -> list[str]:
        section = html.split('id="quiet-ideas"')[1].split("</section>")[0]
        return re.findall(r"\">Idea number (\d\d)</a>", section)

    html = facilitator.get("/help").get_data(as_text=True)
    assert titles(html) == [f"{number:02d}" for number in range(20)]  # oldest first
    assert "The first 20 of 23." in html
    assert (
        'href="/help?days=7&amp;weeks=6&amp;show=quiet-ideas#quiet-ideas">Show all 23</a>' in html
    )
    whole = facilitator.get("/help?days=7&weeks=6&show=quiet-ideas").get_data(as_text=True)
    assert titles(whole) == [f"{number:02d}" for number in range(23)]
    assert 'href="/help?days=7&amp;weeks=6#quiet-ideas">Show only the first 20</a>' in whole
    # the nudge forms lead back to the list as it was shown (they led to /help alone)
    assert 'name="next" value="/help?days=7&amp;weeks=6&amp;show=quiet-ideas#quiet-ideas"' in whole
    german = facilitator.get("/help", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Die ersten 20 von 23." in german and "Alle 23 zeigen" in german
    assert len(report(facilitator)["quiet_ideas"]) == 23
    assert facilitator.get("/help?show=everything").status_code == 400


@pytest.mark.parametrize(
    ("query", "field", "said", "kept"),
    [
        ("days=0", "days", "At least 1.", 'value="0"'),
        ("weeks=99", "weeks", "At most 26.", 'value="99"'),
        ("days=soon", "days", "Expected a whole number.", 'value="soon"'),
    ],
)
def test_a_period_the_form_cannot_take_is_said_beside_its_field(
    people_, facilitator, stalled_board, query, field, said, kept
):
    """A period typed into the address ("/help?days=0") gave the bare error page, naming
    the field as "days:". Now the page opens as usual, the typed value in its field,
    marked invalid and described by what is wrong."""
    response = facilitator.get(f"/help?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tasks claimed but untouched for 7 days or more" in html  # the report, as it opens
    field_tag = re.search(rf'<input type="number" name="{field}"[^>]*>', html).group(0)
    assert kept in field_tag
    assert f'aria-describedby="help-{field}-error"' in field_tag
    assert re.search(rf'<small class="field-error" id="help-{field}-error">{said}</small>', html)
    assert "Edit the booth video" in html  # the stalled task is listed
