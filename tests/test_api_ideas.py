"""The contract for ideas, votes and comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select, text

from board import clock
from board import ideas as idea_service
from board.scheduler import housekeeping
from models import User, Vote
from tests.conftest import make_user

IDEA_FIELDS = {
    "id",
    "title",
    "body",
    "body_html",
    "tags",
    "author",
    "votes",
    "voted",
    "departments_supporting",
    "status",
    "prompt_id",
    "created_at",
}
COMMENT_FIELDS = {"id", "idea_id", "body", "body_html", "author", "is_mentor_note", "created_at"}


def post_idea(client, title: str = "An idea", body: str = "", **extra) -> dict:
    response = client.post("ideas", json={"title": title, "body": body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def vote_as(app, user_id: int, idea_id: int) -> None:
    """Vote through the service, for boards that need many voters."""
    with app.extensions["board_db"].Session() as session:
        idea_service.vote(session, session.get(User, user_id), idea_id)


def titles(client, query: str = "") -> list[str]:
    response = client.get("ideas" + query)
    assert response.status_code == 200, response.get_json()
    return [idea["title"] for idea in response.get_json()["items"]]


def events_of(client, type_: str) -> list[dict]:
    items = client.get("events?after=0&limit=1000").get_json()["items"]
    return [e for e in items if e["type"] == type_]


def is_iso_with_offset(value: str) -> bool:
    return datetime.fromisoformat(value).utcoffset() is not None


# ---- posting and reading -------------------------------------------------------------


def test_posting_an_idea_answers_201_with_every_field(member):
    idea = post_idea(member, "Trade fair reel", "**Short** clips", tags=["Instagram"])
    assert set(idea) >= IDEA_FIELDS
    assert isinstance(idea["id"], int)
    assert idea["title"] == "Trade fair reel"
    assert idea["body"] == "**Short** clips"
    assert "<strong>Short</strong>" in idea["body_html"]
    assert idea["tags"] == ["instagram"]
    assert idea["author"] == {
        "id": member.user["id"],
        "display_name": "Mara",
        "handle": "mara",
        "name_shared": False,  # nobody else is called Mara: no handle needed beside the name
        "department": member.user["department"],
    }
    assert (idea["votes"], idea["voted"], idea["departments_supporting"]) == (0, False, 0)
    assert idea["status"] == "open"
    assert idea["prompt_id"] is None
    assert is_iso_with_offset(idea["created_at"])


def test_a_posted_idea_reads_back_the_same(member, other_member):
    idea = post_idea(member, "Same", "text", tags=["blog"])
    assert member.get(f"ideas/{idea['id']}").get_json() == idea
    assert idea["following"] is True  # its author follows it; nobody else does yet
    assert other_member.get("ideas").get_json()["items"] == [{**idea, "following": False}]


def test_posting_an_idea_records_idea_created_without_voted(member):
    idea = post_idea(member, "Evented")
    [event] = events_of(member, "idea.created")
    assert event["actor"]["id"] == member.user["id"]
    assert event["data"] == {
        "idea": {k: v for k, v in idea.items() if k not in ("voted", "following")}
    }


def test_the_title_is_trimmed(member):
    assert post_idea(member, "  Padded  ")["title"] == "Padded"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (["#Instagram", " LinkedIn ", "instagram"], ["instagram", "linkedin"]),
        (["blog", "Behind the scenes"], ["behind the scenes", "blog"]),
        (["trade-fair", "Über"], ["trade-fair", "über"]),
        ([], []),
    ],
)
def test_tags_are_normalised_and_sorted(member, given, stored):
    idea = post_idea(member, tags=given)
    assert idea["tags"] == stored
    assert member.get(f"ideas/{idea['id']}").get_json()["tags"] == stored


@pytest.mark.parametrize("tags", [["#"], ["no!"], ["x" * 41], [f"t{i}" for i in range(11)]])
def test_bad_tags_are_refused(member, tags):
    response = member.post("ideas", json={"title": "T", "body": "", "tags": tags})
    assert response.status_code == 400
    assert "tags" in response.get_json()["error"]["fields"]
    assert member.get("ideas").get_json()["items"] == []


SAFE_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def active_markup(html: str) -> list[str]:
    """Everything in `html` that a browser could run or load: unknown tags, event handlers,
    links to anything but http(s)/mailto."""
    found: list[str] = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag not in SAFE_TAGS:
                found.append(tag)
            for name, value in attrs:
                if name.startswith("on") or name in {"style", "src"}:
                    found.append(f"{tag}[{name}]")
                if name == "href" and not (value or "").startswith(("http:", "https:", "mailto:")):
                    found.append(f"{tag}[href={value}]")

    Finder().feed(html)
    return found


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;"),
        ('<img src=x onerror="alert(1)">', "&lt;img"),
        ("[click](javascript:alert(1))", "click"),
        ("[click](JaVaScRiPt:alert(1))", "click"),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data"),
        ('<a href="https://evil.example" onclick="x()">a</a>', "&lt;a"),
        ("![img](https://example.com/x.png)", "<p>"),  # images are dropped
        ("<iframe src=https://evil.example></iframe>", "&lt;iframe"),
        ("[ok](https://example.com)", 'href="https://example.com"'),
        ("**bold** and `code`", "<strong>bold</strong>"),
    ],
)
def test_markdown_is_rendered_safely(member, source, shown):
    idea = post_idea(member, "Markdown", source)
    assert active_markup(idea["body_html"]) == []
    assert shown in idea["body_html"]
    assert idea["body"] == source  # the source is kept as written


def test_links_in_markdown_get_noopener(member):
    html = post_idea(member, "Link", "[site](https://example.com)")["body_html"]
    assert 'rel="noopener nofollow"' in html


def test_an_unknown_idea_is_404(member):
    response = member.get("ideas/4242")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "idea_not_found"


# ---- editing -------------------------------------------------------------------------


def test_the_author_edits_title_body_and_tags(member):
    idea = post_idea(member, "Before", "old", tags=["blog"])
    response = member.patch(
        f"ideas/{idea['id']}",
        json={"title": "After", "body": "*new*", "tags": ["LinkedIn", "blog"]},
    )
    assert response.status_code == 200
    edited = response.get_json()
    assert (edited["title"], edited["body"], edited["tags"]) == (
        "After",
        "*new*",
        ["blog", "linkedin"],
    )
    assert "<em>new</em>" in edited["body_html"]
    assert member.get(f"ideas/{idea['id']}").get_json() == edited
    [event] = events_of(member, "idea.updated")
    assert event["data"]["idea"]["title"] == "After"


def test_an_edit_changes_only_the_fields_it_names(member):
    idea = post_idea(member, "Keep", "keep body", tags=["blog"])
    edited = member.patch(f"ideas/{idea['id']}", json={"tags": []}).get_json()
    assert (edited["title"], edited["body"], edited["tags"]) == ("Keep", "keep body", [])


@pytest.mark.parametrize("editor", ["other_member", "facilitator"])
def test_nobody_but_the_author_edits_an_idea(people_, member, editor):
    idea = post_idea(member, "Mine")
    response = people_.client(editor).patch(f"ideas/{idea['id']}", json={"title": "Theirs"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_author"
    assert member.get(f"ideas/{idea['id']}").get_json()["title"] == "Mine"


def test_observer_cannot_edit_an_idea(member, observer):
    idea = post_idea(member, "Mine")
    response = observer.patch(f"ideas/{idea['id']}", json={"title": "Theirs"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "read_only"


def test_an_empty_edit_changes_nothing_and_tells_nobody(member):
    idea = post_idea(member, "Keep")
    response = member.patch(f"ideas/{idea['id']}", json={})
    assert response.status_code == 200
    assert response.get_json() == idea
    assert events_of(member, "idea.updated") == []


def test_an_edit_with_one_bad_field_changes_nothing(member):
    idea = post_idea(member, "Keep", "keep", tags=["blog"])
    response = member.patch(f"ideas/{idea['id']}", json={"title": "Changed", "tags": ["!"]})
    assert response.status_code == 400
    assert member.get(f"ideas/{idea['id']}").get_json()["title"] == "Keep"
    assert events_of(member, "idea.updated") == []


@pytest.mark.parametrize("field", ["status", "votes", "author_id", "author", "created_at"])
def test_nobody_sets_an_ideas_derived_fields(member, field):
    idea = post_idea(member)
    response = member.patch(f"ideas/{idea['id']}", json={field: "done"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_field"


# ---- votes ---------------------------------------------------------------------------


def test_vote_is_idempotent_and_counts_one(member, other_member):
    idea = post_idea(member)
    first = other_member.put(f"ideas/{idea['id']}/vote")
    second = other_member.put(f"ideas/{idea['id']}/vote")
    assert first.status_code == second.status_code == 200
    assert (
        first.get_json()
        == second.get_json()
        == {"idea_id": idea["id"], "votes": 1, "voted": True, "departments_supporting": 1}
    )
    assert len(events_of(member, "idea.votes_changed")) == 1


def test_unvote_is_idempotent(member, other_member):
    idea = post_idea(member)
    other_member.put(f"ideas/{idea['id']}/vote")
    first = other_member.delete(f"ideas/{idea['id']}/vote")
    second = other_member.delete(f"ideas/{idea['id']}/vote")
    assert first.status_code == second.status_code == 200
    assert (
        first.get_json()
        == second.get_json()
        == {"idea_id": idea["id"], "votes": 0, "voted": False, "departments_supporting": 0}
    )
    assert [e["data"]["votes"] for e in events_of(member, "idea.votes_changed")] == [1, 0]


def test_unvoting_without_a_vote_changes_nothing(member):
    idea = post_idea(member)
    response = member.delete(f"ideas/{idea['id']}/vote")
    assert response.get_json()["voted"] is False
    assert events_of(member, "idea.votes_changed") == []


def test_voted_is_the_callers_own(member, other_member):
    idea = post_idea(member)
    member.put(f"ideas/{idea['id']}/vote")
    assert member.get(f"ideas/{idea['id']}").get_json()["voted"] is True
    assert other_member.get(f"ideas/{idea['id']}").get_json()["voted"] is False
    assert other_member.get("ideas").get_json()["items"][0]["voted"] is False


def test_departments_supporting_counts_distinct_departments(app, member, other_member):
    idea = post_idea(member)
    colleague = make_user(app, "mia", "member", "Marketing")
    member.put(f"ideas/{idea['id']}/vote")
    vote_as(app, colleague.id, idea["id"])
    assert member.get(f"ideas/{idea['id']}").get_json()["departments_supporting"] == 1
    answer = other_member.put(f"ideas/{idea['id']}/vote").get_json()
    assert (answer["votes"], answer["departments_supporting"]) == (3, 2)


def test_votes_changed_names_no_voter(member, other_member):
    idea = post_idea(member)
    other_member.put(f"ideas/{idea['id']}/vote")
    [event] = events_of(member, "idea.votes_changed")
    assert event["actor"] is None
    assert event["data"] == {"idea_id": idea["id"], "votes": 1, "departments_supporting": 1}


def test_facilitator_has_one_vote_like_everyone(app, member, facilitator):
    idea = post_idea(member)
    facilitator.put(f"ideas/{idea['id']}/vote")
    answer = facilitator.put(f"ideas/{idea['id']}/vote").get_json()
    assert answer["votes"] == 1
    with app.extensions["board_db"].Session() as session:
        assert session.scalar(select(func.count(Vote.id))) == 1


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_voting_on_an_unknown_idea_is_404(member, method):
    response = member._call(method, "ideas/4242/vote")
    assert response.status_code == 404


def test_a_vote_body_naming_someone_is_refused(member, other_member):
    idea = post_idea(member)
    response = member.put(f"ideas/{idea['id']}/vote", json={"user_id": other_member.user["id"]})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_field"
    assert member.get(f"ideas/{idea['id']}").get_json()["votes"] == 0


# ---- comments ------------------------------------------------------------------------


def test_commenting_answers_201_and_lists_in_order(member, other_member):
    idea = post_idea(member)
    first = other_member.post(f"ideas/{idea['id']}/comments", json={"body": "**Yes**"})
    assert first.status_code == 201
    comment = first.get_json()
    assert set(comment) >= COMMENT_FIELDS
    assert comment["idea_id"] == idea["id"]
    assert comment["author"]["id"] == other_member.user["id"]
    assert comment["author"]["department"]["name"] == "IT"
    assert "<strong>Yes</strong>" in comment["body_html"]
    assert comment["is_mentor_note"] is False
    assert is_iso_with_offset(comment["created_at"])
    member.post(f"ideas/{idea['id']}/comments", json={"body": "second"})
    listed = member.get(f"ideas/{idea['id']}/comments")
    assert listed.status_code == 200
    assert [c["body"] for c in listed.get_json()] == ["**Yes**", "second"]
    assert listed.get_json()[0] == comment
    [event, _] = events_of(member, "comment.created")
    assert event["data"] == {"comment": comment}


def test_comment_markdown_is_rendered_safely(member):
    idea = post_idea(member)
    comment = member.post(
        f"ideas/{idea['id']}/comments", json={"body": "<script>x()</script>"}
    ).get_json()
    assert active_markup(comment["body_html"]) == []


def test_only_the_facilitator_writes_mentor_notes(member, facilitator):
    idea = post_idea(member)
    refused = member.post(f"ideas/{idea['id']}/comments", json={"body": "n", "mentor_note": True})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "facilitator_only"
    note = facilitator.post(
        f"ideas/{idea['id']}/comments", json={"body": "Try a carousel", "mentor_note": True}
    )
    assert note.status_code == 201
    assert note.get_json()["is_mentor_note"] is True
    assert [c["body"] for c in member.get(f"ideas/{idea['id']}/comments").get_json()] == [
        "Try a carousel"
    ]


def test_an_explicit_plain_comment_is_fine_for_members(member):
    idea = post_idea(member)
    response = member.post(f"ideas/{idea['id']}/comments", json={"body": "x", "mentor_note": False})
    assert response.status_code == 201


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "   "}, {}, {"body": 5}])
def test_an_empty_or_missing_comment_is_refused(member, body):
    idea = post_idea(member)
    response = member.post(f"ideas/{idea['id']}/comments", json=body)
    assert response.status_code == 400
    assert "body" in response.get_json()["error"]["fields"]
    assert member.get(f"ideas/{idea['id']}/comments").get_json() == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_comments_of_an_unknown_idea_are_404(member, method):
    response = member._call(
        method, "ideas/4242/comments", json={"body": "x"} if method == "POST" else None
    )
    assert response.status_code == 404


# ---- text limits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "field", "limit"),
    [
        ("ideas", "title", 200),
        ("ideas", "body", 20_000),
        ("comments", "body", 20_000),
        ("tasks", "title", 200),
        ("tasks", "description", 20_000),
    ],
)
def test_text_limits_hold_exactly(member, route, field, limit):
    idea = post_idea(member)
    path = {"ideas": "ideas", "comments": f"ideas/{idea['id']}/comments", "tasks": "tasks"}[route]
    base = {
        "ideas": {"title": "T", "body": ""},
        "comments": {"body": "c"},
        "tasks": {"title": "T"},
    }[route]
    assert member.post(path, json={**base, field: "x" * limit}).status_code == 201
    response = member.post(path, json={**base, field: "x" * (limit + 1)})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert str(limit) in error["fields"][field]


def test_an_edit_past_the_title_limit_is_refused(member):
    idea = post_idea(member, "Short")
    response = member.patch(f"ideas/{idea['id']}", json={"title": "x" * 201})
    assert response.status_code == 400
    assert member.get(f"ideas/{idea['id']}").get_json()["title"] == "Short"


# ---- sorting and filtering -------------------------------------------------------------


@pytest.fixture
def voters(app) -> list[User]:
    """Eight people: five departments, then three more from the first one."""
    names = [
        ("ada", "Legal"),
        ("bo", "Finance"),
        ("cy", "Design"),
        ("di", "Support"),
        ("ed", "Research"),
        ("fay", "Legal"),
        ("gus", "Legal"),
        ("hal", "Legal"),
    ]
    return [make_user(app, name, "member", department) for name, department in names]


def _at(moment: datetime):
    clock.set_clock(lambda: moment)


def test_top_sorts_by_votes(app, member, voters):
    for title, count in (("one", 1), ("three", 3), ("none", 0), ("two", 2)):
        idea = post_idea(member, title)
        for voter in voters[:count]:
            vote_as(app, voter.id, idea["id"])
    assert titles(member, "?sort=top") == ["three", "two", "one", "none"]
    assert titles(member) == titles(member, "?sort=top")  # top is the default


def test_new_sorts_newest_first(member):
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    for hours, title in ((0, "oldest"), (2, "newest"), (1, "middle")):
        _at(start + timedelta(hours=hours))
        post_idea(member, title)
    assert titles(member, "?sort=new") == ["newest", "middle", "oldest"]


def test_hot_puts_five_departments_above_one_department_five_times(app, member, voters):
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    _at(now - timedelta(hours=5))
    broad = post_idea(member, "broad")
    narrow = post_idea(member, "narrow")
    _at(now - timedelta(hours=1))
    for voter in voters[:5]:  # five departments
        vote_as(app, voter.id, broad["id"])
    for voter in [voters[0], *voters[5:], voters[1]]:  # one department four times, plus one
        vote_as(app, voter.id, narrow["id"])
    vote_as(app, member.user["id"], narrow["id"])  # six votes, three departments
    _at(now)
    assert titles(member, "?sort=top") == ["narrow", "broad"]
    assert titles(member, "?sort=hot") == ["broad", "narrow"]


def test_hot_counts_five_votes_of_one_department_like_one_department(app, member, voters):
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    _at(now - timedelta(hours=3))
    broad = post_idea(member, "five departments")
    one = post_idea(member, "one department five times")
    for voter in voters[:5]:
        vote_as(app, voter.id, broad["id"])
    for voter in [voters[0], *voters[5:]] + [make_user(app, "ivy", "member", "Legal")]:
        vote_as(app, voter.id, one["id"])
    _at(now)
    assert titles(member, "?sort=hot") == ["five departments", "one department five times"]


def test_hot_weighs_recent_votes_more(app, member, voters):
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    _at(now - timedelta(days=10))
    fresh = post_idea(member, "voted today")
    stale = post_idea(member, "voted last week")  # newer id: wins every tie on top
    _at(now - timedelta(days=9))
    for voter in voters[:3]:
        vote_as(app, voter.id, stale["id"])
    _at(now - timedelta(hours=1))
    for voter in voters[:3]:
        vote_as(app, voter.id, fresh["id"])
    _at(now)
    assert titles(member, "?sort=top") == ["voted last week", "voted today"]
    assert titles(member, "?sort=hot") == ["voted today", "voted last week"]


def test_hot_lets_old_ideas_cool_down(app, member, voters):
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    _at(now - timedelta(days=30))
    old = post_idea(member, "a month old")
    for voter in voters[:2]:
        vote_as(app, voter.id, old["id"])
    _at(now - timedelta(hours=2))
    new = post_idea(member, "this morning")
    vote_as(app, voters[2].id, new["id"])
    _at(now)
    assert titles(member, "?sort=hot") == ["this morning", "a month old"]


def test_filter_by_the_authors_department(people_, member, other_member):
    post_idea(member, "from marketing")
    post_idea(other_member, "from it")
    it = other_member.user["department"]["id"]
    assert titles(member, f"?department={it}") == ["from it"]
    assert titles(member, "?department=4242") == []


def test_filter_by_tag_ignores_case_and_hash(member):
    post_idea(member, "tagged", tags=["LinkedIn"])
    post_idea(member, "other", tags=["blog"])
    assert titles(member, "?tag=linkedin") == ["tagged"]
    assert titles(member, "?tag=%23LinkedIn") == ["tagged"]
    assert titles(member, "?tag=tiktok") == []


def test_search_looks_in_title_and_body_case_insensitively(member):
    post_idea(member, "Trade fair reel", "clips")
    post_idea(member, "Newsletter", "a REEL of photos")
    post_idea(member, "Podcast", "audio")
    assert sorted(titles(member, "?q=reel")) == ["Newsletter", "Trade fair reel"]
    assert titles(member, "?q=podcast") == ["Podcast"]


def test_search_treats_wildcards_literally(member):
    post_idea(member, "100% organic")
    post_idea(member, "1000 followers")
    assert titles(member, "?q=100%25") == ["100% organic"]
    assert titles(member, "?q=_") == []


# How a SQLite page finds a search's ideas (ideas._search_shape): FEW_MATCHES, QUESTION_COST.
# Looked up with a tag or a department, the search index lists those of the filters too
# (the "faceted" shape, search.faceted).
SEARCH_PLANS = pytest.mark.parametrize(
    "few, question_cost",
    [(0, 0), (0, 10**9), (500, 10**9)],
    ids=[
        "asking each idea's words",
        "walking against the list of matches",
        "looking up and sorting",
    ],
)


@SEARCH_PLANS
def test_a_word_being_typed_finds_every_word_it_starts(member, monkeypatch, few, question_cost):
    """The last word of a search is the start of a word while it is being typed. On SQLite
    a search is asked as the indexed words its last word starts (at most 8; more, and the
    index is asked for the prefix itself): whichever way the page asks, the same ideas."""
    monkeypatch.setattr(idea_service, "FEW_MATCHES", few)
    monkeypatch.setattr(idea_service, "QUESTION_COST", question_cost)
    for digit in range(10):  # ten words that start with "pod"
        post_idea(member, f"Pod{digit} episode")
    post_idea(member, "Podcast", "Café talk")
    edited = post_idea(member, "Podium")
    member.patch(f"ideas/{edited['id']}", json={"title": "Stage"})
    assert len(titles(member, "?q=pod")) == 11
    assert titles(member, "?q=podc") == ["Podcast"]
    assert titles(member, "?q=podi") == []  # its old title is gone from the index
    assert titles(member, "?q=pod%20") == []  # a whole word: nobody wrote just "pod"
    assert titles(member, "?q=podcast.") == ["Podcast"]
    assert titles(member, "?q=podcastx") == []
    assert titles(member, "?q=caf") == ["Podcast"]
    assert titles(member, "?q=CAFÉ") == ["Podcast"]
    assert titles(member, "?q=cafe%20") == ["Podcast"]
    assert titles(member, "?q=café%20pod") == titles(member, "?q=cafe%20pod") == ["Podcast"]
    assert titles(member, "?q=talk%20caf") == ["Podcast"]
    assert sorted(titles(member, "?q=episode")) == [f"Pod{digit} episode" for digit in range(10)]
    assert sorted(titles(member, "?q=episode%20pod7")) == ["Pod7 episode"]


def test_sqlite_keeps_each_ideas_words_as_its_search_index_does(app, member, db):
    """idea_words, what a page walking the rank index asks about each idea, holds each
    idea's words exactly as the search index does (folded, without diacritics, each once),
    after ideas are written, edited and deleted, whoever writes them."""
    post_idea(member, "Café Straße", "Überraschung! 100% NAÏVE naive, mit Kunden-Stimmen.")
    edited = post_idea(member, "Podium talk", "a stage")
    member.patch(f"ideas/{edited['id']}", json={"title": "Podcast", "body": "über a mic"})
    gone = post_idea(member, "Deleted soon", "gone words")
    db.execute(text("PRAGMA defer_foreign_keys = ON"))  # its follows and events: rolled back
    db.execute(text("DELETE FROM ideas WHERE id = :id"), {"id": gone["id"]})
    db.execute(
        text(
            "INSERT INTO ideas (title, body, author_id, created_at, updated_at)"
            " SELECT 'Plain SQL', 'written by hand', author_id, created_at, updated_at"
            " FROM ideas LIMIT 1"
        )
    )
    db.execute(text("CREATE VIRTUAL TABLE temp.held USING fts5vocab(main, ideas_fts, 'instance')"))
    # The text's words: the third column holds the idea's filters (search.FACETS).
    words = "SELECT term, doc FROM temp.held WHERE col IN ('title', 'body')"
    held = set(db.execute(text(words)).all())
    kept = db.execute(text("SELECT word, idea_id FROM idea_words")).all()
    db.rollback()
    assert len(kept) == len(set(kept)) and set(kept) == held
    assert {word for word, _idea in kept} >= {"cafe", "straße", "uber", "100", "naive", "kunden"}
    assert {"podium", "gone", "by"} & {word for word, _idea in kept} == {"by"}


def test_housekeeping_merges_the_search_index_into_one_segment(app, member):
    """Each idea written adds a segment to SQLite's search index (FTS5 merges them only in
    steps); a broad search asks about each idea it walks in every segment. Housekeeping
    merges them into one, and every search finds what it found before."""
    for number in range(20):
        post_idea(member, f"Reel {number}", "a podcast")

    def segments() -> int:
        with app.extensions["board_db"].engine.connect() as connection:
            statement = "SELECT count(DISTINCT segid) FROM ideas_fts_idx"
            return connection.exec_driver_sql(statement).scalar()

    found = {query: titles(member, query) for query in ("?q=podc", "?q=reel%2012", "?q=re")}
    assert segments() > 1
    housekeeping(app)
    assert segments() == 1
    assert {query: titles(member, query) for query in found} == found
    assert len(found["?q=podc"]) == 20 and found["?q=reel%2012"] == ["Reel 12"]


def test_filters_combine(member, other_member):
    post_idea(member, "reel a", tags=["instagram"])
    post_idea(member, "reel b", tags=["blog"])
    post_idea(other_member, "reel c", tags=["instagram"])
    marketing = member.user["department"]["id"]
    assert titles(member, f"?department={marketing}&tag=instagram&q=reel") == ["reel a"]


# ---- status derived from tasks ---------------------------------------------------------


def _status(client, idea_id: int) -> str:
    return client.get(f"ideas/{idea_id}").get_json()["status"]


def test_idea_status_follows_its_tasks(member, other_member):
    idea = post_idea(member)
    assert _status(member, idea["id"]) == "open"
    first = member.post("tasks", json={"title": "Film", "idea_id": idea["id"]}).get_json()
    second = member.post("tasks", json={"title": "Edit", "idea_id": idea["id"]}).get_json()
    assert _status(member, idea["id"]) == "open"  # tasks exist, nobody works on them yet
    other_member.post(f"tasks/{first['id']}/claim")
    assert _status(member, idea["id"]) == "in_progress"
    other_member.post(f"tasks/{first['id']}/complete")
    assert _status(member, idea["id"]) == "in_progress"  # one of two done
    member.post(f"tasks/{second['id']}/claim")
    member.post(f"tasks/{second['id']}/complete")
    # Every task done: the idea is done (the contract derives its status from its tasks).
    data = member.get(f"ideas/{idea['id']}").get_json()
    assert (data["status"], data["tasks_done"], data["tasks_total"]) == ("done", 2, 2)
    assert member.get("ideas").get_json()["items"][0]["status"] == "done"
    member.post("tasks", json={"title": "Post it", "idea_id": idea["id"]})
    assert _status(member, idea["id"]) == "in_progress"  # a new task: work goes on


def test_nobody_sets_an_ideas_status_by_hand(member, other_member):
    """Neither the author's "done" nor a recorded publication makes an idea done: its
    status is derived from its tasks alone."""
    idea = post_idea(member)
    assert member.put(f"ideas/{idea['id']}/done").get_json()["status"] == "open"
    other_member.post(
        f"ideas/{idea['id']}/publications",
        json={"url": "https://example.com/reel", "channel": "blog"},
    )
    data = other_member.get(f"ideas/{idea['id']}").get_json()
    assert (data["status"], data["marked_done"], len(data["publications"])) == ("open", True, 1)
    task = member.post("tasks", json={"title": "Film", "idea_id": idea["id"]}).get_json()
    member.post(f"tasks/{task['id']}/claim")
    assert _status(other_member, idea["id"]) == "in_progress"


def test_releasing_the_only_claim_makes_the_idea_open_again(member):
    idea = post_idea(member)
    task = member.post("tasks", json={"title": "Film", "idea_id": idea["id"]}).get_json()
    member.post(f"tasks/{task['id']}/claim")
    assert _status(member, idea["id"]) == "in_progress"
    member.post(f"tasks/{task['id']}/release")
    assert _status(member, idea["id"]) == "open"


def test_a_list_tells_when_each_idea_was_last_edited(member):
    start = datetime(2026, 12, 5, 9, tzinfo=UTC)
    clock.set_clock(lambda: start)
    edited = member.post("ideas", json={"title": "Edited", "body": ""}).get_json()
    kept = member.post("ideas", json={"title": "Kept", "body": ""}).get_json()
    clock.set_clock(lambda: start + timedelta(minutes=5))
    assert member.patch(f"ideas/{edited['id']}", json={"body": "Now with words"}).status_code == 200
    listed = {idea["id"]: idea for idea in member.get("ideas?sort=new").get_json()["items"]}
    assert listed[kept["id"]]["created_at"] == "2026-12-05T09:00:00+00:00"
    assert listed[kept["id"]]["updated_at"] == "2026-12-05T09:00:00+00:00"
    assert listed[edited["id"]]["created_at"] == "2026-12-05T09:00:00+00:00"
    assert listed[edited["id"]]["updated_at"] == "2026-12-05T09:05:00+00:00"
