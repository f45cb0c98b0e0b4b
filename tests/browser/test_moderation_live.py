"""Moderation in the open and images, as people see them (issue 17): flags from three
departments hide an idea on every open board at once, with the reason; the facilitator
shows it again and hides it with their own words, live on the board and in the feed; an
image attached in the comment form shows in the comment, here and on another open page.

With BOARD_UPDATE_SCREENSHOTS=1 the photos taken on the way go to docs/screenshots/.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image as PILImage
from playwright.sync_api import expect

from tests.browser.helpers import idea_card, screenshot, unique, wait_until_live

pytestmark = pytest.mark.browser


def test_flags_from_three_departments_then_the_facilitator_hide_live(
    person, api_as, open_page, tmp_path
):
    author = api_as(person("member", "Marketing"))
    flaggers = [person("member", "Sales"), person("member", "IT")]
    third = person("member", "Legal")
    facilitator_person = person("facilitator", "Communications")
    facilitator = api_as(facilitator_person)
    title = unique("Teaser: product launch on 4 May")
    idea = author.post_idea(title, "Our secret launch date is 4 May.")

    watcher = open_page(person("observer", "Sales"), "/")
    colleague = open_page(person("member", "HR"), f"/ideas/{idea['id']}")
    feed = open_page(person("member", "Finance"), "/feed")
    for page in (watcher, colleague, feed):
        wait_until_live(page)
    expect(idea_card(watcher, idea["id"]).locator("[data-field=title]")).to_have_text(title)

    for flagger in flaggers:
        api_as(flagger).call(
            "POST", f"ideas/{idea['id']}/flags", {"reason": "confidential"}, expect=201
        )
    # the third department flags on the page itself
    flagging = open_page(third, f"/ideas/{idea['id']}")
    flagging.locator(".idea-controls summary", has_text="Flag").click()
    flagging.get_by_label("confidential").check()
    flagging.get_by_role("button", name="Send the flag").click()
    expect(flagging.locator(".flash")).to_contain_text("The facilitator will have a look")

    card = idea_card(watcher, idea["id"])
    expect(card.locator("[data-field=hidden]")).to_have_text(
        "Hidden after flags from several departments: confidential"
    )
    expect(card.locator("[data-field=title]")).to_have_text("Hidden idea")
    expect(card.locator("[data-field=excerpt]")).to_have_text("")
    expect(colleague.locator("#hidden-notice")).to_be_visible()
    expect(colleague.locator(".idea-detail [data-field=body]")).not_to_contain_text("4 May")
    expect(feed.locator("main")).to_contain_text("hidden after flags from 3 departments")
    screenshot(watcher, tmp_path, "moderation-hidden-by-flags")

    # the facilitator shows it again, then hides it with their own words, on the page
    facilitator.call("DELETE", f"ideas/{idea['id']}/hidden", expect=200)
    expect(card.locator("[data-field=title]")).to_have_text(title)
    expect(card.locator("[data-field=hidden]")).to_be_hidden()
    sam = open_page(facilitator_person, f"/ideas/{idea['id']}")
    sam.locator(".idea-controls summary", has_text="Hide").click()
    sam.get_by_label("Why? Everyone will read this reason.").fill("confidential launch date")
    sam.get_by_role("button", name="Hide it").click()
    expect(sam.locator("#hidden-notice")).to_have_text(
        "Hidden by the facilitator: confidential launch date"
    )
    expect(card.locator("[data-field=hidden]")).to_have_text(
        "Hidden by the facilitator: confidential launch date"
    )
    expect(feed.locator("main")).to_contain_text(
        "was hidden by the facilitator: confidential launch date"
    )
    # its author and the facilitator still read it; the others do not
    expect(sam.locator(".idea-detail [data-field=body]")).to_contain_text("4 May")
    screenshot(watcher, tmp_path, "moderation-board")
    feed.locator(
        "main li", has_text="was hidden by the facilitator"
    ).first.scroll_into_view_if_needed()
    screenshot(feed, tmp_path, "moderation-feed")
    moderation = open_page(facilitator_person, "/moderation")
    expect(moderation.locator("main")).to_contain_text("confidential")
    screenshot(moderation, tmp_path, "moderation-flags")
    for page in (watcher, colleague, feed, flagging, sam):
        assert page.js_errors == []


def test_an_image_attached_on_the_page_shows_in_the_comment_live(
    person, api_as, open_page, tmp_path
):
    author = api_as(person("member", "Marketing"))
    idea = author.post_idea(unique("Poster for the trade fair"), "Which colour?")
    reader = open_page(person("member", "Sales"), f"/ideas/{idea['id']}")
    wait_until_live(reader)

    picture = tmp_path / "poster.png"
    out = io.BytesIO()
    PILImage.new("RGB", (320, 200), (20, 110, 180)).save(out, "PNG")
    picture.write_bytes(out.getvalue())

    writer = open_page(person("member", "IT"), f"/ideas/{idea['id']}")
    writer.locator("#comment-body").fill("The blue one, like this:")
    writer.locator("#comment-image").set_input_files(str(picture))
    writer.get_by_role("button", name="Comment", exact=True).click()
    image = writer.locator("#comment-list .comment img")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("src", re.compile(r"^/images/\d+$"))
    writer.wait_for_function(  # loaded and decoded: the stored picture, not a broken link
        "img => img.complete && img.naturalWidth === 320", arg=image.element_handle()
    )

    live = reader.locator("#comment-list .comment img")
    expect(live).to_have_count(1)
    reader.wait_for_function(
        "() => { const i = document.querySelector('#comment-list .comment img');"
        " return i && i.complete && i.naturalWidth === 320; }"
    )
    screenshot(reader, tmp_path, "image-comment")
    for page in (reader, writer):
        assert page.js_errors == []


def test_an_image_posted_with_an_idea_shows_on_the_card_live(person, open_page, tmp_path):
    watcher = open_page(person("member", "Sales"), "/")
    wait_until_live(watcher)
    picture = tmp_path / "booth.png"
    out = io.BytesIO()
    PILImage.new("RGB", (640, 360), (230, 120, 40)).save(out, "PNG")
    picture.write_bytes(out.getvalue())

    poster = open_page(person("member", "Marketing"), "/")
    title = unique("Our booth, from above")
    poster.locator("#new-idea summary").click()
    poster.locator("#new-idea input[name=title]").fill(title)
    poster.locator("#new-idea-image").set_input_files(str(picture))
    poster.get_by_role("button", name="Post idea").click()
    expect(poster.locator("h1")).to_have_text(title)

    card = watcher.locator("#idea-list .idea-card", has_text=title)
    thumb = card.locator("img.idea-thumb")
    expect(thumb).to_have_attribute("src", re.compile(r"^/images/\d+$"))
    # the thumbnail loads lazily: on a busy shared board the new card may be far below the fold
    card.scroll_into_view_if_needed()
    expect(thumb).to_be_visible()
    watcher.wait_for_function(
        "title => [...document.querySelectorAll('#idea-list .idea-card')]"
        ".some(c => c.textContent.includes(title)"
        " && c.querySelector('img.idea-thumb').naturalWidth === 640)",
        arg=title,
    )
    screenshot(watcher, tmp_path, "image-card")
    assert watcher.js_errors == []


def test_the_flags_page_on_a_phone_in_german(person, api_as, open_page):
    """The facilitator's list of flags, at 360 px in German: each flagged thing a box with
    nothing in front of it (a square list bullet sat at the screen's edge, cut in half,
    beside every box) and a flag's own words in German quotation marks („…“, not “…”)."""
    author = api_as(person("member", "Marketing"))
    idea = author.post_idea(unique("Newsletter aus den Bergen"))
    api_as(person("member", "IT")).call(
        "POST",
        f"ideas/{idea['id']}/flags",
        {"reason": "other", "note": "Klingt nach Werbung"},
        expect=201,
    )
    page = open_page(
        person("facilitator", "Communications"),
        "/moderation",
        viewport={"width": 360, "height": 740},
        locale="de-DE",
    )
    item = page.locator(f"#flagged-idea-{idea['id']}")
    expect(item).to_contain_text("etwas anderes: „Klingt nach Werbung“")
    markers = page.evaluate(
        """() => [...document.querySelectorAll(".moderation-list > li")].map(
             (li) => getComputedStyle(li).listStyleType)"""
    )
    assert markers and set(markers) == {"none"}, markers
    box = item.bounding_box()
    assert box["x"] >= 8 and box["x"] + box["width"] <= 352, box
