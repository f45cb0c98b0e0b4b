"""Handles, mentions, follows and notifications: who hears about what, and who does not.

People (tests/conftest.py): mara (member, Marketing), ivan (member, IT), sam
(facilitator), olga (observer). Handles come from the e-mail: mara, ivan, sam, olga.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from board import clock, notifications
from board.scheduler import advance_phases
from models import Notification, User
from tests.conftest import BOTH_DATABASES, PASSWORD, JsonClient, make_user
from tests.realtime_helpers import connect, received


def post_idea(client, title="Trade fair reel", body="Short clips"):
    response = client.post("ideas", json={"title": title, "body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def inbox(client, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get("notifications" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kinds(client) -> list[str]:
    return [item["kind"] for item in inbox(client)["items"]]


def notification_count(app) -> int:
    with app.extensions["board_db"].Session() as session:
        return session.scalar(select(func.count(Notification.id)))


# ---- handles ------------------------------------------------------------------------------


def test_every_person_gets_a_handle_from_their_email(member, app):
    assert member.get("me").get_json()["user"]["handle"] == "mara"
    with app.extensions["board_db"].Session() as session:
        from board import people

        twin = people.create_user(
            session, "Mara@other.example", "a-long-password-1", "Mara Two", "IT", "member"
        )
        assert twin.handle == "mara2"


def test_a_handle_is_made_of_allowed_characters_only(app):
    with app.extensions["board_db"].Session() as session:
        from board import people

        user = people.create_user(
            session, "Jörg.O'Neil+news@x.example", "a-long-password-1", "Jörg", "IT", "member"
        )
        assert user.handle == "joerg.oneilnews"


def test_a_handle_spells_out_umlauts_as_german_does(app):
    """A German colleague's handle read "@jrgen.gro" for jürgen.groß@…: the letters with
    marks were dropped. Umlauts and ß are spelled out, other marks left off."""
    with app.extensions["board_db"].Session() as session:
        from board import people

        made = {
            address: people.create_user(
                session, address, "a-long-password-1", "Someone", "IT", "member"
            ).handle
            for address in ("jürgen.groß@x.example", "Ärne.Öz@x.example", "josé.şahin@x.example")
        }
    assert made == {
        "jürgen.groß@x.example": "juergen.gross",
        "Ärne.Öz@x.example": "aerne.oez",
        "josé.şahin@x.example": "jose.sahin",
    }


def test_a_person_changes_their_handle(member, other_member):
    response = member.patch("me", json={"handle": "Mara.B"})
    assert response.status_code == 200
    assert response.get_json()["user"]["handle"] == "mara.b"
    taken = other_member.patch("me", json={"handle": "mara.b"})
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "handle_taken"
    assert other_member.get("me").get_json()["user"]["handle"] == "ivan"


@pytest.mark.parametrize("bad", ["a", "-ab", "ab.", "with space", "x" * 31, "", "ümlaut"])
def test_a_malformed_handle_is_refused_and_nothing_changes(member, bad):
    response = member.patch("me", json={"handle": bad})
    assert response.status_code == 400
    assert "handle" in response.get_json()["error"]["fields"]
    assert member.get("me").get_json()["user"]["handle"] == "mara"


def test_email_notifications_default_to_daily_and_change(member):
    assert member.get("me").get_json()["user"]["email_notifications"] == "daily"
    assert member.patch("me", json={"email_notifications": "instant"}).status_code == 200
    assert member.get("me").get_json()["user"]["email_notifications"] == "instant"
    bad = member.patch("me", json={"email_notifications": "hourly"})
    assert bad.status_code == 400
    assert member.get("me").get_json()["user"]["email_notifications"] == "instant"


def test_other_peoples_objects_show_no_email_setting(member, other_member):
    idea = post_idea(member)
    assert "email_notifications" not in other_member.get(f"ideas/{idea['id']}").get_json()["author"]
    assert other_member.get(f"ideas/{idea['id']}").get_json()["author"]["handle"] == "mara"


def test_people_search_offers_mentionable_people_only(member):
    found = member.get("people?q=o").get_json()["items"]
    assert [p["handle"] for p in found] == []  # olga is an observer: never offered
    found = member.get("people?q=iv").get_json()["items"]
    assert [(p["handle"], p["display_name"], p["department"]["name"]) for p in found] == [
        ("ivan", "Ivan", "IT")
    ]


# ---- mentions -------------------------------------------------------------------------------


@BOTH_DATABASES
def test_a_mention_in_an_idea_tells_that_person_and_makes_them_follow(member, other_member):
    idea = post_idea(member, body="What do you think, @ivan? Ask @olga and @nobody too.")
    items = inbox(other_member)["items"]
    assert [i["kind"] for i in items] == ["mention"]
    assert items[0]["actor"]["id"] == member.user["id"]
    assert items[0]["idea_id"] == idea["id"]
    assert items[0]["url"] == f"/ideas/{idea['id']}"
    assert "Mara" in items[0]["text"] and "Trade fair reel" in items[0]["text"]
    assert other_member.get(f"ideas/{idea['id']}").get_json()["following"] is True
    assert '<a href="/people/ivan"' in idea["body_html"]
    assert "/people/nobody" not in idea["body_html"]


def test_mentioning_an_observer_or_an_unknown_handle_does_nothing(app, member, observer):
    post_idea(member, body="@olga @nobody @sam_not_here")
    assert inbox(observer) == {"items": [], "unread": 0, "next_cursor": None}
    assert notification_count(app) == 0


def test_mentioning_oneself_does_nothing(member):
    post_idea(member, body="Note to self, @mara")
    assert kinds(member) == []


def test_editing_an_idea_mentions_only_the_newly_named(member, other_member, facilitator):
    idea = post_idea(member, body="@ivan look")
    member.patch(f"ideas/{idea['id']}", json={"body": "@ivan look, and @sam too"})
    assert kinds(other_member) == ["mention"]
    assert kinds(facilitator) == ["mention"]


def test_a_mention_in_a_comment_and_in_a_task(member, other_member, facilitator):
    idea = post_idea(member)
    facilitator.post(f"ideas/{idea['id']}/comments", json={"body": "@ivan can you film it?"})
    task = member.post(
        "tasks",
        json={"title": "Cut", "description": "@ivan has the footage", "idea_id": idea["id"]},
    ).get_json()
    items = inbox(other_member)["items"]
    assert [i["kind"] for i in items] == ["mention", "mention"]
    assert items[0]["task_id"] == task["id"]
    assert items[1]["url"].startswith(f"/ideas/{idea['id']}#comment-")
    comments = member.get(f"ideas/{idea['id']}/comments").get_json()
    assert '<a href="/people/ivan"' in comments[0]["body_html"]


# ---- follows ------------------------------------------------------------------------------


def test_following_is_idempotent_both_ways(member, other_member):
    idea = post_idea(member)
    path = f"ideas/{idea['id']}/follow"
    for _ in range(2):
        response = other_member.put(path)
        assert response.status_code == 200
        assert response.get_json() == {"idea_id": idea["id"], "following": True}
    assert other_member.get(f"ideas/{idea['id']}").get_json()["following"] is True
    for _ in range(2):
        assert other_member.delete(path).get_json() == {"idea_id": idea["id"], "following": False}
    assert other_member.get("ideas").get_json()["items"][0]["following"] is False


def test_following_a_missing_idea_is_a_404(member):
    assert member.put("ideas/999/follow").status_code == 404


def test_observers_cannot_follow(member, observer):
    idea = post_idea(member)
    response = observer.put(f"ideas/{idea['id']}/follow")
    assert response.status_code == 403
    assert observer.get(f"ideas/{idea['id']}").get_json()["following"] is False


def test_authors_commenters_and_claimants_follow(member, other_member, facilitator):
    idea = post_idea(member)
    assert member.get(f"ideas/{idea['id']}").get_json()["following"] is True
    facilitator.post(f"ideas/{idea['id']}/comments", json={"body": "Nice"})
    assert facilitator.get(f"ideas/{idea['id']}").get_json()["following"] is True
    task = member.post("tasks", json={"title": "Film", "idea_id": idea["id"]}).get_json()
    other_member.post(f"tasks/{task['id']}/claim")
    assert other_member.get(f"ideas/{idea['id']}").get_json()["following"] is True


# ---- what followers hear --------------------------------------------------------------------


@BOTH_DATABASES
def test_followers_hear_of_comments_claims_and_completions(
    member, other_member, facilitator, observer
):
    idea = post_idea(member)
    facilitator.put(f"ideas/{idea['id']}/follow")
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "I can film"})
    first = member.post("tasks", json={"title": "Film", "idea_id": idea["id"]}).get_json()
    second = member.post("tasks", json={"title": "Cut", "idea_id": idea["id"]}).get_json()
    other_member.post(f"tasks/{first['id']}/claim")
    other_member.post(f"tasks/{first['id']}/complete")
    other_member.post(f"tasks/{second['id']}/claim")
    other_member.post(f"tasks/{second['id']}/complete")
    # Every task done: the API's status says so, but followers hear of the completion, not
    # of the idea done (it is Done on the board once it went live or its author says so).
    assert member.get(f"ideas/{idea['id']}").get_json()["status"] == "done"
    expected = ["task_completed", "task_claimed", "task_completed", "task_claimed", "comment"]
    assert kinds(member) == expected
    assert kinds(facilitator) == expected
    assert kinds(other_member) == []  # all of it was their own doing
    assert kinds(observer) == []


@BOTH_DATABASES
def test_followers_hear_the_idea_is_done_when_its_author_marks_it(
    member, other_member, facilitator, observer
):
    idea = post_idea(member, title="Booth reel")
    other_member.put(f"ideas/{idea['id']}/follow")
    facilitator.put(f"ideas/{idea['id']}/follow")
    assert member.put(f"ideas/{idea['id']}/done").status_code == 200
    member.put(f"ideas/{idea['id']}/done")  # again: nothing changes, nobody is told twice
    for follower in (other_member, facilitator):
        [item] = inbox(follower)["items"]
        assert (item["kind"], item["text"]) == ("idea_done", "Mara marked “Booth reel” as done")
        assert item["url"] == f"/ideas/{idea['id']}"
    assert kinds(member) == [] and kinds(observer) == []
    member.delete(f"ideas/{idea['id']}/done")
    member.put(f"ideas/{idea['id']}/done")  # taken back and marked again: told again
    assert kinds(other_member) == ["idea_done", "idea_done"]


def test_a_publication_tells_followers_it_went_live_not_done_twice(member, other_member):
    idea = post_idea(member, title="Booth reel")
    other_member.put(f"ideas/{idea['id']}/follow")
    member.post(
        f"ideas/{idea['id']}/publications",
        json={"url": "https://example.com/reel", "channel": "linkedin"},
    )
    assert member.get(f"ideas/{idea['id']}").get_json()["publications"] != []
    member.put(f"ideas/{idea['id']}/done")  # it already went live: published says it all
    assert kinds(other_member) == ["published"]
    # the channel as people write it, not its code
    assert inbox(other_member)["items"][0]["text"] == "“Booth reel” went live on LinkedIn"


def test_a_mentioned_follower_is_told_once(member, other_member):
    idea = post_idea(member)
    other_member.put(f"ideas/{idea['id']}/follow")
    member.post(f"ideas/{idea['id']}/comments", json={"body": "@ivan what do you say?"})
    assert kinds(other_member) == ["mention"]


def test_unfollowing_stops_the_news(member, other_member):
    idea = post_idea(member)
    member.delete(f"ideas/{idea['id']}/follow")
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "Hm"})
    assert kinds(member) == []


def test_votes_never_notify_anyone(app, member, other_member, facilitator):
    idea = post_idea(member)
    other_member.put(f"ideas/{idea['id']}/vote")
    facilitator.put(f"ideas/{idea['id']}/vote")
    other_member.delete(f"ideas/{idea['id']}/vote")
    assert notification_count(app) == 0


def test_a_new_prompt_reaches_everyone_taking_part_but_its_author(
    member, other_member, facilitator, observer
):
    prompt = facilitator.post("prompts", json={"kind": "prompt", "title": "Summer"}).get_json()
    for client in (member, other_member):
        items = inbox(client)["items"]
        assert [i["kind"] for i in items] == ["prompt"]
        assert items[0]["prompt_id"] == prompt["id"]
        assert items[0]["url"] == f"/prompts/{prompt['id']}"
    assert kinds(facilitator) == []
    assert kinds(observer) == []


def test_a_challenge_phase_change_reaches_those_who_took_part(
    app, member, other_member, facilitator, observer
):
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    clock.set_clock(lambda: start)
    challenge = facilitator.post(
        "prompts",
        json={
            "kind": "challenge",
            "title": "Trade fair",
            "submissions_close_at": (start + timedelta(days=1)).isoformat(),
            "voting_close_at": (start + timedelta(days=2)).isoformat(),
        },
    ).get_json()
    member.post("ideas", json={"title": "Booth tour", "body": "", "prompt_id": challenge["id"]})
    member.post("notifications/read")
    other_member.post("notifications/read")
    clock.set_clock(lambda: start + timedelta(days=1, hours=1))
    with app.extensions["board_db"].Session() as session:
        advance_phases(session, clock.now())
    assert [i["kind"] for i in inbox(member, unread=1)["items"]] == ["phase"]
    assert inbox(member)["items"][0]["text"] == "The challenge “Trade fair” now takes votes"
    assert inbox(other_member, unread=1)["items"] == []  # did not take part
    assert kinds(observer) == []


def test_a_nudge_notifies_its_recipient_only(member, other_member, facilitator):
    nudge = facilitator.post(
        "nudges", json={"message": "How is the reel going?", "to_user_id": member.user["id"]}
    ).get_json()
    items = inbox(member)["items"]
    assert [i["kind"] for i in items] == ["nudge"]
    assert items[0]["text"] == "Sam nudged you: How is the reel going?"
    assert items[0]["url"] == f"/nudges#nudge-{nudge['id']}"  # the nudge, not just the list
    assert kinds(other_member) == []
    assert kinds(facilitator) == []


def test_reading_a_nudge_reads_its_notice_in_the_inbox(member, other_member, facilitator):
    """One nudge is one thing to read: opened on the nudges page, the inbox's badge and
    the next digest no longer count it as unread."""
    nudge = facilitator.post(
        "nudges", json={"message": "How is the reel going?", "to_user_id": member.user["id"]}
    ).get_json()
    facilitator.post(
        "nudges", json={"message": "And the captions?", "to_user_id": member.user["id"]}
    )
    assert inbox(member, unread=1)["unread"] == 2
    assert member.post(f"nudges/{nudge['id']}/read").status_code == 200
    unread = inbox(member, unread=1)
    assert unread["unread"] == 1
    assert [i["text"] for i in unread["items"]] == ["Sam nudged you: And the captions?"]


def receipt(facilitator, nudge_id: int) -> str:
    """What the sender's /nudges page says of one sent nudge: "Read", "Not read yet",
    "Read by 1 of 2"."""
    html = facilitator.client.get("/nudges").get_data(as_text=True)
    item = html.split(f'id="nudge-{nudge_id}"', 1)[1]
    return item.split('class="nudge-receipt"', 1)[1].split(">", 1)[1].split("<", 1)[0].strip()


def nudge_read_at(client, nudge_id: int):
    return next(n for n in client.get("nudges").get_json()["items"] if n["id"] == nudge_id)[
        "read_at"
    ]


@BOTH_DATABASES
def test_reading_a_nudges_notice_in_the_inbox_reads_the_nudge(
    app, member, other_member, facilitator
):
    """The other way round: marked read in the inbox (one, or all), the nudge is read, and
    its sender's read receipt says so. The other recipients' nudges stay unread."""
    nora = make_user(app, "nora", "member", "Marketing")
    nora_client = JsonClient(app.test_client()).login(nora.email)
    to_mara = facilitator.post(
        "nudges", json={"message": "How is the reel going?", "to_user_id": member.user["id"]}
    ).get_json()
    to_marketing = facilitator.post(
        "nudges",
        json={"message": "Who films the fair?", "department_id": member.user["department"]["id"]},
    ).get_json()
    assert receipt(facilitator, to_mara["id"]) == "Not read yet"
    assert receipt(facilitator, to_marketing["id"]) == "Read by 0 of 2"
    notice = next(i for i in inbox(member)["items"] if i["url"] == f"/nudges#nudge-{to_mara['id']}")
    answer = member.post("notifications/read", json={"ids": [notice["id"]]}).get_json()
    assert (answer["unread"], answer["nudges_unread"]) == (1, 1)
    assert nudge_read_at(member, to_mara["id"]) is not None
    assert nudge_read_at(member, to_marketing["id"]) is None  # only the notice marked
    assert receipt(facilitator, to_mara["id"]) == "Read"
    assert receipt(facilitator, to_marketing["id"]) == "Read by 0 of 2"

    assert member.post("notifications/read", json={}).get_json()["nudges_unread"] == 0
    assert nudge_read_at(member, to_marketing["id"]) is not None
    assert receipt(facilitator, to_marketing["id"]) == "Read by 1 of 2"
    # Nora read nothing: her nudge and its notice stay unread, and the sender's own view
    # of the nudge has no reading time of anyone's.
    assert nudge_read_at(nora_client, to_marketing["id"]) is None
    assert inbox(nora_client, unread=1)["unread"] == 1
    sent = [n for n in facilitator.get("nudges").get_json()["items"] if not n["received"]]
    assert {n["read_at"] for n in sent} == {None}


def test_what_one_reads_is_told_to_their_own_pages_only(app, member, other_member, facilitator):
    """Another tab of the reader learns which notices were read and both badges' counts;
    the sender of a nudge and everyone else hear nothing of it."""
    nudge = facilitator.post(
        "nudges", json={"message": "How is the reel going?", "to_user_id": member.user["id"]}
    ).get_json()
    idea = post_idea(member)
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "hi"})
    sockets = {
        name: connect(app, c)
        for name, c in [("mara", member), ("ivan", other_member), ("sam", facilitator)]
    }
    for socket in sockets.values():
        socket.get_received()
    comment, notice = (i["id"] for i in inbox(member)["items"])
    member.post("notifications/read", json={"ids": [comment]})
    assert received(sockets["mara"], notifications.READ_EVENT) == [
        {"ids": [comment], "unread": 1, "nudges_unread": 1}
    ]
    member.post(f"nudges/{nudge['id']}/read")  # on the nudges page: its notice is read too
    assert received(sockets["mara"], notifications.READ_EVENT) == [
        {"ids": [notice], "unread": 0, "nudges_unread": 0}
    ]
    member.post("notifications/read", json={})  # nothing left: nothing to tell
    assert received(sockets["mara"], notifications.READ_EVENT) == []
    for name in ("ivan", "sam"):
        assert sockets[name].get_received() == [], name


def test_other_features_notify_through_one_function(app, member, other_member, observer):
    idea = post_idea(member)
    task = member.post("tasks", json={"title": "Film", "idea_id": idea["id"]}).get_json()
    with app.extensions["board_db"].Session() as session:
        ids = [u.id for u in session.scalars(select(User))]
        notifications.notify(
            session,
            "claim_expiring",
            ids,
            task_id=task["id"],
            idea_id=idea["id"],
            data={"task": "Film"},
        )
        session.commit()
    assert kinds(member) == ["claim_expiring"]
    assert kinds(observer) == []
    with pytest.raises(ValueError), app.extensions["board_db"].Session() as session:
        notifications.notify(session, "gossip", ids)


# ---- the inbox API ----------------------------------------------------------------------------


def test_the_inbox_pages_with_a_cursor_and_counts_unread(member, other_member):
    idea = post_idea(member)
    for n in range(5):
        other_member.post(f"ideas/{idea['id']}/comments", json={"body": f"comment {n}"})
    first = inbox(member, limit=2)
    assert len(first["items"]) == 2 and first["unread"] == 5
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = inbox(member, limit=2, cursor=cursor)
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen, reverse=True)
    assert member.get("notifications?cursor=abc").get_json()["error"]["code"] == "bad_cursor"


def test_marking_one_or_all_read(member, other_member):
    idea = post_idea(member)
    for n in range(3):
        other_member.post(f"ideas/{idea['id']}/comments", json={"body": f"comment {n}"})
    items = inbox(member)["items"]
    response = member.post("notifications/read", json={"ids": [items[0]["id"]]})
    assert response.status_code == 200
    assert response.get_json()["unread"] == 2
    assert [i["id"] for i in inbox(member, unread=1)["items"]] == [i["id"] for i in items[1:]]
    member.post("notifications/read", json={})
    assert inbox(member)["unread"] == 0
    assert all(i["read_at"] for i in inbox(member)["items"])


def test_nobody_marks_someone_elses_notifications(member, other_member, facilitator):
    idea = post_idea(member)
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "hi"})
    mine = inbox(member)["items"][0]["id"]
    response = facilitator.post("notifications/read", json={"ids": [mine]})
    assert response.status_code == 200 and response.get_json()["marked"] == 0
    assert inbox(member)["unread"] == 1


@pytest.mark.parametrize(
    "body", [{"ids": "all"}, {"ids": [True]}, {"ids": [1.5]}, {"everything": True}]
)
def test_marking_read_refuses_bad_input(member, body):
    assert member.post("notifications/read", json=body).status_code == 400


def test_notifications_speak_the_readers_language_codes_stay_english(member, other_member):
    idea = post_idea(member)
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "hi"})
    item = inbox(member)["items"][0]
    assert item["kind"] == "comment"
    assert item["text"] == "Ivan commented on “Trade fair reel”"


# ---- live -----------------------------------------------------------------------------------


def test_the_notification_event_reaches_only_its_recipient(app, member, other_member, facilitator):
    idea = post_idea(member)
    sockets = {
        name: connect(app, c)
        for name, c in [("mara", member), ("ivan", other_member), ("sam", facilitator)]
    }
    for socket in sockets.values():
        received(socket, "notification")
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "@sam look"})
    to_mara = received(sockets["mara"], "notification")
    assert [n["kind"] for n in to_mara] == ["comment"]
    assert [n["kind"] for n in received(sockets["sam"], "notification")] == ["mention"]
    assert received(sockets["ivan"], "notification") == []
    pushed = dict(to_mara[0])
    texts = pushed.pop("texts")  # Mara chose no language: her page picks its own
    assert pushed == inbox(member)["items"][0]
    assert texts == {
        "en": "Ivan commented on “Trade fair reel”",
        "de": "Ivan hat „Trade fair reel“ kommentiert",
    }


def test_someone_who_chose_a_language_gets_the_sentence_in_it_alone(app, member, other_member):
    idea = post_idea(member)
    assert member.patch("me", json={"language": "de"}).status_code == 200
    socket = connect(app, member)
    received(socket, "notification")
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "hi"})
    [pushed] = received(socket, "notification")
    assert pushed["text"] == "Ivan hat „Trade fair reel“ kommentiert"
    assert "texts" not in pushed


def test_the_open_inbox_asks_what_is_new_and_what_is_still_unread(
    member, other_member, facilitator
):
    """/notifications/updates?after=<newest on the page>: the reader's own newer notices as
    the page's HTML, which older ones are still unread, and both badges."""
    idea = post_idea(member)
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "first"})
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "@sam look"})
    on_page, read_one = (i["id"] for i in inbox(member)["items"])
    member.post("notifications/read", json={"ids": [read_one]})
    other_member.post(f"ideas/{idea['id']}/comments", json={"body": "second"})
    newest = inbox(member)["items"][0]["id"]
    answer = member.client.get(f"/notifications/updates?after={on_page}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    news = answer.get_json()
    assert news["last_id"] == newest and news["unread_ids"] == [on_page]
    assert (news["unread"], news["nudges_unread"]) == (2, 0)
    html = news["html"]
    assert html.count('class="inbox-item unread"') == 1 and f'id="notification-{newest}"' in html
    assert f'data-group="idea-{idea["id"]}"' in html and "second" in html
    assert 'name="next" value="/notifications"' in html  # the page, not this address
    # Sam's mention is his: nothing of it in Mara's, and his own updates hold it.
    assert "mentioned" not in html
    assert "mentioned you" in facilitator.client.get("/notifications/updates").get_json()["html"]
    nothing = member.client.get(f"/notifications/updates?after={newest}").get_json()
    assert (nothing["html"].strip(), nothing["last_id"]) == ("", newest)
    for bad in ("x", "-1", "1.5", "99999999999"):
        assert member.client.get(f"/notifications/updates?after={bad}").status_code == 400, bad


# ---- hidden ideas and comments --------------------------------------------------------------


def _inbox_page(client) -> str:
    return client.client.get("/notifications").get_data(as_text=True)


def test_a_hidden_idea_leaves_no_words_in_anyones_notifications(
    app, member, other_member, facilitator
):
    idea = post_idea(member, "Launch on 4 May", "@ivan the date is 4 May, @sam knows")
    facilitator.post(f"ideas/{idea['id']}/comments", json={"body": "4 May works for the reel"})
    hidden = facilitator.put(f"ideas/{idea['id']}/hidden", json={"reason": "confidential date"})
    assert hidden.status_code == 200
    for reader in (other_member, facilitator, member):
        for item in inbox(reader)["items"]:
            shown = " ".join(str(item[k]) for k in ("text", "idea_title", "excerpt"))
            assert "4 May" not in shown, (reader.user["handle"], item)
            assert item["text"] == "This notification is about an idea that is hidden now."
            assert item["excerpt"] == "Hidden by the facilitator: confidential date"
            assert item["hidden"]["reason"] == "confidential date"
        page = _inbox_page(reader)
        assert "4 May" not in page
    assert "Hidden by the facilitator: confidential date" in _inbox_page(other_member)
    # Shown again: the notifications read as they did.
    facilitator.delete(f"ideas/{idea['id']}/hidden")
    texts = {i["text"]: i for i in inbox(other_member)["items"]}
    mention = texts["Mara mentioned you in “Launch on 4 May”"]
    assert "4 May" in mention["excerpt"] and mention["hidden"] is None
    assert texts["Sam commented on “Launch on 4 May”"]["excerpt"] == "4 May works for the reel"
    assert "Launch on 4 May" in _inbox_page(other_member)


def test_a_hidden_comment_leaves_its_words_out_of_the_notifications(
    member, other_member, facilitator
):
    idea = post_idea(member, "Booth reel")
    said = facilitator.post(
        f"ideas/{idea['id']}/comments", json={"body": "@ivan the supplier is Acme, 40% off"}
    ).get_json()
    assert {i["kind"] for i in inbox(member)["items"]} == {"comment"}
    facilitator.put(f"comments/{said['id']}/hidden", json={"reason": "a supplier's prices"})
    for reader in (member, other_member):
        (item,) = inbox(reader)["items"]
        assert "Acme" not in item["excerpt"] and "Acme" not in _inbox_page(reader)
        assert item["excerpt"] == "Hidden by the facilitator: a supplier's prices"
        assert item["idea_title"] == "Booth reel"  # the idea itself is not hidden
    assert "Hidden by the facilitator: a supplier&#39;s prices" in _inbox_page(member)
    facilitator.delete(f"comments/{said['id']}/hidden")
    (item,) = inbox(other_member)["items"]
    assert "Acme" in item["excerpt"] and item["hidden"] is None


def test_a_comment_hidden_by_flags_and_a_deleted_one_say_so_in_the_readers_language(
    app, member, other_member, facilitator
):
    idea = post_idea(member, "Booth reel")
    flagged = facilitator.post(
        f"ideas/{idea['id']}/comments", json={"body": "Off topic rant about parking"}
    ).get_json()
    deleted = facilitator.post(
        f"ideas/{idea['id']}/comments", json={"body": "Typo-laden first try"}
    ).get_json()
    make_user(app, "petra", "member", "PR")
    petra = JsonClient(app.test_client()).login("petra@example.com", PASSWORD)
    for flagger in (member, other_member, petra):  # three departments hide it
        answer = flagger.post(f"comments/{flagged['id']}/flags", json={"reason": "off_topic"})
        assert answer.status_code in (200, 201), answer.get_json()
    assert facilitator.delete(f"comments/{deleted['id']}").status_code in (200, 204)
    member.patch("me", json={"language": "de"})
    items = {i["url"]: i for i in inbox(member)["items"]}
    flagged_item = items[f"/ideas/{idea['id']}#comment-{flagged['id']}"]
    deleted_item = items[f"/ideas/{idea['id']}#comment-{deleted['id']}"]
    assert (
        flagged_item["excerpt"]
        == "Ausgeblendet nach Meldungen aus mehreren Abteilungen: gehört nicht hierher"
    )
    assert flagged_item["hidden"]["by"] == "flags"
    assert deleted_item["excerpt"] == "Von der Person gelöscht, die ihn geschrieben hat."
    assert deleted_item["hidden"] is None
    page = _inbox_page(member)
    assert "parking" not in page and "Typo-laden" not in page


def test_each_mark_as_read_says_which_notification_it_reads(member, facilitator):
    """A screen reader's list of buttons read "Mark as read" once for every unread
    notification, with nothing to tell them apart: each is described by its own sentence."""
    for message in ("How is the reel going?", "And the captions?"):
        facilitator.post("nudges", json={"message": message, "to_user_id": member.user["id"]})
    page = _inbox_page(member)
    for item in inbox(member)["items"]:
        form = page.split(f'id="notification-{item["id"]}"', 1)[1].split("</li>", 1)[0]
        described_by = re.search(r'<button[^>]*aria-describedby="([^"]+)"[^>]*>Mark as read', form)
        assert described_by, form
        sentence = re.search(rf'id="{described_by.group(1)}"[^>]*>([^<]*)<', form)
        assert sentence and unescape(sentence.group(1)) == item["text"]
