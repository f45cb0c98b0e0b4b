"""The pages for fixing mistakes, moderation in the open and images (issue 17): each form
works without JavaScript for the role allowed to use it, and its effect is in the database."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from models import Comment, Flag, Idea, Image, Task
from tests.conftest import BOTH_DATABASES


def picture() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (40, 30), (10, 160, 90)).save(out, "PNG")
    return out.getvalue()


def form_post(client, path: str, data: dict, **kwargs):
    return client.client.post(path, data={"csrf_token": client.csrf_token, **data}, **kwargs)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


@BOTH_DATABASES
def test_a_comment_is_edited_and_deleted_on_the_idea_page(app, member, other_member):
    idea = other_member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    comment = member.post(f"ideas/{idea['id']}/comments", json={"body": "Typo hre"}).get_json()
    html = page(member, f"/ideas/{idea['id']}")
    assert f'action="/comments/{comment["id"]}/edit"' in html
    assert f'action="/comments/{comment["id"]}/edit"' not in page(
        other_member, f"/ideas/{idea['id']}"
    )
    assert (
        form_post(member, f"/comments/{comment['id']}/edit", {"body": "Typo here"}).status_code
        == 302
    )
    html = page(other_member, f"/ideas/{idea['id']}")
    assert "Typo here" in html and 'data-field="edited">edited' in html.replace("\n", "")
    assert form_post(member, f"/comments/{comment['id']}/delete", {}).status_code == 302
    html = page(other_member, f"/ideas/{idea['id']}")
    assert "Typo here" not in html and "Deleted by its author." in html
    with app.extensions["board_db"].Session() as session:
        assert session.get(Comment, comment["id"]).deleted_at is not None


def test_someone_elses_comment_form_changes_nothing(app, member, other_member):
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    comment = member.post(f"ideas/{idea['id']}/comments", json={"body": "Mine"}).get_json()
    form_post(other_member, f"/comments/{comment['id']}/edit", {"body": "Yours"})
    form_post(other_member, f"/comments/{comment['id']}/delete", {})
    with app.extensions["board_db"].Session() as session:
        row = session.get(Comment, comment["id"])
        assert (row.body, row.deleted_at) == ("Mine", None)


def test_withdrawing_an_idea_on_its_page(app, member, other_member):
    idea = member.post("ideas", json={"title": "Take me back", "body": ""}).get_json()
    assert "Withdraw my idea" not in page(other_member, f"/ideas/{idea['id']}")
    assert form_post(member, f"/ideas/{idea['id']}/withdraw", {}).status_code == 302
    html = page(other_member, f"/ideas/{idea['id']}")
    assert "withdrew this idea" in html
    assert "Take me back" not in page(other_member, "/")
    with app.extensions["board_db"].Session() as session:
        assert session.get(Idea, idea["id"]).withdrawn_at is not None


def test_reopening_a_task_on_the_pages(app, member, other_member):
    task = member.post("tasks", json={"title": "Cut it"}).get_json()
    member.post(f"tasks/{task['id']}/claim")
    member.post(f"tasks/{task['id']}/complete")
    assert f'action="/tasks/{task["id"]}/reopen"' in page(member, f"/tasks/{task['id']}")
    assert f'action="/tasks/{task["id"]}/reopen"' not in page(other_member, f"/tasks/{task['id']}")
    form_post(other_member, f"/tasks/{task['id']}/reopen", {})
    with app.extensions["board_db"].Session() as session:
        assert session.get(Task, task["id"]).status == "done"
    form_post(member, f"/tasks/{task['id']}/reopen", {})
    with app.extensions["board_db"].Session() as session:
        row = session.get(Task, task["id"])
        assert (row.status, row.claimed_by_id) == ("claimed", member.user["id"])


@BOTH_DATABASES
def test_the_facilitator_hides_on_the_page_and_the_board_says_why(
    app, member, other_member, facilitator
):
    idea = member.post("ideas", json={"title": "Launch on 4 May", "body": "Secret"}).get_json()
    form_post(other_member, f"/ideas/{idea['id']}/flag", {"reason": "confidential"})
    assert "Launch on 4 May" in page(facilitator, "/moderation")
    form_post(member, f"/ideas/{idea['id']}/hide", {"reason": "nope"})  # not the facilitator
    assert page(other_member, "/").count("Launch on 4 May") >= 1
    form_post(facilitator, f"/ideas/{idea['id']}/hide", {"reason": "confidential launch date"})
    board = page(other_member, "/")
    assert "Hidden by the facilitator: confidential launch date" in board
    assert "Launch on 4 May" not in board
    feed = page(other_member, "/feed?period=all")
    assert "hidden by the facilitator: confidential launch date" in feed
    form_post(facilitator, f"/ideas/{idea['id']}/hide", {"hide": "0"})
    assert "Launch on 4 May" in page(other_member, "/")
    with app.extensions["board_db"].Session() as session:
        assert session.get(Idea, idea["id"]).hidden_at is None


@pytest.mark.parametrize("who", ["member", "other_member", "observer"])
def test_the_moderation_page_is_the_facilitators(app, request, who):
    assert request.getfixturevalue(who).get("/moderation").status_code == 403


def test_an_image_attached_in_the_comment_form_is_shown(app, member, other_member):
    idea = other_member.post("ideas", json={"title": "Poster", "body": ""}).get_json()
    response = form_post(
        member,
        f"/ideas/{idea['id']}/comments",
        {"body": "Like this?", "image": (io.BytesIO(picture()), "poster.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    html = page(other_member, f"/ideas/{idea['id']}")
    src = re.search(r'<img src="(/images/\d+)"', html).group(1)
    assert other_member.client.get(src).headers["Content-Type"] == "image/png"
    with app.extensions["board_db"].Session() as session:
        image = session.scalars(select(Image)).one()
        assert image.comment_id is not None and image.uploader_id == member.user["id"]


def test_an_image_on_an_idea_shows_on_its_card(member, other_member):
    response = form_post(
        member,
        "/ideas",
        {"title": "With a picture", "body": "", "image": (io.BytesIO(picture()), "p.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    board = page(other_member, "/")
    assert re.search(
        r'<img class="idea-thumb" data-field="thumb" alt="" loading="lazy" src="/images/\d+"', board
    )


def test_a_disguised_file_in_the_form_is_refused_and_nothing_is_posted(app, member):
    html = b"<html><script>alert(1)</script></html>"
    response = form_post(
        member,
        "/ideas",
        {"title": "Sneaky", "body": "", "image": (io.BytesIO(html), "cat.png", "image/png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page_text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The image was refused" in page_text or "not only an image" in page_text
    with app.extensions["board_db"].Session() as session:
        assert session.scalars(select(Idea)).all() == []
        assert session.scalars(select(Image)).all() == []


@BOTH_DATABASES
def test_a_hidden_ideas_title_stays_off_the_pages_of_its_tasks_and_its_author(
    app, member, other_member, facilitator, observer
):
    """A hidden idea's words are withheld from all but its author and the facilitator: the
    task cards that carry it out (the board, the task columns, my tasks) named it by its
    title, the task's own page linked it with no text at all, and its author's page listed
    it as an empty link."""
    idea = member.post("ideas", json={"title": "Launch on 4 May", "body": "Secret"}).get_json()
    held = other_member.post("tasks", json={"title": "Teaser", "idea_id": idea["id"]}).get_json()
    other_member.post(f"tasks/{held['id']}/claim")
    done = other_member.post("tasks", json={"title": "Brief", "idea_id": idea["id"]}).get_json()
    other_member.post(f"tasks/{done['id']}/claim")
    other_member.post(f"tasks/{done['id']}/complete")
    assert "Launch on 4 May" in page(other_member, "/")  # the board was read before: kept
    facilitator.put(f"ideas/{idea['id']}/hidden", json={"reason": "confidential launch date"})
    handle = member.user["handle"]
    pages = [
        "/",
        "/tasks?status=claimed",
        "/tasks?status=done",
        "/tasks?status=claimed&mine=1",
        "/my-tasks",
        f"/tasks/{held['id']}",
        f"/people/{handle}",
    ]
    for client in (other_member, observer):
        for path in pages:
            if client is observer and ("mine" in path or path == "/my-tasks"):
                continue
            html = page(client, path)
            assert "Launch on 4 May" not in html, (path, client.user["role"])
            assert f'<a href="/ideas/{idea["id"]}"></a>' not in html, path
    # the task page and the board's cards still say which idea, by its number
    assert f"Idea #{idea['id']}" in page(other_member, f"/tasks/{held['id']}")
    assert f"Idea #{idea['id']}" in page(other_member, "/tasks?status=claimed")
    # its author and the facilitator still read it where they read its words
    for client in (member, facilitator):
        assert "Launch on 4 May" in page(client, f"/tasks/{held['id']}")
        assert "Launch on 4 May" in page(client, f"/people/{handle}")


def refused_field(html: str, form: str, field: str) -> str:
    """The error printed beside `field` of the refused `form`, after checking that the field
    points at it and the form's <details> is open."""
    error = re.search(
        rf'<small class="field-error" id="{form}-{field}-error">([^<]*)</small>', html
    )
    assert error, f"no error beside {form}'s {field}"
    assert re.search(rf'aria-describedby="{form}-{field}-error"', html)
    return error.group(1)


@BOTH_DATABASES
def test_a_refused_flag_comes_back_open_with_its_choice_and_the_error_beside_the_note(
    app, member, other_member
):
    """'Something else' needs a few words. Sent without, the flag came back as a message at
    the top of the page, the form closed and its choice reset to the first reason."""
    idea = member.post("ideas", json={"title": "Reel", "body": ""}).get_json()
    comment = member.post(f"ideas/{idea['id']}/comments", json={"body": "Mine"}).get_json()
    for path, form in (
        (f"/ideas/{idea['id']}/flag", f"flag-idea-{idea['id']}"),
        (f"/comments/{comment['id']}/flag", f"flag-comment-{comment['id']}"),
    ):
        response = form_post(
            other_member, path, {"reason": "other", "note": "   ", "next": f"/ideas/{idea['id']}"}
        )
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert refused_field(html, form, "note") == "Say in a few words what is wrong."
        details = re.search(rf'<details[^>]*data-form="{form}"[^>]*>', html)
        assert details and " open" in details.group(0)
        chosen = re.findall(rf"<form[^>]*{path}.*?</form>", html, re.S)[0]
        assert re.search(r'value="other" checked', chosen)
    with app.extensions["board_db"].Session() as session:
        assert session.scalars(select(Flag)).all() == []


@BOTH_DATABASES
def test_hiding_without_a_reason_comes_back_open_with_the_error_beside_it(
    app, member, other_member, facilitator
):
    idea = member.post("ideas", json={"title": "Launch on 4 May", "body": ""}).get_json()
    form_post(other_member, f"/ideas/{idea['id']}/flag", {"reason": "confidential"})
    for page_path in ("/moderation", f"/ideas/{idea['id']}"):
        response = form_post(
            facilitator,
            f"/ideas/{idea['id']}/hide",
            {"hide": "1", "reason": "  ", "next": page_path},
        )
        assert response.status_code == 400, page_path
        html = response.get_data(as_text=True)
        form = f"hide-idea-{idea['id']}"
        assert refused_field(html, form, "reason") == "Say why, for everyone to read."
        details = re.search(rf'<details[^>]*data-form="{form}"[^>]*>', html)
        assert details and " open" in details.group(0)
    with app.extensions["board_db"].Session() as session:
        assert session.get(Idea, idea["id"]).hidden_at is None


def test_hiding_from_the_flags_list_comes_back_to_that_item(app, member, other_member, facilitator):
    """The facilitator works down the flags list: hiding a comment there sent them off to
    its idea's page, and hiding an idea to the top of the list. Both come back to the item
    they hid; on the idea's page a comment's forms still come back to the comment."""
    idea = member.post("ideas", json={"title": "Store visit", "body": "Photos"}).get_json()
    comment = other_member.post(
        f"ideas/{idea['id']}/comments", json={"body": "Her address is …"}
    ).get_json()
    form_post(member, f"/comments/{comment['id']}/flag", {"reason": "confidential"})
    form_post(other_member, f"/ideas/{idea['id']}/flag", {"reason": "off_topic"})
    for kind, path in (("comment", f"/comments/{comment['id']}"), ("idea", f"/ideas/{idea['id']}")):
        target = comment["id"] if kind == "comment" else idea["id"]
        hid = form_post(facilitator, f"{path}/hide", {"reason": "private", "next": "/moderation"})
        assert hid.headers["Location"] == f"/moderation#flagged-{kind}-{target}"
        assert f'id="flagged-{kind}-{target}"' in page(facilitator, "/moderation")
        shown = form_post(facilitator, f"{path}/hide", {"hide": "0", "next": "/moderation"})
        assert shown.headers["Location"] == f"/moderation#flagged-{kind}-{target}"
    on_page = form_post(
        facilitator,
        f"/comments/{comment['id']}/hide",
        {"reason": "private", "next": f"/ideas/{idea['id']}"},
    )
    assert on_page.headers["Location"] == f"/ideas/{idea['id']}#comment-{comment['id']}"


def test_flagging_or_hiding_an_idea_on_its_page_comes_back_to_its_controls(
    member, other_member, facilitator
):
    """The flag and hide forms sit below the idea's text: sent, they came back to the top
    of the page, the confirmation there and the form out of sight below a long idea on a
    phone. They come back to the controls, where the board shows the confirmation."""
    idea = member.post("ideas", json={"title": "Long read", "body": "Text " * 400}).get_json()
    here = f"/ideas/{idea['id']}"
    flagged = form_post(other_member, f"{here}/flag", {"reason": "off_topic", "next": here})
    assert flagged.headers["Location"] == f"{here}#idea-controls"
    assert 'id="idea-controls"' in page(other_member, here)
    hid = form_post(facilitator, f"{here}/hide", {"reason": "Off topic", "next": here})
    assert hid.headers["Location"] == f"{here}#idea-controls"
    shown = form_post(facilitator, f"{here}/hide", {"hide": "0", "next": here})
    assert shown.headers["Location"] == f"{here}#idea-controls"


def test_marking_an_idea_done_on_its_page_says_so(member):
    """The button only changed its label: nothing said the idea was done, or open again."""
    idea = member.post("ideas", json={"title": "Staff picks", "body": ""}).get_json()
    here = f"/ideas/{idea['id']}"
    for done, said in (("1", "Your idea is done."), ("0", "Your idea is open again.")):
        response = form_post(member, f"{here}/done", {"done": done})
        assert response.headers["Location"] == f"{here}#publications"
        assert said in page(member, here)
