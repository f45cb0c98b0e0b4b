"""The activity feed: plain sentences from the public event log, filters, summary, live updates."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from board import clock, events, feed
from board.nudges import send_nudge
from models import Department, Idea, Prompt, User
from tests.conftest import BOTH_DATABASES, make_user
from tests.test_queries import counted

START = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)  # a Monday morning


@pytest.fixture
def at(db):
    """Move the board's clock: at(days=..., hours=...) after START."""

    def move(**delta):
        moment = START + timedelta(**delta)
        clock.set_clock(lambda: moment)
        return moment

    move()
    return move


def texts(client, query: str = "") -> list[str]:
    response = client.get("feed" + query)
    assert response.status_code == 200, response.get_json()
    return [item["text"] for item in response.get_json()["items"]]


def post_idea(client, title: str, **extra) -> int:
    response = client.post("ideas", json={"title": title, "body": "Details", **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def make_task(client, title: str, idea_id: int | None = None) -> int:
    response = client.post("tasks", json={"title": title, "idea_id": idea_id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def record_nudge(app, sender: User, recipient: User, message: str) -> None:
    """A private nudge, sent through the facilitator's own service."""
    with app.extensions["board_db"].Session() as session:
        send_nudge(session, session.get(User, sender.id), message, to_user_id=recipient.id)
        session.commit()


def make_challenge(app, facilitator: User, title: str, *, closes_in: timedelta) -> int:
    with app.extensions["board_db"].Session() as session:
        now = clock.now()
        prompt = Prompt(
            kind="challenge",
            title=title,
            body="",
            author_id=facilitator.id,
            submissions_close_at=now + closes_in / 2,
            voting_close_at=now + closes_in,
            hide_tallies=True,
            created_at=now,
        )
        session.add(prompt)
        session.flush()
        from board.prompts import prompt_dict

        events.record(
            session,
            "prompt.created",
            session.get(User, facilitator.id),
            {"prompt": prompt_dict(prompt)},
        )
        session.commit()
        return prompt.id


def close_challenge(app, prompt_id: int) -> None:
    """Move the clock past the challenge's end and announce it, as the phase scheduler does."""
    with app.extensions["board_db"].Session() as session:
        prompt = session.get(Prompt, prompt_id)
        moment = prompt.voting_close_at + timedelta(minutes=1)
        clock.set_clock(lambda: moment)
        prompt.phase = "closed"
        from board.prompts import prompt_dict

        events.record(session, "prompt.phase_changed", None, {"prompt": prompt_dict(prompt)})
        session.commit()


# ---- sentences ------------------------------------------------------------------------


@BOTH_DATABASES
def test_feed_tells_what_happened_in_plain_sentences_newest_first(
    member, other_member, observer, at
):
    idea = post_idea(member, "Trade fair reel")
    at(minutes=5)
    task = make_task(member, "Film the booth", idea)
    at(minutes=10)
    other_member.post(f"tasks/{task}/claim")
    at(minutes=15)
    other_member.post(f"ideas/{idea}/comments", json={"body": "Count me in"})
    at(minutes=20)
    other_member.post(f"tasks/{task}/complete")
    at(minutes=25)
    member.patch(f"ideas/{idea}", json={"title": "Trade fair reels"})
    assert texts(observer) == [
        "Mara (Marketing) edited the idea “Trade fair reels”.",
        "Ivan (IT) completed the task “Film the booth”.",
        "Ivan (IT) commented on the idea “Trade fair reels”.",
        "Ivan (IT) took on the task “Film the booth”.",
        "Mara (Marketing) created the task “Film the booth” for the idea “Trade fair reels”.",
        "Mara (Marketing) posted the idea “Trade fair reels”.",
    ]
    first = observer.get("feed").get_json()["items"][1]
    assert first["url"] == f"/tasks/{task}"
    assert first["kind"] == "tasks" and first["department"]["name"] == "IT"


def test_repeated_edits_of_an_idea_on_one_day_read_as_one(member, observer, at):
    idea = post_idea(member, "Draft")
    for n in range(3):
        at(minutes=n + 1)
        member.patch(f"ideas/{idea}", json={"body": f"Version {n}"})
    at(days=1)
    member.patch(f"ideas/{idea}", json={"body": "Next day"})
    assert texts(observer) == [
        "Mara (Marketing) edited the idea “Draft”.",
        "Mara (Marketing) edited the idea “Draft”.",
        "Mara (Marketing) posted the idea “Draft”.",
    ]


def test_released_tasks_and_mentor_notes_have_their_own_sentences(member, facilitator, observer):
    idea = post_idea(member, "Employee stories")
    task = make_task(member, "Interview three apprentices")
    member.post(f"tasks/{task}/claim")
    member.post(f"tasks/{task}/release")
    facilitator.post(f"ideas/{idea}/comments", json={"body": "Try a carousel", "mentor_note": True})
    assert texts(observer)[:3] == [
        "Sam (Communications) left a mentor note on the idea “Employee stories”.",
        "Mara (Marketing) gave back the task “Interview three apprentices”.",
        "Mara (Marketing) took on the task “Interview three apprentices”.",
    ]


def test_members_the_facilitator_and_observers_read_the_same_feed(
    member, other_member, facilitator, observer
):
    idea = post_idea(member, "Behind the scenes")
    other_member.put(f"ideas/{idea}/vote")
    make_task(other_member, "Book the photographer", idea)
    feeds = [client.get("feed").get_json() for client in (member, facilitator, observer)]
    assert feeds[0]["items"] == feeds[1]["items"] == feeds[2]["items"]
    assert len(feeds[0]["items"]) == 3


def test_votes_appear_only_as_anonymous_tallies_one_per_idea_and_day(
    member, other_member, facilitator, observer, at
):
    idea = post_idea(member, "Podcast")
    at(minutes=1)
    other_member.put(f"ideas/{idea}/vote")
    at(minutes=2)
    facilitator.put(f"ideas/{idea}/vote")
    body = observer.get("feed?kind=votes").get_json()
    assert [item["text"] for item in body["items"]] == [
        "The idea “Podcast” now has 2 votes from 2 departments."
    ]
    assert body["items"][0]["actor"] is None and body["items"][0]["department"] is None
    everything = observer.get("feed").get_data(as_text=True)
    assert "Ivan" not in everything and "Sam" not in everything
    at(days=1)
    other_member.delete(f"ideas/{idea}/vote")
    assert texts(observer, "?kind=votes") == [
        "The idea “Podcast” now has 1 vote.",
        "The idea “Podcast” now has 2 votes from 2 departments.",
    ]


def test_nudges_never_appear_in_the_feed_even_for_their_recipient(app, people_, member, observer):
    post_idea(member, "Visible idea")
    record_nudge(app, people_.user("facilitator"), people_.user("member"), "Another secret")
    for client in (observer, member):
        assert texts(client) == ["Mara (Marketing) posted the idea “Visible idea”."]
        assert "Secret" not in client.get("/feed").get_data(as_text=True)
        assert "secret" not in client.get("/feed.csv").get_data(as_text=True)
        updates = client.get("/feed/updates?after=0").get_json()
        assert "ecret" not in updates["html"] and updates["last_seq"] == 1


def test_a_closed_challenge_is_summed_up_in_one_sentence(
    app, people_, member, other_member, observer
):
    prompt_id = make_challenge(
        app, people_.user("facilitator"), "Summer campaign", closes_in=timedelta(days=2)
    )
    post_idea(member, "Beach clean-up", prompt_id=prompt_id)
    post_idea(member, "Ice cream truck", prompt_id=prompt_id)
    post_idea(other_member, "Sunrise yoga", prompt_id=prompt_id)
    close_challenge(app, prompt_id)
    lines = texts(observer)
    assert lines[0] == (
        "A challenge closed: “Summer campaign” collected 3 ideas from 2 departments."
    )
    assert lines[-1] == "Sam (Communications) started the challenge “Summer campaign”."
    assert lines[1] == ("Ivan (IT) posted the idea “Sunrise yoga” for “Summer campaign”.")
    first = observer.get("feed").get_json()["items"][0]
    assert first["url"] == f"/prompts/{prompt_id}" and first["actor"] is None
    page = observer.get("/feed").get_data(as_text=True)
    assert '<span class="feed-badge">Challenge</span>' in page


def test_the_feed_speaks_german(member, observer):
    post_idea(member, "Messe-Reel")
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    body = observer.get("feed", headers=german).get_json()
    assert [item["text"] for item in body["items"]] == [
        "Mara (Marketing) hat die Idee „Messe-Reel“ gepostet."
    ]
    member.patch("me", json={"language": "de"})
    assert texts(member) == ["Mara (Marketing) hat die Idee „Messe-Reel“ gepostet."]
    page = observer.get("/feed", headers=german).get_data(as_text=True)
    assert "Heute" in page and "hat die Idee" in page and "Ideen gepostet" in page


# ---- filters --------------------------------------------------------------------------


def test_filter_by_department(member, other_member, observer, db):
    post_idea(member, "Marketing idea")
    post_idea(other_member, "IT idea")
    it = db.scalar(select(User.department_id).where(User.email == "ivan@example.com"))
    assert texts(observer, f"?department={it}") == ["Ivan (IT) posted the idea “IT idea”."]


def test_filter_by_kind_of_activity(member, observer):
    idea = post_idea(member, "Reel")
    task = make_task(member, "Cut the reel", idea)
    member.post(f"ideas/{idea}/comments", json={"body": "Draft is up"})
    member.post(f"tasks/{task}/claim")
    assert texts(observer, "?kind=tasks") == [
        "Mara (Marketing) took on the task “Cut the reel”.",
        "Mara (Marketing) created the task “Cut the reel” for the idea “Reel”.",
    ]
    assert texts(observer, "?kind=ideas&kind=comments") == [
        "Mara (Marketing) commented on the idea “Reel”.",
        "Mara (Marketing) posted the idea “Reel”.",
    ]
    assert len(texts(observer, "?kind=ideas,comments")) == 2


def test_filter_by_period(member, observer, at):
    post_idea(member, "Old idea")
    at(days=20)
    post_idea(member, "Recent idea")
    at(days=40)
    post_idea(member, "Today's idea")
    assert texts(observer, "?period=7") == ["Mara (Marketing) posted the idea “Today's idea”."]
    assert len(texts(observer, "?period=30")) == 2
    assert len(texts(observer, "?period=all")) == 3
    assert texts(observer, "?from=2026-05-20&to=2026-05-30") == [
        "Mara (Marketing) posted the idea “Recent idea”."
    ]
    assert len(texts(observer, "?from=2026-05-24")) == 2  # to today
    assert len(texts(observer, "?to=2026-05-24")) == 2  # from the start
    # A named period wins over dates the form still carries.
    assert len(texts(observer, "?period=all&from=2026-05-24")) == 3


def test_days_follow_the_boards_timezone(app, member, observer, at):
    app.extensions["board_settings"] = replace(
        app.extensions["board_settings"], timezone="Europe/Berlin"
    )
    at(hours=13)  # 22:30 UTC on 4 May is 00:30 in Berlin on 5 May
    post_idea(member, "Late idea")
    assert texts(observer, "?from=2026-05-05&to=2026-05-05") == [
        "Mara (Marketing) posted the idea “Late idea”."
    ]
    assert texts(observer, "?from=2026-05-04&to=2026-05-04") == []
    page = observer.get("/feed?period=all").get_data(as_text=True)
    # Babel's short time in the reader's language: English "12:30 AM" (narrow space)
    assert 'data-day="2026-05-05"' in page and ">12:30\u202fAM<" in page
    german = observer.get("/feed?period=all", headers={"Accept-Language": "de"})
    assert ">00:30<" in german.get_data(as_text=True)
    assert "Time zone: Germany (Berlin)." in page


@pytest.mark.parametrize(
    "query",
    ["from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=9999-12-31", "to=0001-01-01"],
)
def test_days_at_the_calendars_edge_read_the_feed_from_or_to_its_end(member, observer, query):
    post_idea(member, "Any idea")
    everything = len(texts(observer, "?period=all"))
    expected = 0 if query == "to=0001-01-01" else everything
    assert len(texts(observer, f"?{query}")) == expected
    for page in ("/feed", "/feed.csv"):
        assert observer.get(f"{page}?{query}").status_code == 200


@pytest.mark.parametrize(
    "query, field",
    [
        ("department=abc", "department"),
        ("department=999", "department"),
        ("kind=gossip", "kind"),
        ("period=5", "period"),
        ("from=yesterday", "from"),
        ("from=2026-05-10&to=2026-05-01", "from"),
        ("before=-1", "before"),
        ("limit=0", "limit"),
    ],
)
def test_bad_filters_are_refused(observer, query, field):
    response = observer.get(f"feed?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"
    assert field in response.get_json()["error"]["fields"]


def paged_titles(client, query: str, between=lambda: None) -> list[str]:
    """The titles of every page of the feed for `query`, older activity followed to the
    end; `between()` runs after each page."""
    shown, before = [], ""
    while True:
        page = client.get(f"feed?{query}{before}").get_json()
        shown += [re.search("“(.*)”", item["text"]).group(1) for item in page["items"]]
        if page["next_before"] is None:
            return shown
        between()
        before = f"&before={page['next_before']}"


@BOTH_DATABASES
@pytest.mark.parametrize("limit", [1, 2, 200])
def test_a_period_that_ended_holds_the_events_recorded_before_its_end_whatever_their_seq(
    member, observer, at, limit
):
    """One recorded as a period ends may be numbered after one recorded after the end (its
    transaction under way at midnight): it is among the period's newest events. Each page of
    a period that ended holds exactly its events, newest seq first, and paging on while new
    events arrive (today's, and one dated inside the period) shows each of them once."""
    at()
    post_idea(member, "Before the period")
    at(days=6)  # 10 May 09:30
    post_idea(member, "The period's first")
    at(days=16, hours=14.5)  # 21 May 00:00: the first moment after 20 May
    post_idea(member, "The first after its end")
    at(days=16, hours=14, minutes=29)  # 20 May 23:59
    post_idea(member, "Recorded before the end, numbered after")
    at(days=16, hours=13)  # 20 May 22:30
    post_idea(member, "Recorded earlier, numbered last")
    at(days=30)
    post_idea(member, "Today")
    period = [
        "Recorded earlier, numbered last",
        "Recorded before the end, numbered after",
        "The period's first",
    ]
    query = f"from=2026-05-10&to=2026-05-20&limit={limit}"
    assert paged_titles(observer, query) == paged_titles(observer, f"kind=ideas&{query}") == period
    assert paged_titles(observer, f"kind=tasks&{query}") == []
    assert paged_titles(observer, f"to=2026-05-20&limit={limit}") == [*period, "Before the period"]
    assert paged_titles(observer, f"from=2026-05-11&to=2026-05-20&limit={limit}") == period[:2]
    for empty in (
        "from=2026-05-11&to=2026-05-19",
        "to=2026-05-03",
        "from=2026-07-01&to=2026-07-09",
    ):
        assert paged_titles(observer, f"{empty}&limit={limit}") == [], empty
    assert paged_titles(observer, "from=2026-05-21&to=2026-05-22") == ["The first after its end"]

    arrived = iter(range(100))

    def new_events() -> None:
        number = next(arrived)
        at(days=30, minutes=number)
        post_idea(member, f"Arrived {number}")
        at(days=12)  # 16 May: in the period, numbered after everything
        post_idea(member, f"Dated inside {number}")
        at(days=30, minutes=number)

    assert paged_titles(observer, query, new_events) == period


@BOTH_DATABASES
@pytest.mark.parametrize("limit", [2, 200])
def test_a_periods_pages_hold_its_events_in_whatever_order_they_were_numbered(
    member, observer, at, limit
):
    """An event's time is taken when it is recorded, its seq when its transaction commits:
    one recorded as a period starts may be numbered before one recorded earlier. Each
    period's pages hold exactly its events, newest seq first, however the log is read."""
    at()
    post_idea(member, "Before the period")
    # 4 May + 40 days: the 30 days from 15 May 00:00 UTC
    at(days=11, hours=-7.5)  # 15 May 02:00
    post_idea(member, "Recorded in the period, numbered before its first")
    at(days=11, hours=-8.5)  # 15 May 01:00
    post_idea(member, "The period's first by time")
    at(days=11, hours=-10.5)  # 14 May 23:00
    post_idea(member, "Recorded before the period, numbered in it")
    at(days=40)
    post_idea(member, "Today")

    def titles(query: str) -> list[str]:
        return paged_titles(observer, f"{query}&limit={limit}")

    period = [
        "Today",
        "The period's first by time",
        "Recorded in the period, numbered before its first",
    ]
    assert titles("period=30") == titles("from=2026-05-15") == period
    # A period that ended: its first by time and the one numbered before it, found by its
    # seq (PostgreSQL, SQLite's every kind) or by the type index (SQLite's narrow kind).
    for kind in ("", "kind=ideas&"):
        assert titles(f"{kind}from=2026-05-15&to=2026-05-20") == period[1:], kind
        assert titles(f"{kind}from=2026-05-15&to=2026-05-15") == period[1:], kind
    assert titles("kind=tasks&from=2026-05-15&to=2026-05-20") == []
    assert titles("period=7") == ["Today"]
    assert titles("period=all") == [
        "Today",
        "Recorded before the period, numbered in it",
        "The period's first by time",
        "Recorded in the period, numbered before its first",
        "Before the period",
    ]
    assert titles("from=2026-06-14") == []  # tomorrow: nothing yet


def test_bad_filters_on_the_page_show_a_message_and_the_default_view(member, observer):
    post_idea(member, "Still shown")
    response = observer.get("/feed?from=yesterday")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose a day in the date field, with a four-digit year." in page
    assert "Still shown" in page


@pytest.mark.parametrize(
    ("query", "field", "message", "kept"),
    [
        (
            "from=2026-05-20&to=2026-05-01&period=custom",
            "from",
            "The start date is after the end date: swap the two or choose other dates.",
            {"from": "2026-05-20", "to": "2026-05-01"},
        ),
        ("department=987", "department", "That department does not exist.", {}),
        (
            "kind=ideas&kind=gossip",
            "kind",
            "Choose from the kinds of activity offered.",  # not the API's query values
            {},
        ),
    ],
)
def test_a_bad_filter_is_explained_beside_its_field_and_stays_as_typed(
    member, observer, query, field, message, kept
):
    """The page shows the default view with a message on top, as documented; the form below
    had forgotten what was typed and said nothing beside the field at fault."""
    post_idea(member, "Still shown")
    response = observer.get(f"/feed?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Some filters could not be applied" in page and "Still shown" in page
    error = re.search(rf'<small class="field-error" id="feed-{field}-error">([^<]*)</small>', page)
    assert error and error.group(1) == message
    assert f'aria-describedby="feed-{field}-error"' in page
    assert page.count(message) == 1  # beside its field, not again on top
    for name, value in kept.items():
        assert re.search(rf'<input type="date" name="{name}"[^>]*value="{value}"', page), name


def test_dates_the_wrong_way_round_say_what_to_do_in_german(member, observer):
    """ "Das Startdatum liegt nach dem Enddatum." said what was wrong and left the reader to
    work out what to change."""
    page = observer.get(
        "/feed?period=custom&from=2026-05-20&to=2026-05-01", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    assert (
        "Das Startdatum liegt nach dem Enddatum: Tausche die beiden oder wähle andere Daten."
        in unescape(page)
    )


@pytest.mark.parametrize("period", ["abc", "365", "-7"])
def test_a_bad_period_keeps_the_department_the_form_shows(
    member, other_member, observer, db, period
):
    """'/feed?department=3&period=abc' showed every department while the form said
    Marketing: the department applies, the period is the default one (and the form says
    so), and the period's problem is said beside its field."""
    post_idea(member, "From Marketing")
    post_idea(other_member, "From IT")
    marketing = db.scalars(select(Department).where(Department.name == "Marketing")).one()
    response = observer.get(f"/feed?department={marketing.id}&period={period}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "From Marketing" in page and "From IT" not in page
    assert re.search(rf'<option value="{marketing.id}" selected>Marketing</option>', page)
    assert re.search(r'<option value="30" selected>Last 30 days</option>', page)
    assert page.count(" selected>") == 2  # one department, one period
    error = re.search(r'<small class="field-error" id="feed-period-error">([^<]*)</small>', page)
    # in words, as the form offers them ("One of: 7, 30, 90, all, custom." named the
    # address's values, "all" and "custom" in English on a German page too)
    assert error and error.group(1) == "Choose one of the periods offered."
    assert "Last 30 days · Marketing" in page  # the summary's title: what the items are
    assert f'href="/feed.csv?department={marketing.id}"' in page


def test_a_bad_kind_shows_every_kind_as_the_items_below_do(member, observer):
    post_idea(member, "An idea")
    page = observer.get("/feed?kind=ideas&kind=gossip").get_data(as_text=True)
    assert "An idea" in page
    boxes = re.findall(r'<input type="checkbox" name="kind" value="(\w+)"( checked)?>', page)
    assert boxes and all(checked for _kind, checked in boxes)


def test_older_activity_pages_back(member, observer, monkeypatch):
    for n in range(5):
        post_idea(member, f"Idea {n}")
    first = observer.get("feed?limit=2").get_json()
    second = observer.get(f"feed?limit=2&before={first['next_before']}").get_json()
    third = observer.get(f"feed?limit=2&before={second['next_before']}").get_json()
    seen = [i["seq"] for page in (first, second, third) for i in page["items"]]
    assert seen == [5, 4, 3, 2, 1] and third["next_before"] is None
    monkeypatch.setattr(feed, "PAGE_SIZE", 2)
    page = observer.get("/feed").get_data(as_text=True)
    assert "Older activity" in page and "before=4" in page
    older = observer.get("/feed?before=4").get_data(as_text=True)
    assert "Idea 2" in older and "Idea 4" not in older and 'data-live="0"' in older


# ---- summary --------------------------------------------------------------------------


def test_summary_counts_the_period_and_charts_each_week(
    app, people_, member, other_member, observer, at
):
    at(days=-60)
    post_idea(member, "Too old to count")
    at()
    make_challenge(app, people_.user("facilitator"), "Spring", closes_in=timedelta(days=4))
    idea = post_idea(member, "Week one idea")
    task = make_task(member, "Week one task", idea)
    other_member.post(f"tasks/{task}/claim")
    at(days=8)
    post_idea(other_member, "Week two idea")
    other_member.post(f"tasks/{task}/complete")
    summary = observer.get("feed?period=30").get_json()["summary"]
    assert (
        summary["ideas"],
        summary["tasks_done"],
        summary["challenges"],
        summary["departments"],
    ) == (2, 1, 1, 3)
    weeks = {w["start"]: (w["ideas"], w["tasks_done"]) for w in summary["weeks"]}
    assert weeks["2026-05-04"] == (1, 0) and weeks["2026-05-11"] == (1, 1)
    assert observer.get("feed?period=all").get_json()["summary"]["ideas"] == 3
    page = observer.get("/feed").get_data(as_text=True)
    assert "<svg" in page and page.count('class="feed-bar feed-bar-ideas"') == len(weeks)
    assert "Week of May 11, ideas posted: 1" in page  # Babel: English dates


def test_summary_follows_the_department_filter(member, other_member, observer, db):
    post_idea(member, "Marketing idea")
    post_idea(other_member, "IT idea")
    marketing = db.get(User, observer.get("feed").get_json()["items"][1]["actor"]["id"])
    summary = observer.get(f"feed?department={marketing.department_id}").get_json()["summary"]
    assert summary["ideas"] == 1 and summary["departments"] == 1


@BOTH_DATABASES
def test_under_a_department_filter_challenges_count_those_it_took_part_in(
    app, people_, member, other_member, facilitator, observer, db
):
    """'Challenges held' stayed board-wide under a department filter. There it counts the
    challenges the department started or gave an idea; a vote never counts (it would tell
    that someone of a small department voted in that challenge), and the label says so."""
    sam = people_.user("facilitator")
    spring = make_challenge(app, sam, "Spring", closes_in=timedelta(days=4))
    autumn = make_challenge(app, sam, "Autumn", closes_in=timedelta(days=4))
    post_idea(member, "Trail reel", prompt_id=spring)
    entry = post_idea(facilitator, "Tent time-lapse", prompt_id=autumn)
    other_member.put(f"ideas/{entry}/vote")  # IT only votes
    ids = {d.name: d.id for d in db.scalars(select(Department))}

    def challenges(query: str) -> int:
        return observer.get(f"feed?{query}").get_json()["summary"]["challenges"]

    assert challenges("") == 2
    assert challenges(f"department={ids['Marketing']}") == 1
    assert challenges(f"department={ids['Communications']}") == 2  # started both
    assert challenges(f"department={ids['IT']}") == 0
    assert challenges(f"department={ids['Marketing']}&period=all") == 1
    page = observer.get(f"/feed?department={ids['Marketing']}").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> <span>challenge taken part in</span>", page)
    assert "challenges held" not in page and "challenge held" not in page
    board = observer.get("/feed").get_data(as_text=True)
    assert re.search(r"<strong>2</strong> <span>challenges held</span>", board)
    german = observer.get(
        f"/feed?department={ids['IT']}", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    assert re.search(r"<strong>0</strong> <span>Challenges mit Beteiligung</span>", german)


@BOTH_DATABASES
def test_summary_counts_the_tasks_that_are_done_as_the_board_and_help_page_do(
    member, other_member, observer, at
):
    """A task completed, reopened and completed again is one task done, in the week it was
    last completed; one reopened since is not done. The summary counted every completion:
    its "tasks done" and the chart said 3 where the board's done column and the help page
    said 1 (and a department's count could be pushed up by reopening)."""
    twice = make_task(member, "Completed twice")
    member.post(f"tasks/{twice}/claim")
    member.post(f"tasks/{twice}/complete")
    reopened = make_task(other_member, "Completed, then reopened")
    other_member.post(f"tasks/{reopened}/claim")
    other_member.post(f"tasks/{reopened}/complete")
    at(days=8)
    member.post(f"tasks/{twice}/reopen")
    member.post(f"tasks/{twice}/complete")
    other_member.post(f"tasks/{reopened}/reopen")
    summary = observer.get("feed?period=30").get_json()["summary"]
    weeks = {w["start"]: w["tasks_done"] for w in summary["weeks"]}
    assert summary["tasks_done"] == 1 and sum(weeks.values()) == 1 and weeks["2026-05-11"] == 1
    on_board = observer.get("tasks?status=done").get_json()["items"]
    assert [task["id"] for task in on_board] == [twice]
    marketing = member.user["department"]["id"]
    assert observer.get(f"feed?department={marketing}").get_json()["summary"]["tasks_done"] == 1
    it = other_member.user["department"]["id"]
    assert observer.get(f"feed?department={it}").get_json()["summary"]["tasks_done"] == 0
    page = observer.get("/feed").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> <span>task done</span>", page)


@BOTH_DATABASES
def test_the_all_time_chart_starts_at_the_first_week_and_keeps_52_weeks(
    member, other_member, observer, at
):
    at(days=-3)  # a Wednesday before START's Monday: the chart starts that week
    post_idea(member, "First")
    at()
    post_idea(other_member, "Second")
    summary = observer.get("feed?period=all").get_json()["summary"]
    assert [(w["start"], w["ideas"]) for w in summary["weeks"]] == [
        ("2026-04-27", 1),
        ("2026-05-04", 1),
    ]
    assert (summary["ideas"], summary["departments"]) == (2, 2)
    at(days=-400)
    post_idea(member, "Older than the chart")
    at()
    summary = observer.get("feed?period=all").get_json()["summary"]
    assert summary["ideas"] == 3 and len(summary["weeks"]) == feed.MAX_CHART_WEEKS
    assert sum(w["ideas"] for w in summary["weeks"]) == 2


@BOTH_DATABASES
def test_a_period_from_after_today_has_an_empty_summary(member, observer, at):
    post_idea(member, "Today")
    answer = observer.get("feed?kind=votes&from=9171-09-03")
    assert answer.status_code == 200, answer.get_json()
    summary = answer.get_json()["summary"]
    assert (summary["ideas"], summary["departments"], summary["weeks"]) == (0, 0, [])


@BOTH_DATABASES
def test_the_feed_and_its_summary_cost_the_same_whatever_the_number_of_events(
    app, member, other_member, observer, at
):
    spent = []
    for days in (0, 10):
        at(days=days)
        for number in range(1 + days):
            post_idea(member if number % 2 else other_member, f"Idea {days}-{number}")
        with counted(app) as statements:
            assert observer.get("feed?period=all").status_code == 200
        spent.append(len(statements))
    assert spent[0] == spent[1], spent


@BOTH_DATABASES
def test_a_request_across_midnight_counts_the_days_its_items_show(
    member, observer, at, monkeypatch
):
    post_idea(member, "Monday's idea")  # the first day of 7 on Sunday, not on Monday
    sunday_night = at(days=6, hours=14, minutes=29, seconds=59)  # 23:59:59 UTC
    read_feed = feed.read_feed

    def midnight_strikes(*args, **kwargs):
        """The items read on Sunday, and the clock past midnight for what follows."""
        page = read_feed(*args, **kwargs)
        clock.set_clock(lambda: sunday_night + timedelta(seconds=2))
        return page

    monkeypatch.setattr(feed, "read_feed", midnight_strikes)
    answer = observer.get("feed?period=7").get_json()
    items, summary = answer["items"], answer["summary"]
    assert [item["text"] for item in items] == ["Mara (Marketing) posted the idea “Monday's idea”."]
    assert summary["ideas"] == 1 and [w["start"] for w in summary["weeks"]] == ["2026-05-04"]


# ---- the page and its live updates ----------------------------------------------------


def test_feed_page_groups_by_day_and_links_to_ideas_and_tasks(member, observer, at):
    idea = post_idea(member, "Yesterday's idea")
    at(days=1)
    task = make_task(member, "Today's task")
    page = observer.get("/feed").get_data(as_text=True)
    assert page.index(">Today<") < page.index(">Yesterday<")
    assert f'<a href="/ideas/{idea}"><bdi>Yesterday&#39;s idea</bdi></a>' in page
    assert f'<a href="/tasks/{task}"><bdi>Today&#39;s task</bdi></a>' in page


def test_user_text_never_becomes_markup_on_the_feed(member, observer):
    post_idea(member, '<script>alert("x")</script><img src=x onerror=alert(1)>')
    page = observer.get("/feed").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page


def test_feed_page_uses_no_inline_script_or_style_and_loads_its_module(observer):
    response = observer.get("/feed")
    page = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, re.S)
    assert all(body.strip() == "" for body in scripts)
    assert '<script type="module" src="/static/js/feed.js">' in page
    assert " style=" not in page and "<style" not in page
    module = observer.client.get("/static/js/feed.js")
    assert module.status_code == 200
    assert b'from "/static/vendor/socket.io/socket.io.esm.min.js"' in module.data


def test_feed_pages_need_a_login(anonymous):
    for path in ("/feed", "/feed.csv", "/feed/export.csv", "/feed/updates?after=0"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert anonymous.get("feed").status_code == 401
    assert anonymous.get("feed/token").status_code == 401


def test_live_updates_bring_only_newer_public_items_that_match_the_filters(
    app, people_, member, observer
):
    post_idea(member, "Before the page loaded")
    page = observer.get("/feed?kind=tasks").get_data(as_text=True)
    last_seq = int(re.search(r'data-last-seq="(\d+)"', page).group(1))
    updates_url = re.search(r'data-updates-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert updates_url == "/feed/updates?kind=tasks"
    post_idea(member, "Not a task")
    make_task(member, "Fresh task")
    record_nudge(app, people_.user("facilitator"), people_.user("member"), "Psst")
    body = observer.get(f"{updates_url}&after={last_seq}").get_json()
    assert body["count"] == 1 and body["last_seq"] == 3
    assert "Fresh task" in body["html"] and "Not a task" not in body["html"]
    assert 'data-day="' in body["html"] and "Psst" not in body["html"]
    assert "feed-stat" in body["summary_html"]
    again = observer.get(f"{updates_url}&after={body['last_seq']}").get_json()
    assert again["count"] == 0


def test_a_view_that_ends_in_the_past_is_not_live(member, observer, at):
    post_idea(member, "Old")
    at(days=10)
    page = observer.get("/feed?from=2026-05-01&to=2026-05-05").get_data(as_text=True)
    assert 'data-live="0"' in page and "Old" in page
    assert 'data-live="1"' in observer.get("/feed").get_data(as_text=True)


def test_an_idea_renamed_later_shows_its_current_title(member, observer, db):
    idea = post_idea(member, "Working title")
    member.patch(f"ideas/{idea}", json={"title": "Final title"})
    assert db.get(Idea, idea).title == "Final title"
    assert all("Working title" not in line for line in texts(observer))


def test_a_second_observer_sees_the_same_as_the_first(app, member, observer):
    make_user(app, "hana", "observer", "Finance")
    second = type(observer)(app.test_client()).login("hana@example.com")
    post_idea(member, "Shared view")
    assert texts(second) == texts(observer)


def test_a_day_the_feed_cannot_read_is_explained_in_the_fields_own_terms(member, observer):
    """A German date field shows 01.05.2026; the page asked for "ein Datum wie 2026-05-01",
    a spelling the field never shows. A five-digit year is what a date field lets through."""
    post_idea(member, "Still shown")
    response = observer.get(
        "/feed?period=custom&from=22026-05-01", headers={"Accept-Language": "de"}
    )
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert "Wähle im Datumsfeld einen Tag mit vierstelliger Jahreszahl." in page
    assert "Datum wie" not in page
    assert "Einige Filter ließen sich nicht anwenden" in page and "Still shown" in page
