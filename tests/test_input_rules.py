"""The defects a probe found (issue 17), each pinned by a test that failed before the fix:
login CSRF through non-JSON bodies and other origins, NUL characters at every door."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import Idea, User
from tests.conftest import BOTH_DATABASES, PASSWORD

# ---- login CSRF: JSON only, and never from another site ------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register"])
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_login_and_register_refuse_bodies_that_are_not_json(anonymous, people_, path, content_type):
    body = json.dumps(
        {
            "email": "mara@example.com",
            "password": PASSWORD,
            "display_name": "Mara",
            "department_id": 1,
        }
    )
    response = anonymous.client.post(path, data=body, content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert anonymous.client.get("/api/v1/me").status_code == 401


def test_every_json_write_refuses_text_plain(member, db):
    response = member.post("ideas", data='{"title": "T", "body": "B"}', content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert db.scalar(select(func.count(Idea.id))) == 0


def test_empty_bodies_need_no_content_type(member):
    idea = member.post("ideas", json={"title": "T", "body": "B"}).get_json()
    assert (
        member.client.put(
            f"/api/v1/ideas/{idea['id']}/vote", headers={"X-CSRF-Token": member.csrf_token}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
        {"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"},
    ],
)
@pytest.mark.parametrize("path", ["auth/login", "auth/register"])
def test_login_and_register_from_another_site_are_refused(anonymous, people_, db, headers, path):
    body = {"email": "mara@example.com", "password": PASSWORD}
    if path == "auth/register":
        body = {**body, "email": "new@example.com", "display_name": "Mara", "department_id": 1}
    response = anonymous.post(path, json=body, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "cross_site"
    assert anonymous.get("me").status_code == 401
    assert db.scalar(select(User.id).where(User.email == "new@example.com")) is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "http://localhost"},
    ],
)
def test_login_from_the_boards_own_page_or_a_script_works(anonymous, people_, headers):
    response = anonymous.post(
        "auth/login", json={"email": "mara@example.com", "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 200, response.get_json()


# ---- NUL characters at every door ------------------------------------------------------------

NUL_URLS = [
    "/?q=%00",
    "/?tag=%00",
    "/?q=a%00b",
    "/?%00=1",
    "/feed/atom/%00",
    "/feed?department=%00",
    "/people/%00",
    "/reset-password/%00",
    "/calendar/ics/%00",
    "/api/v1/ideas?tag=%00",
    "/api/v1/ideas?q=%00",
    "/api/v1/feed?q=%00",
]


@BOTH_DATABASES
@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_query_strings_and_url_parts_is_bad_input(member, url):
    response = member.client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    if url.startswith("/api/"):
        assert response.get_json()["error"]["code"] in ("invalid_parameter", "invalid_path")


def page_token(client, path: str = "/") -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@BOTH_DATABASES
@pytest.mark.parametrize(
    ("path", "field"),
    [("/ideas", "title"), ("/ideas", "body"), ("/tasks", "title"), ("/profile", "display_name")],
)
def test_nul_in_page_forms_is_bad_input_and_stores_nothing(member, db, path, field):
    token = page_token(member.client)
    form = {"csrf_token": token, "title": "T", "body": "B", "display_name": "Mara"}
    form[field] = "bad\x00text"
    response = member.client.post(path, data=form)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Idea.id))) == 0
    assert db.scalar(select(User.display_name).where(User.email == "mara@example.com")) == "Mara"


@BOTH_DATABASES
def test_nul_in_the_login_form_is_bad_input(anonymous, people_):
    token = page_token(anonymous.client, "/login")
    response = anonymous.client.post(
        "/login", data={"csrf_token": token, "email": "mara@example.com\x00", "password": "x"}
    )
    assert response.status_code == 400


# ---- the same rule, fuzzed: forms, query strings and URL parts, on both databases -----------

# Digits that are not ASCII's: str.isdigit() holds for all of them; int() refuses the
# superscript and reads the others as 1 and 12.
OTHER_DIGITS = ["²", "１", "١٢", "1²"]
# "+-1" passed a check that stripped every sign (int() refuses it); int() refuses more than
# 4,300 digits: both were a 500 wherever a form or a cursor took a number.
SIGNS_AND_LENGTHS = ["+-1", "--1", "-+1", "9" * 5000, "-" + "9" * 5000]
# An IPv6 host left open ("[" without "]") makes urlsplit raise ValueError: a 500 for a
# `next` on the login page and in every form, a publication's link, a chat webhook.
BROKEN_ADDRESSES = ["//[", "https://[x", "http://[::1/x", "https://a]"]
# Addresses urlsplit takes whose port is no port: `.port` raises when read.
BAD_PORTS = ["https://a.example:abc/x", "https://a.example:99999/x", "https://a.example:-1/x"]
# And addresses with a character that cannot be seen: they look like another and reach nothing.
UNSEEN_IN_ADDRESSES = [
    "https://ex\u200bample.com/x",
    "https://example.com/\u202ex",
    "https://a\u00ad.example/",
]
# Text a browser or a script might send: anything, NUL and broken escapes included.
HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from("a\x00\u202e\ufeff%/?#\\'\"<>"), max_size=12),
    st.sampled_from(["\x00", "a\x00", "%00", "\ud800x", "\U0001f600", "ｉｎｓｔａｇｒａｍ"]),
    st.sampled_from(OTHER_DIGITS),
    st.sampled_from(SIGNS_AND_LENGTHS + BROKEN_ADDRESSES),
)
QUERY_PAGES = [
    "/",
    "/feed",
    "/feed/updates",
    "/people",
    "/my-tasks",
    "/notifications",
    "/notifications/updates",
    "/calendar",
    "/api/v1/ideas",
    "/api/v1/feed",
    "/api/v1/notifications",
    "/login",
]
PATH_PAGES = ["/feed/atom/{}", "/people/{}", "/reset-password/{}", "/calendar/ics/{}"]
FORMS = [
    ("/ideas", ("title", "body", "tags", "prompt_id", "next")),
    ("/tasks", ("title", "description", "idea_id", "publish_on", "next")),
    ("/profile", ("display_name", "department_id")),
    ("/settings", ("handle", "language", "email_notifications")),
    ("/notifications/read", ("id", "next")),
]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def wire(text: str) -> str:
    """`text` percent-encoded as its UTF-8 bytes; a lone surrogate goes as the broken bytes
    a careless client would send."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def no_server_error(response, what) -> None:
    assert response.status_code < 500, (what, response.get_data(as_text=True)[:300])


@BOTH_DATABASES
@FUZZ
@given(
    name=st.sampled_from(
        ["q", "tag", "department", "kind", "sort", "cursor", "before", "after", "next"]
    ),
    value=HOSTILE_TEXT,
)
def test_fuzzed_query_strings_never_break_a_page(member, name, value):
    for page in QUERY_PAGES:
        response = member.client.get(f"{page}?{name}={wire(value)}")
        no_server_error(response, (page, name, value))
        if "\x00" in value:
            assert response.status_code == 400, (page, name, value)


@BOTH_DATABASES
@FUZZ
@given(part=HOSTILE_TEXT.filter(lambda text: "/" not in text and text not in ("", ".", "..")))
def test_fuzzed_url_parts_never_break_a_page(member, part):
    for pattern in PATH_PAGES:
        response = member.client.get(pattern.format(wire(part)))
        no_server_error(response, (pattern, part))
        if "\x00" in part:
            assert response.status_code == 400, (pattern, part)


@BOTH_DATABASES
@FUZZ
@given(form=st.sampled_from(FORMS), value=HOSTILE_TEXT, which=st.integers(0, 4))
def test_fuzzed_page_forms_never_break_and_store_no_nul(member, db, form, value, which):
    path, fields = form
    token = page_token(member.client)
    field = fields[which % len(fields)]
    data = {"csrf_token": token, "title": "T", "body": "B", field: value}
    body = "&".join(f"{wire(name)}={wire(text)}" for name, text in data.items())
    response = member.client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    no_server_error(response, (path, field, value))
    if "\x00" in value:
        assert response.status_code == 400, (path, field, value)
    stored = db.scalars(select(Idea.title)).all() + db.scalars(select(User.display_name)).all()
    db.rollback()
    assert not any("\x00" in text for text in stored)


@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_numbers_in_other_digits_name_nothing(member, db, digits):
    idea = member.post("ideas", json={"title": "Podcast", "body": "B"}).get_json()
    assert idea["id"] == 1
    part = wire(digits)
    # a URL part: the same "no such idea" as any unknown id, not idea 1 or 12 and not a 500
    assert member.get(f"ideas/{part}").status_code == 404
    assert member.client.get(f"/ideas/{part}").status_code == 404
    assert member.put(f"ideas/{part}/vote").status_code == 404
    assert db.scalar(select(Idea.vote_count).where(Idea.id == 1)) == 0
    # a query string: refused where the API asks for a number, ignored where a page filters
    for url in (f"/api/v1/ideas?department={part}", f"/api/v1/feed?department={part}"):
        response = member.client.get(url)
        assert response.status_code == 400, url
        assert response.get_json()["error"]["code"] == "invalid_parameter"
    for url in (
        f"/feed?before={part}",
        f"/feed/updates?after={part}",
        f"/feed?department={part}",
        f"/notifications/updates?after={part}",
    ):
        assert member.client.get(url).status_code == 400, url
    for page in ("/", "/people", "/calendar"):
        response = member.client.get(f"{page}?department={part}")
        assert response.status_code == 200, page
    assert "Podcast" in member.client.get(f"/?department={part}").get_data(as_text=True)


# ---- bidirectional overrides: stripped from names and titles, user text isolated -----------

RLO = "\u202e"


def test_bidi_controls_are_stripped_from_names_titles_and_tags(anonymous, people_, db):
    registered = anonymous.post(
        "auth/register",
        json={
            "email": "eve@example.com",
            "password": PASSWORD,
            "display_name": f"Mara{RLO} gnp.exe",
            "department_id": 1,
        },
    )
    assert registered.status_code == 201, registered.get_json()
    assert registered.get_json()["user"]["display_name"] == "Mara gnp.exe"
    anonymous.csrf_token = registered.get_json()["csrf_token"]
    idea = anonymous.post(
        "ideas",
        json={"title": f"Reel \u2066{RLO}ko\u2069 \u200f", "body": "B", "tags": [f"{RLO}video"]},
    ).get_json()
    assert (idea["title"], idea["tags"]) == ("Reel ko ", ["video"])
    task = anonymous.post("tasks", json={"title": f"\u061cFilm{RLO}"}).get_json()
    assert task["title"] == "Film"
    assert db.scalar(select(User.display_name).where(User.email == "eve@example.com")) == (
        "Mara gnp.exe"
    )


def test_a_title_of_nothing_but_bidi_controls_is_refused(member, db):
    response = member.post("ideas", json={"title": f"{RLO}\u2066", "body": "B"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"title": "This must not be empty."}
    assert db.scalar(select(func.count(Idea.id))) == 0


@pytest.mark.parametrize("title", ["\u200b", " \u200b\ufeff ", "\u00ad\u200d"])
def test_a_title_that_shows_nothing_is_refused(member, db, title):
    """Zero-width spaces, a byte order mark, a soft hyphen or a joiner alone would make an
    idea whose link shows nothing on the board."""
    response = member.post("ideas", json={"title": title, "body": "B"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"title": "This must not be empty."}
    emoji = "\U0001f469\u200d\U0001f4bb"  # a joiner inside something visible stays
    assert member.post("ideas", json={"title": emoji, "body": "B"}).status_code == 201
    assert db.scalars(select(Idea.title)).all() == [emoji]


def test_department_names_from_the_cli_lose_bidi_controls(app):
    from board import people

    with app.extensions["board_db"].Session() as session:
        user = people.create_user(
            session, "kim@example.com", PASSWORD, "Kim", f"Sales{RLO}", "member"
        )
        assert user.department.name == "Sales"


def test_feed_lines_isolate_names_and_titles(member, other_member):
    member.post("ideas", json={"title": "Booth reel", "body": "B"})
    html = other_member.client.get("/feed").get_data(as_text=True)
    assert "<bdi>Mara</bdi>" in html and "<bdi>Booth reel</bdi>" in html


def test_cards_isolate_names(member):
    member.post("ideas", json={"title": "Booth reel", "body": "B"})
    html = member.client.get("/?sort=new").get_data(as_text=True)
    assert '<bdi data-field="name">' in html


# ---- forms make the checks the API makes ---------------------------------------------------


@pytest.mark.parametrize("idea_id", ["0", "-1", "99999", str(2**31 - 1), str(2**40)])
def test_the_task_form_refuses_an_idea_that_does_not_exist(member, db, idea_id):
    token = page_token(member.client)
    response = member.client.post(
        "/tasks", data={"csrf_token": token, "title": "Film", "idea_id": idea_id}
    )
    # the form comes back with the refusal and what was typed (nothing lost), no task made
    assert response.status_code == 400
    from models import Task

    assert db.scalar(select(func.count(Task.id))) == 0


def test_the_api_refuses_the_same_idea_ids(member):
    for idea_id in (0, -1, 99999):
        response = member.post("tasks", json={"title": "Film", "idea_id": idea_id})
        assert response.status_code == 400
        assert response.get_json()["error"]["fields"] == {"idea_id": "No such idea."}


def test_fullwidth_tags_are_the_same_tag_everywhere(member, db):
    api = member.post("ideas", json={"title": "A", "body": "B", "tags": ["ｉｎｓｔａｇｒａｍ"]})
    assert api.get_json()["tags"] == ["instagram"]
    token = page_token(member.client)
    member.client.post(
        "/ideas",
        data={
            "csrf_token": token,
            "title": "Form",
            "body": "B",
            "tags": "＃ＩｎｓｔａＧｒａｍ, instagram",
        },
    )
    from models import IdeaTag

    assert sorted(db.scalars(select(IdeaTag.tag)).all()) == ["instagram", "instagram"]
    db.rollback()
    assert len(member.get("ideas?tag=ｉｎｓｔａｇｒａｍ").get_json()["items"]) == 2
    page = member.client.get(
        "/?tag=%EF%BD%89%EF%BD%8E%EF%BD%93%EF%BD%94%EF%BD%81%EF%BD%87%EF%BD%92%EF%BD%81%EF%BD%8D"
    )
    html = page.get_data(as_text=True)
    assert 'data-idea-id="1"' in html and 'data-idea-id="2"' in html


# ---- numbers with two signs or thousands of digits -------------------------------------------


@BOTH_DATABASES
@pytest.mark.parametrize("value", SIGNS_AND_LENGTHS)
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/ideas", "prompt_id"),
        ("/tasks", "idea_id"),
        ("/profile", "department_id"),
        ("/notifications/read", "id"),
    ],
)
def test_form_numbers_take_one_sign_and_a_bounded_length(member, db, path, field, value):
    token = page_token(member.client)
    form = {"csrf_token": token, "title": "T", "body": "B", "display_name": "Mara", field: value}
    response = member.client.post(path, data=form)
    assert response.status_code in (302, 400), response.get_data(as_text=True)[:300]
    assert db.scalar(select(func.count(Idea.id))) == 0
    assert db.scalar(select(User.department_id).where(User.email == "mara@example.com")) == 1


@pytest.mark.parametrize("value", ["-1", "+1", "0"])
def test_form_numbers_still_take_one_sign(member, value):
    token = page_token(member.client)
    response = member.client.post(
        "/tasks", data={"csrf_token": token, "title": "Film", "idea_id": value}
    )
    # read as a number, then refused by the service (no such idea), not as the number's shape
    assert response.status_code == 400
    assert "Expected a whole number" not in response.get_data(as_text=True)


@pytest.mark.parametrize("cursor", SIGNS_AND_LENGTHS + ["1" * 19])
def test_a_notification_cursor_of_thousands_of_digits_is_a_bad_cursor(member, cursor):
    response = member.get(f"notifications?cursor={cursor}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_cursor"


# ---- times that UTC cannot hold --------------------------------------------------------------

# Year 1 at +01:00 is the year 0 in UTC, year 9999 at -01:00 the year 10000: converting
# either raised OverflowError (the database's UTC column, a cursor's key): a 500.
BEYOND_UTC = ["0001-01-01T00:00:00+01:00", "0001-01-01T00:30:00+00:59", "9999-12-31T23:59:59-01:00"]


@BOTH_DATABASES
@pytest.mark.parametrize("moment", BEYOND_UTC)
def test_a_publication_time_utc_cannot_hold_is_refused(member, db, moment):
    idea = member.post("ideas", json={"title": "Podcast", "body": "B"}).get_json()
    response = member.post(
        f"ideas/{idea['id']}/publications",
        json={"url": "https://example.com/p", "channel": "blog", "published_at": moment},
    )
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"published_at"}
    assert member.get(f"ideas/{idea['id']}").get_json()["publications"] == []


def cursor(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


@BOTH_DATABASES
@pytest.mark.parametrize("moment", BEYOND_UTC)
def test_a_cursor_with_a_time_utc_cannot_hold_is_a_bad_cursor(member, moment):
    member.post("ideas", json={"title": "Podcast", "body": "B"})
    member.post("tasks", json={"title": "Film"})
    for path in ("ideas?sort=new", "tasks?status=open", "tasks?status=done"):
        response = member.get(f"{path}&cursor={cursor('new', moment, 1)}")
        assert response.status_code == 400, path
        assert response.get_json()["error"]["code"] == "bad_cursor"
    for page in ("/?sort=new", "/tasks?status=open"):
        response = member.client.get(f"{page}&cursor={cursor('new', moment, 1)}")
        assert response.status_code < 500, page


# ---- addresses that Python's URL parser refuses ----------------------------------------------


@BOTH_DATABASES
@pytest.mark.parametrize("address", BROKEN_ADDRESSES)
def test_a_next_address_urlsplit_refuses_goes_home(anonymous, people_, address):
    assert anonymous.client.get(f"/login?next={quote(address)}").status_code == 200
    token = page_token(anonymous.client, "/login")
    response = anonymous.client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": "mara@example.com",
            "password": PASSWORD,
            "next": address,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@BOTH_DATABASES
@pytest.mark.parametrize("address", BROKEN_ADDRESSES + BAD_PORTS + UNSEEN_IN_ADDRESSES)
def test_a_link_urlsplit_refuses_is_refused(member, facilitator, db, address):
    idea = member.post("ideas", json={"title": "Podcast", "body": "B"}).get_json()
    response = member.post(
        f"ideas/{idea['id']}/publications", json={"url": address, "channel": "blog"}
    )
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"url"}
    token = page_token(facilitator.client, "/webhooks")
    response = facilitator.client.post(
        "/webhooks", data={"csrf_token": token, "url": address, "format": "json"}
    )
    assert response.status_code in (302, 400)
    from models import Webhook

    assert db.scalar(select(func.count(Webhook.id))) == 0


# ---- text that shows nothing is empty text ---------------------------------------------------

INVISIBLE = ["\u200b", " \u200b\ufeff ", "\u00ad\u200d", "\u2060"]


@BOTH_DATABASES
@pytest.mark.parametrize("text", INVISIBLE)
def test_required_text_that_shows_nothing_is_refused_everywhere(
    member, facilitator, other_member, db, text
):
    """A comment, an edit, a nudge or a hiding reason of zero-width characters only passed
    the "must not be empty" check (strip() keeps them) and showed as nothing."""
    idea = member.post("ideas", json={"title": "Podcast", "body": "B"}).get_json()
    comment = member.post(f"ideas/{idea['id']}/comments", json={"body": "Yes"}).get_json()
    refusals = [
        member.post(f"ideas/{idea['id']}/comments", json={"body": text}),
        member.patch(f"comments/{comment['id']}", json={"body": text}),
        facilitator.post("nudges", json={"message": text, "to_user_id": other_member.user["id"]}),
        facilitator.put(f"ideas/{idea['id']}/hidden", json={"reason": text}),
        other_member.post(f"ideas/{idea['id']}/flags", json={"reason": "other", "note": text}),
    ]
    for response in refusals:
        assert response.status_code == 400, response.get_json()
    token = page_token(member.client, f"/ideas/{idea['id']}")
    page = member.client.post(
        f"/ideas/{idea['id']}/comments", data={"csrf_token": token, "body": text}
    )
    assert page.status_code == 400
    assert [c["body"] for c in member.get(f"ideas/{idea['id']}/comments").get_json()] == ["Yes"]
    assert member.get(f"ideas/{idea['id']}").get_json().get("hidden") in (None, False)
    assert facilitator.get("nudges").get_json()["items"] == []


# ---- e-mail addresses hold nothing unseen ---------------------------------------------------

UNSEEN_ADDRESSES = [
    "mara\u200b@example.com",  # a zero-width space
    "\u202emara@example.com",  # a bidi override
    "ma\u00adra@example.com",  # a soft hyphen
    "mara@exam\u2060ple.com",  # a word joiner
    "mara\x01@example.com",  # a control character
]


@pytest.mark.parametrize("address", UNSEEN_ADDRESSES)
def test_an_address_with_an_unseen_character_is_refused_at_registration(
    anonymous, people_, db, address
):
    """It looked exactly like mara@example.com and became a second account, which no mail
    reaches (the rule "no white space" let format characters through)."""
    answer = anonymous.post(
        "auth/register",
        json={"email": address, "password": PASSWORD, "display_name": "Eve", "department_id": 1},
    )
    assert answer.status_code == 400
    assert "email" in answer.get_json()["error"]["fields"]
    assert db.scalar(select(func.count(User.id)).where(User.display_name == "Eve")) == 0


@pytest.mark.parametrize("address", UNSEEN_ADDRESSES)
def test_an_address_with_an_unseen_character_is_refused_by_the_cli(app, db, address):
    result = app.test_cli_runner().invoke(
        args=["users", "create", address, "--password", PASSWORD, "--name", "Eve"]
        + ["--department", "Marketing"]
    )
    assert result.exit_code == 1, result.output
    assert "email: Enter a valid email address." in result.output
    assert db.scalar(select(func.count(User.id))) == 0
