"""Each person sees times in their own time zone (their browser's, stored once, or the one
they chose on their profile), else BOARD_TIMEZONE; and in their language's formats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from board import clock
from models import User
from tests.conftest import PASSWORD
from tests.test_pages import Browser, text_of

NOW = datetime(2026, 10, 19, 10, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 10, 21, 13, 5, tzinfo=UTC)


@pytest.fixture
def frozen():
    clock.set_clock(lambda: NOW)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def settle(client, **settings) -> dict:
    response = client.patch("me", json=settings)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["user"]


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "UTC"])
def test_a_person_stores_their_time_zone(member, zone):
    assert settle(member, timezone=zone)["timezone"] == zone
    assert member.get("me").get_json()["user"]["timezone"] == zone


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "europe/berlin", "../../etc/passwd", "localtime", "", " UTC"]
)
def test_an_unknown_time_zone_is_refused_with_the_field_named(member, zone):
    response = member.patch("me", json={"timezone": zone})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert "Europe/Berlin" in error["fields"]["timezone"]
    assert member.get("me").get_json()["user"]["timezone"] is None


def test_null_brings_back_the_boards_zone(member):
    settle(member, timezone="Europe/Berlin")
    assert settle(member, timezone=None)["timezone"] is None


def test_nobody_else_sees_a_persons_time_zone(member, other_member):
    settle(member, timezone="Europe/Berlin")
    me = member.get("me").get_json()["user"]
    idea = member.post("ideas", json={"title": "Zones", "body": ""}).get_json()
    assert "timezone" not in idea["author"]
    assert me["timezone"] == "Europe/Berlin"
    assert "timezone" not in other_member.get(f"ideas/{idea['id']}").get_json()["author"]


def post_challenge(facilitator) -> dict:
    """A challenge whose submissions close at DEADLINE."""
    return facilitator.post(
        "prompts",
        json={
            "kind": "challenge",
            "title": "Trail photo of the month",
            "submissions_close_at": DEADLINE.isoformat(),
            "voting_close_at": (DEADLINE + timedelta(days=2)).isoformat(),
        },
    ).get_json()


@pytest.mark.parametrize(
    ("zone", "language", "shown"),
    [
        ("America/New_York", "en", "Oct 21, 2026, 9:05 AM"),
        ("Europe/Berlin", "de", "21.10.2026, 15:05"),
        ("Europe/Berlin", "en", "Oct 21, 2026, 3:05 PM"),
        ("America/New_York", "de", "21.10.2026, 09:05"),
    ],
)
def test_the_same_deadline_in_each_persons_zone_and_language(
    facilitator, member, frozen, zone, language, shown
):
    challenge = post_challenge(facilitator)
    settle(member, timezone=zone, language=language)
    html = page(member, f"/prompts/{challenge['id']}")
    assert shown in html
    assert f'data-timezone="{zone}"' in html  # live items (static/js/ui.js) use it too


def test_without_a_zone_of_their_own_a_person_sees_the_boards(facilitator, member, frozen):
    challenge = post_challenge(facilitator)
    html = page(member, f"/prompts/{challenge['id']}")
    assert "Oct 21, 2026, 1:05 PM" in html  # the test board's BOARD_TIMEZONE is UTC
    assert 'data-timezone="UTC" data-timezone-unset="1"' in html  # the browser sends its own


def test_the_inbox_shows_no_raw_utc_timestamps(member, other_member, frozen):
    idea = member.post("ideas", json={"title": "Mentions", "body": ""}).get_json()
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "Nice, @mara"})
    html = page(member, "/notifications")
    assert "2026-10-19 10:00" not in html
    assert 'title="Oct 19, 2026, 10:00 AM"' in html


def test_the_profile_form_sets_the_zone(member):
    response = member.post("/profile/time-zone", data={"timezone": "America/New_York"})
    assert response.status_code == 302
    assert member.get("me").get_json()["user"]["timezone"] == "America/New_York"
    html = page(member, "/profile")
    assert '<option value="America/New_York" selected>' in html


def test_the_profile_form_refuses_an_unknown_zone_beside_the_field(member):
    settle(member, timezone="Europe/Berlin")
    response = member.post("/profile/time-zone", data={"timezone": "Atlantis/Capital"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "An IANA time zone such as Europe/Berlin or America/New_York." in html
    assert 'id="timezone-timezone-error"' in html
    assert member.get("me").get_json()["user"]["timezone"] == "Europe/Berlin"


def test_an_empty_choice_goes_back_to_the_boards_zone(member):
    settle(member, timezone="Europe/Berlin")
    assert member.post("/profile/time-zone", data={"timezone": ""}).status_code == 302
    assert member.get("me").get_json()["user"]["timezone"] is None


def test_a_challenge_form_time_is_in_the_persons_zone(facilitator, frozen):
    settle(facilitator, timezone="America/New_York")
    response = facilitator.post(
        "/prompts",
        data={
            "kind": "challenge",
            "title": "Evening runs",
            "submissions_close_at": "2026-10-21T09:05",
            "voting_close_at": "2026-10-23T09:05",
            "tz_offset": "-120",  # a browser elsewhere: the stored zone wins
        },
    )
    assert response.status_code == 302
    prompt_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    prompt = facilitator.get(f"prompts/{prompt_id}").get_json()
    assert datetime.fromisoformat(prompt["submissions_close_at"]) == DEADLINE


def _zone_of(app, email: str):
    with app.extensions["board_db"].Session() as session:
        return session.scalar(select(User.timezone).where(User.email == email))


@pytest.mark.parametrize(
    ("stored", "sent", "kept"),
    [
        (None, "America/New_York", "America/New_York"),  # the first page is already in it
        ("Asia/Tokyo", "Europe/Berlin", "Asia/Tokyo"),  # a chosen zone is not overwritten
        (None, "Mars/Olympus_Mons", None),  # a zone the server does not know is passed over
        (None, "", None),  # no JavaScript: the first page stores it, as before
    ],
)
def test_the_login_form_brings_the_browsers_zone(app, people_, stored, sent, kept):
    person = people_.user("member")
    if stored:
        settle(people_.client("member"), timezone=stored)
    browser = Browser(app)
    browser.get("/login")
    answer = browser.post(
        "/login", {"email": person.email, "password": PASSWORD, "browser_timezone": sent}
    )
    assert answer.status_code == 302, text_of(answer)  # logged in, whatever the zone said
    assert _zone_of(app, person.email) == kept
    board = browser.get("/").get_data(as_text=True)
    assert f'data-timezone="{kept or "UTC"}"' in board


def test_the_registration_form_brings_the_browsers_zone(app, people_):
    browser = Browser(app)
    browser.get("/register")
    answer = browser.post(
        "/register",
        {
            "email": "neu@example.com",
            "password": "a-long-enough-password",
            "display_name": "Nele",
            "department_id": str(people_.user("member").department_id),
            "browser_timezone": "America/Chicago",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert _zone_of(app, "neu@example.com") == "America/Chicago"


# ---- the zone list: names a reader knows, in the page's language -------------------------


def zone_options(client) -> list[tuple[str, str, bool]]:
    """The profile's zone list as (value, shown name, selected), in the page's order."""
    import html as html_module
    import re

    page_html = page(client, "/profile")
    select_html = page_html.split('<select id="timezone"', 1)[1].split("</select>", 1)[0]
    found = re.findall(r'<option value="([^"]*)" ?(selected)?>([^<]*)</option>', select_html)
    return [
        (html_module.unescape(v), html_module.unescape(n).strip(), bool(s)) for v, s, n in found
    ]


@pytest.mark.parametrize(
    ("language", "berlin", "buenos_aires", "board"),
    [
        ("de", "Deutschland (Berlin)", "Argentinien (Buenos Aires)", "UTC (Koordinierte Weltzeit)"),
        ("en", "Germany (Berlin)", "Argentina (Buenos Aires)", "UTC (Coordinated Universal Time)"),
    ],
)
def test_zones_are_named_in_the_pages_language(member, language, berlin, buenos_aires, board):
    settle(member, language=language)
    options = zone_options(member)
    shown = {value: name for value, name, _selected in options}
    assert shown["Europe/Berlin"] == berlin
    assert shown["America/Argentina/Buenos_Aires"] == buenos_aires
    assert not any("/" in name or "_" in name for value, name, _s in options if value)
    # The first choice, the board's own zone (the test board's is UTC), is named too.
    assert options[0][0] == "" and options[0][1].endswith(board)


def test_each_zone_is_offered_once(member):
    """Aliases (US/Eastern, Asia/Calcutta, Etc/UCT) are one zone with one name."""
    options = zone_options(member)[1:]
    names = [name for _value, name, _selected in options]
    assert len(names) == len(set(names))
    values = {value for value, _name, _selected in options}
    assert "America/New_York" in values and "US/Eastern" not in values
    assert "Asia/Kolkata" in values and "Asia/Calcutta" not in values


def test_the_german_list_sorts_as_german_does(member):
    """Ägypten stands among the A's, not after Z; Österreich among the O's."""
    settle(member, language="de")
    names = [name for _value, name, _selected in zone_options(member)[1:]]
    egypt, austria = names.index("Ägypten (Kairo)"), names.index("Österreich (Wien)")
    assert names[egypt - 1] == "Afghanistan (Kabul)"
    assert names[egypt + 1] == "Ålandinseln (Mariehamn)"
    assert names[austria - 1 : austria + 2] == [
        "Oman (Maskat)",
        "Österreich (Wien)",
        "Pakistan (Karatschi)",
    ]
    assert names.index("Deutschland (Berlin)") < names.index("Frankreich (Paris)")


def test_the_english_list_sorts_by_its_english_names(member):
    names = [name for _value, name, _selected in zone_options(member)[1:]]
    assert names.index("Egypt (Cairo)") > names.index("Denmark (Copenhagen)")
    assert names.index("Germany (Berlin)") > names.index("France (Paris)")


def test_a_german_page_saves_the_zone_by_its_iana_name(member):
    settle(member, language="de")
    response = member.post("/profile/time-zone", data={"timezone": "Europe/Berlin"})
    assert response.status_code == 302
    assert member.get("me").get_json()["user"]["timezone"] == "Europe/Berlin"
    assert ("Europe/Berlin", "Deutschland (Berlin)", True) in zone_options(member)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("Asia/Calcutta", "Indien (Kolkata)"), ("US/Eastern", "Vereinigte Staaten (New York)")],
)
def test_a_stored_alias_is_selected_under_its_zones_name(member, stored, shown):
    """A browser may say Asia/Calcutta: the person's zone is selected as it is stored,
    once, where its zone stands in the list; saving the form unchanged keeps it."""
    settle(member, language="de", timezone=stored)
    options = zone_options(member)
    assert [o for o in options if o[2]] == [(stored, shown, True)]
    assert [name for _v, name, _s in options].count(shown) == 1


def test_a_stored_zone_of_no_place_stays_selected(member):
    settle(member, timezone="Etc/GMT+5")  # the API takes every IANA zone
    assert [o for o in zone_options(member) if o[2]] == [("Etc/GMT+5", "Etc/GMT+5", True)]


def test_the_feed_names_its_zone_in_the_readers_language(observer):
    settle(observer, timezone="Europe/Berlin", language="de")
    assert "Zeitzone: Deutschland (Berlin)." in page(observer, "/feed")


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", "Zeitzone: Vereinigte Staaten (New York)."),
        ("en", "Time zone: United States (New York)."),
    ],
)
def test_a_zone_whose_country_needs_an_article_reads_as_a_sentence(observer, language, said):
    """A reader in New York read "Alle Zeiten in Vereinigte Staaten (New York)." on the
    feed (and "Times are in United States (New York)."): a place name after "in" does not
    fit every country; the zone is named after a colon instead."""
    settle(observer, timezone="America/New_York", language=language)
    assert said in page(observer, "/feed")


def test_every_place_can_be_chosen_by_a_name(member):
    """Each zone of a place is offered, itself or the zone it is another name for: also
    zones newer than Babel's data (America/Coyhaique, Chile, 2025)."""
    from babel.core import get_global

    from board.i18n import time_zone_names

    settle(member, language="de")
    offered = {value: name for value, name, _selected in zone_options(member)}
    aliases = get_global("zone_aliases")
    for zone in time_zone_names():
        if zone.startswith(("Africa/", "America/", "Asia/", "Europe/", "Pacific/")):
            assert zone in offered or aliases.get(zone, zone) in offered, zone
    assert offered["America/Coyhaique"] == "Chile (Coyhaique)"
