"""A comment that arrives live gets the controls a loaded one has: its author edits or
deletes it, everyone else taking part flags it, all without reloading the page first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import mark_page, still_same_document, unique, wait_until_live

pytestmark = pytest.mark.browser


def test_a_live_comment_has_its_authors_and_the_readers_controls(
    board_server, person, api_as, open_page
):
    author = person("member", "Marketing")
    reader = person("member", "IT")
    idea = api_as(reader).post_idea(unique("Reel from the trade fair"))
    path = f"/ideas/{idea['id']}"
    author_page = open_page(author, path)
    reader_page = open_page(reader, path)
    for page in (author_page, reader_page):
        wait_until_live(page)
        mark_page(page)

    said = api_as(author).comment(idea["id"], "Frist take: the booth at 9 am")
    cid = said["id"]
    mine = author_page.locator(f"#comment-{cid}")
    theirs = reader_page.locator(f"#comment-{cid}")
    expect(mine.locator(".comment-body")).to_contain_text("Frist take")
    expect(theirs.locator(".comment-body")).to_contain_text("Frist take")
    assert still_same_document(author_page) and still_same_document(reader_page)

    # The author: edit and delete, no flag for their own words.
    expect(mine.locator(".flag-details")).to_have_count(0)
    mine.locator("details[data-show-when=own] > summary").click()
    box = mine.locator("textarea[name=body]")
    expect(box).to_have_value("Frist take: the booth at 9 am")
    expect(mine.locator("form[action$='/delete'] button")).to_be_visible()
    # The reader: a flag, no edit or delete of someone else's comment.
    expect(theirs.locator("details[data-show-when=own]")).to_have_count(0)
    expect(theirs.locator(".hide-details")).to_have_count(0)  # hiding is the facilitator's
    # its flag says whose comment it is, as a loaded comment's does (the template's ids,
    # comment 0's, made this comment's)
    flag = theirs.locator(".flag-details > summary")
    expect(flag).to_have_attribute("aria-describedby", f"comment-{cid}-meta")
    expect(theirs.locator(f"#comment-{cid}-meta")).to_contain_text(author.name)
    theirs.locator(".flag-details > summary").click()
    theirs.locator("input[name=reason][value=off_topic]").check()
    theirs.locator(".flag-form button[type=submit]").click()
    expect(reader_page.locator(".flash-success")).to_be_visible()

    box.fill("First take: the booth at 9 am")
    mine.locator("form[action$='/edit'] button[type=submit]").click()
    expect(author_page.locator(".flash-success")).to_be_visible()
    expect(author_page.locator(f"#comment-{cid} .comment-body")).to_have_text(
        "First take: the booth at 9 am"
    )
    expect(author_page.locator(f"#comment-{cid} [data-field=edited]")).to_be_visible()

    sam = api_as(board_server.people["sam"])
    # by kind and id: an idea of another test on the shared server may have this id too
    flagged = [
        f
        for f in sam.call("GET", "flags", expect=200)["items"]
        if (f["target_kind"], f["target_id"]) == ("comment", cid)
    ]
    assert [[x["reason"] for x in f["flags"]] for f in flagged] == [["off_topic"]]


def test_the_facilitator_can_hide_a_comment_that_arrived_live(
    board_server, person, api_as, open_page
):
    author = person("member", "Sales")
    idea = api_as(author).post_idea(unique("Customer quote"))
    facilitator = board_server.people["sam"]
    page = open_page(facilitator, f"/ideas/{idea['id']}")
    wait_until_live(page)
    said = api_as(author).comment(idea["id"], "Our biggest client's name is Acme")
    item = page.locator(f"#comment-{said['id']}")
    expect(item.locator(".comment-body")).to_contain_text("Acme")
    item.locator(".hide-details > summary").click()
    item.locator(".hide-form input[name=reason]").fill("names a client")
    item.locator(".hide-form button[type=submit]").click()
    expect(page.locator(f"#comment-{said['id']} [data-field=placeholder]")).to_have_text(
        "Hidden by the facilitator: names a client"
    )
