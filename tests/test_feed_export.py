"""The feed outside the page: CSV export for spreadsheets and the private Atom feed URL."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from board import events, feed_export, people
from models import User
from tests.conftest import BOTH_DATABASES, PASSWORD

ATOM = "{http://www.w3.org/2005/Atom}"


def post_idea(client, title: str) -> int:
    response = client.post("ideas", json={"title": title, "body": "Details"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def csv_rows(response, delimiter: str = ",") -> list[list[str]]:
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark"
    text = io.StringIO(raw[3:].decode("utf-8"), newline="")
    return list(csv.reader(text, delimiter=delimiter))


def new_token(client) -> str:
    response = client.post("feed/token")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def parse_atom(response) -> ET.Element:
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.data)


def iso(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value


# ---- CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, safe",
    [
        ("=1+2", "'=1+2"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", "'\rReturn"),
        ("Plain", "Plain"),
        ("", ""),
        ("a=b", "a=b"),
        (None, ""),
        (7, "7"),
    ],
)
def test_cells_that_look_like_formulas_get_a_leading_apostrophe(value, safe):
    assert feed_export.spreadsheet_safe(value) == safe


@BOTH_DATABASES
def test_csv_export_opens_cleanly_and_neutralises_formulas(member, other_member, observer):
    idea = post_idea(member, '=HYPERLINK("http://evil.example","Click")')
    other_member.post("tasks", json={"title": '@cmd, "quoted"\nand multi-line', "idea_id": idea})
    response = observer.get("/feed.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="board-')
    assert b"\r\n" in response.data
    rows = csv_rows(response)
    assert rows[0] == [
        "Time (UTC)",
        "Activity",
        "Department",
        "Person",
        "Sentence",
        "Title",
        "Link",
    ]
    task_row, idea_row = rows[1], rows[2]
    assert idea_row[5] == '\'=HYPERLINK("http://evil.example","Click")'
    assert idea_row[4].startswith("Mara (Marketing) posted the idea")
    assert idea_row[1:4] == ["Idea posted", "Marketing", "Mara"]
    assert idea_row[6] == f"http://localhost/ideas/{idea}"
    assert task_row[5] == '\'@cmd, "quoted"\nand multi-line'
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", task_row[0])
    for row in rows[1:]:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row)


def test_csv_neutralises_a_display_name_that_starts_like_a_formula(app, observer):
    from tests.conftest import JsonClient

    with app.extensions["board_db"].Session() as session:
        people.create_user(session, "plus@example.com", PASSWORD, "+Plus", "Sales", "member")
    plus = JsonClient(app.test_client()).login("plus@example.com")
    post_idea(plus, "Harmless")
    row = csv_rows(observer.get("/feed.csv"))[1]
    assert row[3] == "'+Plus" and row[4].startswith("+Plus (Sales)") is False


def test_csv_export_follows_the_filters_and_the_language(member, observer):
    idea = post_idea(member, "Reel")
    member.post("tasks", json={"title": "Cut", "idea_id": idea})
    rows = csv_rows(observer.get("/feed/export.csv?kind=tasks"))
    assert len(rows) == 2 and rows[1][1] == "Task created"
    german = csv_rows(observer.get("/feed.csv", headers={"Accept-Language": "de"}), ";")
    assert german[0][:2] == ["Zeit (UTC)", "Aktivität"]
    assert german[2][4] == "Mara (Marketing) hat die Idee „Reel“ gepostet."


@pytest.mark.parametrize(
    ("language", "separator", "name", "header"),
    [
        ("en", ",", "board-activity-", ["Time (UTC)", "Activity", "Department", "Person"]),
        ("de", ";", "aktivitaet-", ["Zeit (UTC)", "Aktivität", "Abteilung", "Person"]),
    ],
)
def test_a_german_reader_gets_a_semicolon_separated_file_with_a_german_name(
    member, observer, language, separator, name, header
):
    """German Excel splits a file at semicolons (the comma is its decimal sign): the
    comma-separated file opened there as one column, under an English name. RFC 4180
    quoting, the byte order mark, CRLF and the formula guard stay."""
    post_idea(member, '=Reel; "Sommer", 1,5 km')
    observer.patch("me", json={"language": language})
    response = observer.get("/feed.csv")
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(rf'attachment; filename="{name}\d{{4}}-\d\d-\d\d\.csv"', disposition)
    assert disposition.isascii()
    first_line = response.data[3:].split(b"\r\n")[0].decode("utf-8")
    assert first_line.startswith(separator.join(header)) and first_line.count(separator) == 6
    rows = csv_rows(response, separator)
    assert rows[0][:4] == header and all(len(row) == 7 for row in rows)
    assert rows[1][5] == '\'=Reel; "Sommer", 1,5 km'


def test_the_page_links_to_the_csv_of_what_it_shows(observer, db):
    page = observer.get("/feed?kind=tasks&period=7").get_data(as_text=True)
    assert 'href="/feed.csv?kind=tasks&amp;period=7"' in page


# ---- Atom -----------------------------------------------------------------------------


@BOTH_DATABASES
def test_the_private_atom_feed_is_valid_atom_without_a_session(member, observer, anonymous):
    idea = post_idea(member, "Trade fair reel")
    member.post("tasks", json={"title": "Film the booth", "idea_id": idea})
    token = new_token(observer)
    root = parse_atom(anonymous.get(f"/feed/atom/{token}"))
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}title")
    iso(root.findtext(f"{ATOM}updated"))
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"].endswith(f"/feed/atom/{token}") and links["alternate"].endswith("/feed")
    assert root.find(f"{ATOM}author/{ATOM}name").text
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}title")
        iso(entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}link").get("href").startswith("http://localhost/")
    assert entries[0].findtext(f"{ATOM}title") == (
        "Mara (Marketing) created the task “Film the booth” for the idea “Trade fair reel”."
    )
    assert entries[1].find(f"{ATOM}link").get("href") == f"http://localhost/ideas/{idea}"
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == 2 and all(i.startswith("tag:") for i in ids)


def test_atom_feed_leaves_out_nudges_and_names_no_voter(
    app, people_, member, other_member, observer, anonymous
):
    idea = post_idea(member, "Podcast")
    other_member.put(f"ideas/{idea}/vote")
    with app.extensions["board_db"].Session() as session:
        sender = session.get(User, people_.user("facilitator").id)
        events.record(
            session,
            "nudge.sent",
            sender,
            {"nudge": {"message": "Private word"}},
            recipients=[people_.user("observer").id],
        )
        session.commit()
    body = anonymous.get(f"/feed/atom/{new_token(observer)}").get_data(as_text=True)
    assert "Private word" not in body and "Ivan" not in body
    assert "now has 1 vote" in body


def test_atom_feed_survives_characters_xml_cannot_carry(member, observer, anonymous):
    post_idea(member, 'Bell\x07 and <tags> & "quotes"')
    root = parse_atom(anonymous.get(f"/feed/atom/{new_token(observer)}"))
    assert root.find(f"{ATOM}entry/{ATOM}title").text == (
        'Mara (Marketing) posted the idea “Bell and <tags> & "quotes"”.'
    )


def test_atom_feed_speaks_its_owners_language_and_honours_filters(member, observer, anonymous):
    idea = post_idea(member, "Reel")
    member.post("tasks", json={"title": "Cut", "idea_id": idea})
    member.patch("me", json={"language": "de"})
    token = new_token(member)
    root = parse_atom(anonymous.get(f"/feed/atom/{token}?kind=ideas"))
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles == ["Mara (Marketing) hat die Idee „Reel“ gepostet."]
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"


def test_an_observer_reading_in_german_gets_a_german_feed_url(member, observer, anonymous):
    post_idea(member, "Reel")
    german = {"Accept-Language": "de"}
    answer = observer.post("feed/token", headers=german).get_json()
    assert answer["atom_url"].endswith(f"/feed/atom/{answer['token']}?lang=de")
    assert "?lang=de" in observer.get("/feed", headers=german).get_data(as_text=True)
    path = answer["atom_url"].removeprefix("http://localhost")
    root = parse_atom(anonymous.get(path))
    assert root.find(f"{ATOM}entry/{ATOM}title").text == (
        "Mara (Marketing) hat die Idee „Reel“ gepostet."
    )
    english = parse_atom(anonymous.get(f"/feed/atom/{answer['token']}"))
    assert english.find(f"{ATOM}entry/{ATOM}title").text.startswith("Mara (Marketing) posted")


def test_atom_feed_answers_not_modified_when_nothing_happened(member, observer, anonymous):
    post_idea(member, "Reel")
    token = new_token(observer)
    first = anonymous.get(f"/feed/atom/{token}")
    again = anonymous.get(f"/feed/atom/{token}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    post_idea(member, "Another")
    changed = anonymous.get(f"/feed/atom/{token}", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200


def test_renewing_the_token_retires_the_old_url_and_revoking_answers_404(observer, anonymous):
    old = new_token(observer)
    assert anonymous.get(f"/feed/atom/{old}").status_code == 200
    new = new_token(observer)
    assert new != old and len(new) >= 40
    assert anonymous.get(f"/feed/atom/{old}").status_code == 404
    assert anonymous.get(f"/feed/atom/{new}").status_code == 200
    assert observer.get("feed/token").get_json()["token"] == new
    assert observer.delete("feed/token").status_code == 204
    assert anonymous.get(f"/feed/atom/{new}").status_code == 404
    assert observer.get("feed/token").get_json() == {"token": None, "atom_url": None}


@pytest.mark.parametrize("token", ["nope", "x" * 65, "' OR 1=1 --"])
def test_unknown_tokens_answer_404(observer, anonymous, token):
    new_token(observer)
    assert anonymous.get(f"/feed/atom/{token}").status_code == 404


def test_a_nul_in_the_token_is_bad_input(observer, anonymous):
    """The one input rule refuses NUL in every URL part, before any lookup (400, not 500)."""
    new_token(observer)
    assert anonymous.get("/feed/atom/%00").status_code == 400


def test_a_removed_person_s_feed_url_stops_working(app, people_, observer, anonymous):
    token = new_token(observer)
    with app.extensions["board_db"].Session() as session:
        people.remove_user(session, people_.user("observer").email)
    assert anonymous.get(f"/feed/atom/{token}").status_code == 404


def test_everyone_may_have_a_feed_url_but_only_when_logged_in(member, facilitator, anonymous):
    assert member.post("feed/token").status_code == 201
    assert facilitator.post("feed/token").status_code == 201
    # Without a session there is no CSRF token either: refused one way or the other.
    assert anonymous.post("feed/token").status_code in (400, 401)
    assert anonymous.delete("feed/token").status_code in (400, 401)
    assert anonymous.get("feed/token").status_code == 401


def test_token_changes_need_the_csrf_token(observer):
    assert observer.post("feed/token", csrf=False).status_code in (400, 403)
    assert observer.get("feed/token").get_json()["token"] is None
    assert observer.client.post("/feed/token").status_code == 400
    assert observer.get("feed/token").get_json()["token"] is None


def test_the_page_creates_shows_renews_and_revokes_the_feed_url(observer, anonymous):
    page = observer.get("/feed").get_data(as_text=True)
    assert "Create a feed URL" in page and "Revoke" not in page
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    created = observer.client.post("/feed/token", data={"csrf_token": csrf_token})
    assert created.status_code == 303 and created.headers["Location"].endswith("/feed#private-feed")
    page = observer.get("/feed").get_data(as_text=True)
    url = re.search(r'id="feed-url" readonly value="([^"]+)"', page).group(1)
    assert "Renew" in page and "Revoke" in page
    path = url.removeprefix("http://localhost")
    assert anonymous.get(path).status_code == 200
    observer.client.post("/feed/token/revoke", data={"csrf_token": csrf_token})
    assert anonymous.get(path).status_code == 404
    assert "Create a feed URL" in observer.get("/feed").get_data(as_text=True)


def _csv_as_it_was(app, email: str, language: str) -> bytes:
    """The CSV as the export made it before its rows were told with the catalog looked up
    once: each sentence and each of its parts translated under `force_locale`, from Event
    objects (feed_export.feed_csv and FeedItem.text of 6 December, morning)."""
    from flask_login import login_user
    from sqlalchemy import select

    from board import feed
    from board.feed import Link, Person, Phrase, person_of
    from board.i18n import force_locale, gettext
    from board.requests import reader_tz
    from models import Event

    def told(item) -> str:
        values = {}
        for name, part in item.parts.items():
            if isinstance(part, Person):
                values[name] = part.text()
            elif isinstance(part, Link):
                with force_locale(language):
                    values[name] = gettext("“%(title)s”", title=part.title)
            elif isinstance(part, Phrase):
                with force_locale(language):
                    values[name] = gettext(part.template, **dict(part.params))
            else:
                values[name] = str(part)
        with force_locale(language):
            return gettext(item.sentence) % values

    base = "http://localhost/"
    request = app.test_request_context("/feed.csv", headers={"Accept-Language": language})
    with request, app.extensions["board_db"].Session() as session:
        login_user(session.scalars(select(User).where(User.email == email)).one())
        tz = reader_tz()
        rows = list(
            session.scalars(
                select(Event)
                .where(Event.private.is_(False), Event.type.in_(feed.FEED_TYPES))
                .order_by(Event.seq.desc())
            )
        )
        items = feed.items_from_events(session, rows, tz)
        out = io.StringIO()
        writer = csv.writer(
            out,
            delimiter={"en": ",", "de": ";"}[language],
            lineterminator="\r\n",
            quoting=csv.QUOTE_MINIMAL,
        )
        with force_locale(language):
            header = [str(column) for column in feed_export.CSV_COLUMNS]
            activities = {t: str(label) for t, label in feed.TYPE_LABELS.items()}
        header[0] = f"{header[0]} ({tz.key})"
        writer.writerow(header)
        for item in items:
            actor = item.actor
            writer.writerow(
                feed_export.spreadsheet_safe(cell)
                for cell in (
                    item.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                    activities[item.type],
                    (item.department or {}).get("name", ""),
                    person_of(actor).name or "" if actor else "",
                    told(item),
                    item.title,
                    base.rstrip("/") + item.path if item.path else "",
                )
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@BOTH_DATABASES
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_csv_of_every_kind_of_sentence_is_what_it_was(
    app, member, other_member, facilitator, observer, language
):
    """Ideas (one for a challenge, one edited, one hidden by the facilitator, one
    withdrawn), votes, comments and a mentor note, tasks taken, given back and done, a
    publication, a prompt and a challenge: byte for byte what the export wrote before."""
    soon = datetime.now().astimezone() + timedelta(days=7)
    challenge = facilitator.post(
        "prompts",
        json={
            "kind": "challenge",
            "title": "=Autumn",
            "body": "",
            "submissions_close_at": soon.isoformat(),
            "voting_close_at": (soon + timedelta(days=7)).isoformat(),
            "hide_tallies": False,
        },
    ).get_json()
    facilitator.post("prompts", json={"kind": "prompt", "title": "What did customers ask?"})
    first = post_idea(member, 'Reel, "quoted"')
    member.post("ideas", json={"title": "For it", "body": "", "prompt_id": challenge["id"]})
    member.patch(f"ideas/{first}", json={"body": "Shorter"})
    for voter in (other_member, facilitator):
        voter.put(f"ideas/{first}/vote")
    other_member.post(f"ideas/{first}/comments", json={"body": "Yes"})
    facilitator.post(f"ideas/{first}/comments", json={"body": "Try", "mentor_note": True})
    for number in range(3):
        task = member.post("tasks", json={"title": f"Cut {number}", "idea_id": first}).get_json()
        other_member.post(f"tasks/{task['id']}/claim")
        other_member.post(f"tasks/{task['id']}/{('complete', 'release', 'complete')[number]}")
    member.post(
        f"ideas/{first}/publications", json={"url": "https://example.com/p", "channel": "blog"}
    )
    hidden = post_idea(other_member, "Launch date")
    facilitator.put(f"ideas/{hidden}/hidden", json={"reason": "too early"})
    member.post(f"ideas/{post_idea(member, 'Withdrawn')}/withdraw")
    if language == "de":
        observer.patch("me", json={"language": "de"})
    response = observer.get("/feed.csv")
    assert response.status_code == 200
    rows = csv_rows(response, {"en": ",", "de": ";"}[language])
    assert rows[0][1] == {"en": "Activity", "de": "Aktivität"}[language]
    assert len({row[1] for row in rows[1:]}) >= 12  # every kind of sentence above
    assert response.data == _csv_as_it_was(app, "olga@example.com", language)
