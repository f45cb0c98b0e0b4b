"""A refused form loses nothing: the page comes back with the form open, everything typed
still in it, and the error beside the field, naming what was wrong. Tags such as `c++`,
`my.tag` and `Q&A` are accepted, in the forms and in the API alike."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser

BAD_TAG = "launch!?"


def _field_error(page, form: str, field: str):
    return page.locator(f"#{form}-{field}-error")


def test_tags_with_marks_are_accepted_in_the_form_and_the_api(person, api_as, open_page):
    member = person("member", "IT")
    page = open_page(member, "/")
    page.locator("#new-idea > summary").click()
    title = unique("A C++ corner for our engineers")
    page.locator('#new-idea input[name="title"]').fill(title)
    page.locator('#new-idea input[name="tags"]').fill("c++, my.tag, Q&A, c#")
    page.locator('#new-idea button[type="submit"]').click()
    expect(page.locator("h1.idea-title")).to_have_text(title)
    expect(page.locator(".idea-head .tag")).to_have_text(["#c#", "#c++", "#my.tag", "#q&a"])
    # The tag link filters the board by exactly that tag.
    page.locator(".idea-head .tag", has_text="#q&a").click()
    expect(page.locator("#idea-list .idea-card", has_text=title)).to_have_count(1)
    idea = api_as(member).post_idea(unique("Dot tags by API"), tags=["node.js", "R&D", "c++"])
    assert sorted(idea["tags"]) == ["c++", "node.js", "r&d"]


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_refused_idea_keeps_what_was_typed_and_says_which_tag(
    person, api_as, open_page, language
):
    member = person("member", "Marketing")
    api_as(member).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(member, "/?sort=new")
    page.locator("#new-idea > summary").click()
    title = unique("Quiz night on Instagram")
    body = "Every Thursday, three questions.\n\n- one about products\n- two about people"
    page.locator('#new-idea input[name="title"]').fill(title)
    page.locator('#new-idea textarea[name="body"]').fill(body)
    page.locator('#new-idea input[name="tags"]').fill(f"instagram, {BAD_TAG}, Q&A")
    page.locator('#new-idea button[type="submit"]').click()

    expect(page.locator("#new-idea")).to_have_attribute("open", "")
    expect(page.locator('#new-idea input[name="title"]')).to_have_value(title)
    expect(page.locator('#new-idea textarea[name="body"]')).to_have_value(body)
    tags = page.locator('#new-idea input[name="tags"]')
    expect(tags).to_have_value(f"instagram, {BAD_TAG}, Q&A")
    expect(tags).to_have_attribute("aria-invalid", "true")
    expect(tags).to_be_focused()  # the field is where the reader is, not scrolled away
    error = _field_error(page, "idea", "tags")
    expect(error).to_be_visible()
    expect(error).to_contain_text(BAD_TAG)
    expect(error).to_contain_text("Schlagwort" if language == "de" else "tag")
    assert error.evaluate("e => e.closest('label').querySelector('input[name=tags]') !== null")
    # Nothing was posted, and fixing the tag posts the idea with everything typed.
    assert page.locator("#idea-list .idea-card", has_text=title).count() == 0
    tags.fill("instagram, quiz")
    page.locator('#new-idea button[type="submit"]').click()
    expect(page.locator("h1.idea-title")).to_have_text(title)
    expect(page.locator(".idea-body li")).to_have_count(2)


def test_the_other_forms_keep_what_was_typed(person, api_as, open_page):
    author = person("member", "PR")
    idea = api_as(author).post_idea(unique("Behind the scenes of the trade fair"), tags=["fair"])
    page = open_page(author, f"/ideas/{idea['id']}")

    # Editing the idea with a bad tag: the edit form stays open with the new words.
    page.locator("#edit-idea > summary").click()
    page.locator('#edit-idea textarea[name="body"]').fill("Changed words that must survive.")
    page.locator('#edit-idea input[name="tags"]').fill(f"fair, {BAD_TAG}")
    page.locator('#edit-idea button[type="submit"]').click()
    expect(page.locator("#edit-idea")).to_have_attribute("open", "")
    expect(page.locator('#edit-idea textarea[name="body"]')).to_have_value(
        "Changed words that must survive."
    )
    expect(_field_error(page, "idea-edit", "tags")).to_contain_text(BAD_TAG)
    assert api_as(author).call("GET", f"ideas/{idea['id']}", expect=200)["tags"] == ["fair"]

    # A task whose title is only spaces: the description and the ticked channel stay.
    page.goto(f"/ideas/{idea['id']}")
    page.locator("#new-task > summary").click()
    page.locator('#new-task input[name="title"]').fill("   ")
    page.locator('#new-task textarea[name="description"]').fill("Film the stand set-up.")
    page.locator('#new-task input[name="channels"][value="linkedin"]').check()
    page.locator('#new-task button[type="submit"]').click()
    expect(page.locator("#new-task")).to_have_attribute("open", "")
    expect(page.locator('#new-task textarea[name="description"]')).to_have_value(
        "Film the stand set-up."
    )
    expect(page.locator('#new-task input[name="channels"][value="linkedin"]')).to_be_checked()
    expect(_field_error(page, "task", "title")).to_be_visible()

    # A comment of spaces only: the error sits beside the comment box.
    page.goto(f"/ideas/{idea['id']}")
    page.locator("#comment-body").fill("  \n  ")
    page.locator('#comment-form button[type="submit"]').click()
    expect(_field_error(page, "comment", "body")).to_be_visible()
    expect(page.locator("#comment-body")).to_have_attribute("aria-invalid", "true")
    # The page still works after the refusal: its other forms go back to the idea page.
    page.locator("#comment-body").fill("Now with words.")
    page.locator('#comment-form button[type="submit"]').click()
    expect(page.locator("#comment-list .comment", has_text="Now with words.")).to_have_count(1)


@pytest.mark.parametrize("path", ["/login", "/register", "/reset-password/no-such-link"])
def test_a_refusal_on_the_way_in_stands_apart_from_what_follows(person, new_context, path):
    """A wrong password or a dead reset link: the box saying so sat flush on the form's first
    label (or the button) under it. A taken address is said beside the e-mail field."""
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(path)
    if path != "/reset-password/no-such-link":
        page.get_by_label("Email").fill(person("member", "IT").email)  # taken, and not its password
        page.locator('input[name="password"]').fill("not the right password")
        if path == "/register":
            page.get_by_label("Your name").fill("Somebody Else")
            page.locator('select[name="department_id"]').select_option(index=1)
        page.locator('main button[type="submit"]').click()
    if path == "/register":
        # A taken address is said beside its field, not in a box above the form.
        expect(page.locator("#email-error")).to_be_visible()
        expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".auth-card .flash-error")).to_have_count(0)
        return
    alert = page.locator(".auth-card .flash-error")
    expect(alert).to_be_visible()
    gap = alert.evaluate(
        "e => e.nextElementSibling.getBoundingClientRect().top - e.getBoundingClientRect().bottom"
    )
    assert gap >= 8


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_refused_image_says_why_beside_the_image_field(
    person, api_as, open_page, tmp_path, language
):
    """A file that is no picture came back as a bare "The image was refused." above the
    form, the reason lost (the API names its upload `file`, the page's field is `image`)
    and the focus on nothing; the reason now stands beside the image field, which has it."""
    member = person("member", "Marketing")
    api_as(member).call("PATCH", "me", {"language": language}, expect=200)
    not_a_picture = tmp_path / "holiday.png"
    not_a_picture.write_bytes(b"these are words, not pixels")
    idea = api_as(member).post_idea(unique("Our stand at the trade fair"))

    page = open_page(member, "/")
    page.locator("#new-idea > summary").click()
    title = unique("A photo walk through the warehouse")
    page.locator('#new-idea input[name="title"]').fill(title)
    page.locator("#new-idea-image").set_input_files(str(not_a_picture))
    page.locator('#new-idea button[type="submit"]').click()
    expect(page.locator('#new-idea input[name="title"]')).to_have_value(title)
    image = page.locator("#new-idea-image")
    expect(image).to_have_attribute("aria-invalid", "true")
    expect(image).to_be_focused()
    error = _field_error(page, "idea", "image")
    expect(error).to_contain_text("PNG, JPEG, GIF" if language == "en" else "kein PNG-, JPEG-")
    # right below the field's chooser (the field and its button and line)
    assert error.evaluate(
        "e => e.previousElementSibling.contains(document.getElementById('new-idea-image'))"
    )

    page.goto(f"/ideas/{idea['id']}")
    page.locator("#comment-body").fill("Here is the floor plan.")
    page.locator("#comment-image").set_input_files(str(not_a_picture))
    page.locator('#comment-form button[type="submit"]').click()
    expect(page.locator("#comment-body")).to_have_value("Here is the floor plan.")
    expect(page.locator("#comment-image")).to_be_focused()
    expect(_field_error(page, "comment", "image")).to_be_visible()
