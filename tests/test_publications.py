"""Publications: where an idea went live, and the idea's honest "done"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from board import clock, events
from tests.conftest import BOTH_DATABASES

# The board's clock stands on the evening of May 4, 2026, when the posts below went out.
NOW = datetime(2026, 5, 4, 18, tzinfo=UTC)


@pytest.fixture(autouse=True)
def may_fourth():
    clock.set_clock(lambda: NOW)


@pytest.fixture
def heard(app):
    seen: list[dict] = []

    def publisher(envelope, rooms):
        seen.append(envelope)

    events.add_publisher(publisher)
    yield seen
    events.remove_publisher(publisher)


def post_idea(client) -> dict:
    response = client.post("ideas", json={"title": "Trail cleanup", "body": "Film it."})
    assert response.status_code == 201
    return response.get_json()


def publish(client, idea_id, **body):
    return client.post(
        f"ideas/{idea_id}/publications",
        json={"url": "https://www.instagram.com/p/abc/", "channel": "instagram", **body},
    )


@BOTH_DATABASES
def test_a_member_records_a_publication_and_the_board_hears_it(member, other_member, heard):
    idea = post_idea(member)
    response = publish(other_member, idea["id"], published_at="2026-05-04T10:00:00+02:00")
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "open"  # derived from its tasks (it has none), not set by hand
    (pub,) = data["publications"]
    assert pub["url"] == "https://www.instagram.com/p/abc/"
    assert pub["channel"] == "instagram"
    assert pub["published_at"] == "2026-05-04T08:00:00+00:00"
    assert pub["by"]["id"] == other_member.user["id"]
    assert member.get(f"ideas/{idea['id']}").get_json()["publications"] == [pub]
    (envelope,) = [e for e in heard if e["type"] == "idea.published"]
    assert envelope["data"]["idea"]["publications"] == [pub]
    assert "voted" not in envelope["data"]["idea"]
    assert envelope["actor"]["id"] == other_member.user["id"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "instagram.com/p/abc"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "https://exa mple.com/"}, "url"),
        ({"channel": "myspace"}, "channel"),
        ({"published_at": "2026-05-04"}, "published_at"),
        ({"published_at": "2999-01-01T00:00:00+00:00"}, "published_at"),
        ({"published_at": "0001-01-01T00:00:00+00:00"}, "published_at"),
        ({"published_at": "1900-01-01T00:00:00+00:00"}, "published_at"),
        ({"published_at": "2025-05-02T12:00:00+00:00"}, "published_at"),  # a year and 2 days
        ({"published_at": "2026-05-04T18:06:00+00:00"}, "published_at"),  # 6 minutes ahead
        ({"published_at": "2026-05-05T09:00:00+02:00"}, "published_at"),  # tomorrow
    ],
)
def test_bad_publications_are_refused_and_change_nothing(member, body, field, heard):
    idea = post_idea(member)
    heard.clear()
    response = publish(member, idea["id"], **body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert member.get(f"ideas/{idea['id']}").get_json()["publications"] == []
    assert heard == []


def test_observers_cannot_record_publications(member, observer):
    idea = post_idea(member)
    response = publish(observer, idea["id"])
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "read_only"
    assert member.get(f"ideas/{idea['id']}").get_json()["publications"] == []


def test_a_publication_leaves_the_status_to_the_tasks(member, other_member):
    idea = post_idea(member)
    task = member.post("tasks", json={"title": "Film", "idea_id": idea["id"]}).get_json()
    other_member.post(f"tasks/{task['id']}/claim")
    publish(other_member, idea["id"])
    data = member.get(f"ideas/{idea['id']}").get_json()
    assert (data["status"], len(data["publications"])) == ("in_progress", 1)
    other_member.post(f"tasks/{task['id']}/complete")
    data = member.get(f"ideas/{idea['id']}").get_json()
    assert (data["status"], data["tasks_done"], data["tasks_total"]) == ("done", 1, 1)


def test_its_author_may_mark_an_idea_done_and_take_it_back(member, other_member, facilitator):
    idea = post_idea(member)
    for someone in (other_member, facilitator):
        response = someone.put(f"ideas/{idea['id']}/done")
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "not_author"
    assert member.get(f"ideas/{idea['id']}").get_json()["marked_done"] is False
    assert member.put(f"ideas/{idea['id']}/done").get_json()["marked_done"] is True
    seen = other_member.get(f"ideas/{idea['id']}").get_json()
    assert (seen["marked_done"], seen["status"]) == (True, "open")  # status: from its tasks
    assert member.delete(f"ideas/{idea['id']}/done").get_json()["marked_done"] is False


def test_the_idea_page_shows_publications_and_the_form(member, other_member, observer):
    idea = post_idea(member)
    page = other_member.get(f"/ideas/{idea['id']}").get_data(as_text=True)
    assert "Record a publication" in page
    assert "Record a publication" not in observer.get(f"/ideas/{idea['id']}").get_data(as_text=True)
    publish(other_member, idea["id"], url="https://blog.example.com/cleanup")
    page = member.get(f"/ideas/{idea['id']}").get_data(as_text=True)
    assert 'href="https://blog.example.com/cleanup"' in page
    assert 'rel="noopener noreferrer nofollow"' in page


def test_the_page_form_records_a_publication(member, other_member):
    idea = post_idea(member)
    page = other_member.get(f"/ideas/{idea['id']}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = other_member.client.post(
        f"/ideas/{idea['id']}/publications",
        data={
            "csrf_token": token,
            "url": "https://www.linkedin.com/posts/x",
            "channel": "linkedin",
            "published_on": "2026-05-04",
        },
    )
    assert response.status_code == 302
    (pub,) = member.get(f"ideas/{idea['id']}").get_json()["publications"]
    assert pub["channel"] == "linkedin" and pub["published_at"].startswith("2026-05-04")


def test_the_feed_tells_department_heads_in_a_sentence(member, observer):
    idea = post_idea(member)
    publish(member, idea["id"], channel="linkedin", url="https://www.linkedin.com/posts/x")
    page = observer.get("/feed").get_data(as_text=True)
    assert "went live on LinkedIn" in page


def test_the_feed_summary_counts_published_posts(member, observer):
    idea = post_idea(member)
    publish(member, idea["id"])
    summary = observer.get("feed?period=7").get_json()["summary"]
    assert summary["published"] == 1 and summary["ideas"] == 1


def test_the_help_page_counts_published_posts_per_department(member, facilitator):
    idea = post_idea(member)
    publish(member, idea["id"])
    report = facilitator.get("insights").get_json()
    (marketing,) = [
        d for d in report["participation"]["departments"] if d["department"]["name"] == "Marketing"
    ]
    assert sum(week["published"] for week in marketing["weeks"]) == 1


def test_the_author_and_followers_hear_that_it_went_live(member, other_member, facilitator):
    idea = post_idea(member)
    facilitator.put(f"ideas/{idea['id']}/follow")
    publish(other_member, idea["id"])
    for client in (member, facilitator):
        kinds = [n["kind"] for n in client.get("notifications").get_json()["items"]]
        assert kinds == ["published"]
    assert other_member.get("notifications").get_json()["items"] == []  # their own doing


# ---- when a publication may have happened ------------------------------------------------


@BOTH_DATABASES
@pytest.mark.parametrize(
    "moment",
    [
        "2026-05-04T18:04:00+00:00",  # a clock a few minutes fast
        "2026-05-04T20:00:00+02:00",  # now, written in Berlin
        "2025-05-04T00:00:00+00:00",  # a year ago
    ],
)
def test_a_publication_from_the_past_year_is_recorded(member, moment):
    idea = post_idea(member)
    response = publish(member, idea["id"], published_at=moment)
    assert response.status_code == 201, response.get_json()
    (pub,) = response.get_json()["publications"]
    assert datetime.fromisoformat(pub["published_at"]) == datetime.fromisoformat(moment)


def test_the_refusal_says_how_far_back(member):
    idea = post_idea(member)
    response = publish(member, idea["id"], published_at="1900-01-01T00:00:00Z")
    assert response.get_json()["error"]["fields"]["published_at"] == (
        "A publication can lie at most a year back, not before May 3, 2025."
    )
    member.patch("me", json={"language": "de"})
    response = publish(member, idea["id"], published_at="1900-01-01T00:00:00Z")
    assert response.get_json()["error"]["fields"]["published_at"] == (
        "Eine Veröffentlichung kann höchstens ein Jahr zurückliegen, nicht vor dem 03.05.2025."
    )


def post_publication_form(client, idea_id: int, day: str):
    return client.client.post(
        f"/ideas/{idea_id}/publications",
        data={
            "url": "https://www.linkedin.com/posts/x",
            "channel": "linkedin",
            "published_on": day,
            "next": f"/ideas/{idea_id}",
        },
        headers={"X-CSRF-Token": client.csrf_token},
    )


@pytest.mark.parametrize(
    "now, day",
    [
        (datetime(2026, 5, 4, 7, 30, tzinfo=UTC), "2026-05-04"),  # before noon UTC
        (datetime(2026, 5, 4, 11, 0, tzinfo=UTC), "2026-05-05"),  # 01:00 on May 5 at UTC+14
    ],
)
def test_the_form_takes_a_day_that_is_today_as_now(member, now, day):
    """A day alone is noon UTC; on a day that is today somewhere and whose noon is still to
    come, it is now: not "in the future"."""
    clock.set_clock(lambda: now)
    idea = post_idea(member)
    response = post_publication_form(member, idea["id"], day)
    assert response.status_code == 302
    (pub,) = member.get(f"ideas/{idea['id']}").get_json()["publications"]
    assert pub["published_at"] == now.isoformat()


@pytest.mark.parametrize(
    "day, words",
    [
        ("2026-05-06", "cannot lie in the future"),
        ("1900-01-01", "not before May 3, 2025"),
    ],
)
def test_the_form_names_the_day_when_it_cannot_be(member, day, words):
    idea = post_idea(member)
    response = post_publication_form(member, idea["id"], day)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    marker = 'id="publication-published_on-error">'
    assert marker in page
    assert words in page.split(marker, 1)[1].split("<", 1)[0]
    assert f'value="{day}"' in page  # as typed, to correct
    assert member.get(f"ideas/{idea['id']}").get_json()["publications"] == []
