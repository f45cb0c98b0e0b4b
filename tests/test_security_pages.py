"""Every page, for every role, on a board full of hostile text: no inline script or style
(the CSP would block them), the security headers, and no user text that became markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from test_security import assert_security_headers

from board import people
from models import Nudge, NudgeRecipient, Prompt, User
from tests.conftest import PASSWORD, JsonClient

HOSTILE = {
    "title": '<script>alert("xss-title")</script>',
    "body": '<img src=x onerror=alert("xss-body")> [x](javascript:alert("xss-link"))',
    "name": '<img src=x onerror=alert("xss-name")>',
    "department": '<script>alert("xss-dept")</script>',
    "comment": '<svg onload=alert("xss-comment")>',
    "task": '"><script>alert("xss-task")</script>',
    "prompt": "<iframe src=\"javascript:alert('xss-prompt')\"></iframe>",
    "nudge": "<b onmouseover=alert('xss-nudge')>hi</b>",
}


@pytest.fixture
def hostile_board(app, people_):
    """Every kind of user text on the board holds an attack; returns the ids to visit."""
    with app.extensions["board_db"].Session() as session:
        villain = people.create_user(
            session,
            "villain@example.com",
            PASSWORD,
            HOSTILE["name"],
            HOSTILE["department"],
            "member",
        )
    client = JsonClient(app.test_client()).login(villain.email)
    idea = client.post("ideas", json={"title": HOSTILE["title"], "body": HOSTILE["body"]})
    assert idea.status_code == 201, idea.get_json()
    idea_id = idea.get_json()["id"]
    client.post(f"ideas/{idea_id}/comments", json={"body": HOSTILE["comment"]})
    task = client.post(
        "tasks", json={"title": HOSTILE["task"], "description": HOSTILE["task"], "idea_id": idea_id}
    ).get_json()
    client.post(f"tasks/{task['id']}/claim")
    sam, mara = people_.user("facilitator"), people_.user("member")
    with app.extensions["board_db"].Session() as session:
        prompt = Prompt(
            kind="challenge", title=HOSTILE["prompt"], body=HOSTILE["prompt"], author_id=sam.id
        )
        session.add(prompt)
        nudge = Nudge(message=HOSTILE["nudge"], from_id=sam.id, to_user_id=mara.id)
        session.add(nudge)
        session.flush()
        session.add(NudgeRecipient(nudge_id=nudge.id, user_id=mara.id))
        villain_row = session.get(User, villain.id)
        villain_row.feed_token = "feed-token-for-tests"
        session.commit()
        ids = {
            "idea_id": idea_id,
            "task_id": task["id"],
            "prompt_id": prompt.id,
            "nudge_id": nudge.id,
            "user_id": villain.id,
            "token": "feed-token-for-tests",
            "department_id": villain.department_id,
        }
    return ids


def page_urls(app, ids: dict) -> list[str]:
    """Every GET page route of the app, its arguments filled from `ids` (1 when unknown)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static", "/socket.io")) or rule.endpoint == "static":
            continue
        if "GET" not in (rule.methods or ()):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(ids.get(name, 1)), url)
        urls.append(url)
    return sorted(set(urls)) + ["/no-such-page", f"/ideas/{ids['idea_id']}?q=<script>x</script>"]


class PageInspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            if not attrs.get("src") or attrs.get("type") != "module":
                self.problems.append(f"inline or classic script: {attrs}")
            elif not attrs["src"].startswith("/static/"):
                self.problems.append(f"script from elsewhere: {attrs['src']}")
        if tag == "style":
            self.problems.append("inline <style> element")
        if "style" in attrs:
            self.problems.append(f"style attribute on <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name in ("href", "src", "action", "formaction", "data") and re.match(
                r"\s*(javascript|vbscript|data):", value, re.I
            ):
                self.problems.append(f"{name}={value!r} on <{tag}>")
        if tag in ("iframe", "object", "embed", "base"):
            self.problems.append(f"<{tag}> element")
        if tag == "img" and attrs.get("src") == "x":
            self.problems.append("an injected <img>")

    handle_startendtag = handle_starttag


def page_problems(html: str) -> list[str]:
    inspector = PageInspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


@pytest.mark.parametrize("who", ["anonymous", "member", "facilitator", "observer", "villain"])
def test_every_page_is_free_of_inline_script_and_of_user_markup(app, people_, hostile_board, who):
    if who == "villain":
        client = JsonClient(app.test_client()).login("villain@example.com")
    else:
        client = people_.client(who)
    urls = page_urls(app, hostile_board)
    assert "/" in urls and "/login" in urls
    rendered = 0
    for url in urls:
        response = client.client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert_security_headers(response)
        if "text/html" not in response.content_type:
            continue
        rendered += 1
        html = response.get_data(as_text=True)
        assert page_problems(html) == [], (who, url)
        for field, attack in HOSTILE.items():
            assert attack not in html, (who, url, field)
    assert rendered >= 3


def test_user_text_shows_up_escaped_where_a_page_shows_it(app, people_, hostile_board):
    """At least the board or the idea's page names the idea: as text, never as a tag."""
    client = people_.client("member")
    pages = [
        client.client.get(url).get_data(as_text=True)
        for url in ("/", f"/ideas/{hostile_board['idea_id']}")
    ]
    shown = [html for html in pages if "xss-title" in html]
    assert shown, "neither the board nor the idea's page names the idea"
    for html in shown:
        assert "&lt;script&gt;" in html
        assert page_problems(html) == []


def test_the_inspector_catches_what_it_must():
    """The page check above is only as good as this: each of these must be caught."""
    bad = [
        "<script>alert(1)</script>",
        "<script src=/static/js/app.js></script>",  # classic, not a module
        '<script type="module">import "/x.js"</script>',
        '<script type="module" src="https://cdn.example/x.js"></script>',
        '<div style="color:red">x</div>',
        "<style>p{}</style>",
        '<button onclick="go()">x</button>',
        '<a href="javascript:alert(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        '<iframe src="/"></iframe>',
    ]
    for html in bad:
        assert page_problems(html), html
    assert page_problems('<script type="module" src="/static/js/board.js"></script>') == []
