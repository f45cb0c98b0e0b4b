"""The nudge inbox page, marking a nudge read from it, and the unread badge's count."""

from __future__ import annotations

from flask import render_template_string
from flask_login import login_user

from board import nudges as nudge_service


def send(facilitator, people_, name: str = "member", message: str = "You rock!") -> dict:
    response = facilitator.post(
        "nudges", json={"message": message, "to_user_id": people_.user(name).id}
    )
    assert response.status_code == 201
    return response.get_json()


def test_the_recipient_reads_and_marks_a_nudge_on_the_inbox_page(people_, facilitator, member):
    sent = send(facilitator, people_)
    page = member.get("/nudges").get_data(as_text=True)
    assert "You rock!" in page and "From Sam" in page
    assert f'action="/nudges/{sent["id"]}/read"' in page
    response = member.post(f"/nudges/{sent['id']}/read")
    assert response.status_code == 302
    assert member.get("nudges").get_json()["items"][0]["read_at"] is not None
    assert f'action="/nudges/{sent["id"]}/read"' not in member.get("/nudges").get_data(as_text=True)


def test_the_sender_sees_what_they_sent(people_, facilitator):
    send(facilitator, people_, message="Keep going!")
    page = facilitator.get("/nudges").get_data(as_text=True)
    assert "Sent" in page and "To Mara" in page and "Keep going!" in page
    assert "/read" not in page


def test_a_sent_nudge_about_a_task_links_to_the_task(people_, facilitator, member, db):
    idea = member.post("ideas", json={"title": "Reel", "body": "B"}).get_json()
    task = member.post(
        "tasks", json={"title": "Cut <b>the</b> reel", "idea_id": idea["id"]}
    ).get_json()
    member.post(f"tasks/{task['id']}/claim")
    response = facilitator.post("nudges", json={"message": "Need a hand?", "task_id": task["id"]})
    assert response.status_code == 201
    page = facilitator.get("/nudges").get_data(as_text=True)
    # the task's title is a link to it, and its text stays text
    assert (
        f'To whoever holds “<a href="/tasks/{task["id"]}">Cut &lt;b&gt;the&lt;/b&gt; reel</a>”'
        in page
    )


def test_nobody_else_sees_the_nudge_on_their_page(people_, facilitator, other_member, observer):
    send(facilitator, people_, message="Only for Mara")
    for client in (other_member, observer):
        page = client.get("/nudges")
        assert page.status_code == 200
        assert "Only for Mara" not in page.get_data(as_text=True)


def test_only_the_recipient_marks_read_from_the_page(people_, facilitator, other_member, member):
    sent = send(facilitator, people_)
    for client in (other_member, facilitator):
        response = client.post(f"/nudges/{sent['id']}/read")
        assert response.status_code == 302
        assert "Only a nudge&#39;s recipients may mark it read." in client.get(
            response.headers["Location"]
        ).get_data(as_text=True)
    assert member.get("nudges").get_json()["items"][0]["read_at"] is None


def test_a_nudge_message_never_becomes_markup(people_, facilitator, member):
    send(facilitator, people_, message="<script>alert(1)</script>")
    page = member.get("/nudges").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_inbox_speaks_german(people_, facilitator, member):
    send(facilitator, people_)
    page = member.get("/nudges", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Anstöße" in page and "Als gelesen markieren" in page


def badge(app, user) -> str:
    with app.test_request_context("/"):
        login_user(user)
        return render_template_string("{{ unread_nudges }}")


def test_every_page_knows_the_unread_count(app, db, people_, facilitator, member):
    mara = people_.user("member")
    assert badge(app, mara) == "0"
    first = send(facilitator, people_)
    send(facilitator, people_, message="Second")
    send(facilitator, people_, name="other_member")
    assert badge(app, mara) == "2"
    member.post(f"nudges/{first['id']}/read")
    assert badge(app, mara) == "1"
    assert badge(app, people_.user("facilitator")) == "0"  # sent ones are not unread
    assert badge(app, people_.user("observer")) == "0"
    with app.test_request_context("/"):
        assert render_template_string("{{ unread_nudges }}") == "0"  # nobody logged in
    assert nudge_service.unread_count(db, mara) == 1
