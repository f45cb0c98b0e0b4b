"""A board filtered by tag or by words follows an edited idea as its reload would show it:
an idea that now matches comes in at its place, one that no longer matches leaves; the
keyboard stays in the list and the status line tells screen readers."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    idea_card,
    last_seq,
    unique,
    unique_name,
    wait_until_applied,
    wait_until_live,
)

pytestmark = pytest.mark.browser


def shown_ids(page) -> list[int]:
    return page.locator("#idea-list .idea-card").evaluate_all(
        "cards => cards.map(card => Number(card.dataset.ideaId))"
    )


def status_line(page):
    return page.locator("#more-ideas-status")


def test_an_edited_idea_enters_and_leaves_a_board_filtered_by_tag(person, api_as, open_page):
    author = api_as(person("member", "Marketing", name=unique_name("mara")))
    tag = unique_name("booth")
    older = author.post_idea(unique("Booth map"), tags=[tag])
    untagged = author.post_idea(unique("Trade fair reel"), tags=["video"])
    newest = author.post_idea(unique("Booth snacks"), tags=[tag])
    viewer = person("member", "IT", name=unique_name("ivan"))
    path = f"/?sort=new&tag={tag}"
    page = open_page(viewer, path)
    wait_until_live(page)
    assert shown_ids(page) == [newest["id"], older["id"]]
    api_as(viewer).vote(older["id"])
    page.reload()
    wait_until_live(page)
    idea_card(page, newest["id"]).locator("[data-field=title]").focus()

    author.call("PATCH", f"ideas/{newest['id']}", {"tags": ["food"]}, expect=200)
    expect(idea_card(page, newest["id"])).to_have_count(0)
    expect(idea_card(page, older["id"]).locator("[data-field=title]")).to_be_focused()
    expect(status_line(page)).to_have_text(
        f"“{newest['title']}” no longer matches the filters and left the list."
    )
    expect(page.locator("#idea-count")).to_have_text("1")

    author.comment(untagged["id"], "Seen on the fair's own channel.")  # while not shown
    author.call("PATCH", f"ideas/{untagged['id']}", {"tags": ["video", tag]}, expect=200)
    expect(idea_card(page, untagged["id"])).to_be_visible()
    assert shown_ids(page) == [untagged["id"], older["id"]]  # newest first, as sorted
    expect(status_line(page)).to_have_text(
        f"“{untagged['title']}” now matches the filters and was added to the list."
    )
    expect(page.locator("#idea-count")).to_have_text("2")
    expect(idea_card(page, older["id"]).locator("[data-field=title]")).to_be_focused()
    # the card is the one a reload shows (its comments, the viewer's vote on the other)
    expect(idea_card(page, untagged["id"]).locator("[data-field=comments]")).to_have_text(
        "1 comment"
    )
    live = page.locator("#idea-list").inner_text()
    page.goto(path)
    assert page.locator("#idea-list").inner_text() == live
    assert page.js_errors == []


def test_an_edited_idea_enters_and_leaves_a_board_searched_by_words(person, api_as, open_page):
    author = api_as(person("member", "Logistics"))
    word = unique_name("Lagerkatze")
    idea = author.post_idea(unique("Fotos aus dem Archiv"), body="Alte Bilder.")
    page = open_page(person("member", "IT"), f"/?q={quote(word)}")
    wait_until_live(page)
    expect(page.locator("#ideas-empty")).to_be_visible()

    author.call(
        "PATCH", f"ideas/{idea['id']}", {"body": f"Alte Bilder mit der {word}."}, expect=200
    )
    expect(idea_card(page, idea["id"])).to_be_visible()
    expect(page.locator("#ideas-empty")).to_be_hidden()

    author.call("PATCH", f"ideas/{idea['id']}", {"body": "Alte Bilder, ohne Katze."}, expect=200)
    expect(idea_card(page, idea["id"])).to_have_count(0)
    expect(page.locator("#ideas-empty")).to_be_visible()
    expect(status_line(page)).to_have_text(
        f"“{idea['title']}” no longer matches the filters and left the list."
    )
    assert page.js_errors == []


def test_a_hidden_idea_edited_by_its_author_stays_on_a_filtered_board(person, api_as, open_page):
    """The event of a hidden idea carries none of its words or tags: the page cannot judge
    the filter by it, and leaves the card where the reload shows it too."""
    author = api_as(person("member", "Marketing", name=unique_name("nora")))
    tag = unique_name("booth")
    idea = author.post_idea(unique("Booth map"), tags=[tag])
    api_as(person("facilitator", "Communications")).call(
        "PUT", f"ideas/{idea['id']}/hidden", {"reason": "Names a customer."}, expect=200
    )
    page = open_page(person("member", "IT", name=unique_name("otto")), f"/?tag={tag}")
    wait_until_live(page)
    expect(idea_card(page, idea["id"])).to_be_visible()
    author.call("PATCH", f"ideas/{idea['id']}", {"body": "Without the name."}, expect=200)
    wait_until_applied(page, last_seq(author))
    expect(idea_card(page, idea["id"])).to_be_visible()
    page.reload()
    expect(idea_card(page, idea["id"])).to_be_visible()
    assert page.js_errors == []
