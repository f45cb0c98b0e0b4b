"""Reaching people in the browser: @-mention autocomplete by keyboard, and the header's
badge and a toast arriving live when someone mentions you."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique, wait_until_live

pytestmark = pytest.mark.browser


def handle_of(api) -> str:
    return api.call("GET", "/me", expect=200)["user"]["handle"]


def test_mention_autocomplete_shows_names_and_departments_and_works_by_keyboard(
    person, open_page, api_as
):
    writer = person("member", "Marketing")
    jonas = person("member", "Product Design", name=unique("jonasx").lower().replace(" ", ""))
    handle = handle_of(api_as(jonas))
    idea = api_as(writer).post_idea(unique("Booth reel"))
    page = open_page(writer, f"/ideas/{idea['id']}")
    field = page.locator("#comment-body")
    field.click()
    field.press_sequentially("Can you help, @" + handle[:5], delay=30)
    option = page.locator(".mention-option").filter(has_text=f"@{handle}")
    expect(option).to_be_visible()
    expect(option).to_contain_text(jonas.name)
    expect(option).to_contain_text("Product Design")
    # a textarea may not carry aria-expanded; the highlighted option is its active descendant
    expect(field).to_have_attribute("aria-activedescendant", re.compile(r"\S"))
    field.press("ArrowDown")
    field.press("ArrowUp")
    field.press("Enter")  # picks the highlighted person, does not submit
    expect(field).to_have_value(f"Can you help, @{handle} ")
    expect(page.locator("#comment-body + .mention-list")).to_be_hidden()
    field.press_sequentially("please?")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator(f'#comment-list a[href="/people/{handle}"]')).to_be_visible()


def test_a_live_toast_speaks_the_browsers_language_to_someone_who_chose_none(
    person, open_page, api_as
):
    writer = person("member", "Marketing")
    reader = person("member", "IT")  # no language chosen: the German browser decides
    page = open_page(reader, "/", locale="de-DE")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    wait_until_live(page)
    title = unique("Messe")
    api_as(writer).post_idea(title, body=f"Was meinst du, @{handle_of(api_as(reader))}?")
    expect(page.locator("#toasts")).to_contain_text(f"hat dich in „{title}“ erwähnt")


def test_on_a_phone_the_inbox_sentence_keeps_the_width_and_the_button_goes_below(
    person, open_page, api_as
):
    writer = person("member", "Marketing")
    reader = person("member", "IT")
    title = unique("Messe-Reel mit Kundenstimmen")
    api_as(writer).post_idea(title, body=f"Was meinst du, @{handle_of(api_as(reader))}?")
    page = open_page(reader, "/notifications", viewport={"width": 360, "height": 740})
    item = page.locator(".inbox-item.unread", has_text=title)
    sentence = item.locator(".inbox-text").bounding_box()
    button = item.get_by_role("button", name="Mark as read").bounding_box()
    whole = item.bounding_box()
    assert sentence["width"] >= 0.8 * whole["width"], (sentence, whole)  # not squeezed
    assert button["y"] >= sentence["y"] + sentence["height"]  # below it, not beside it


def test_a_mention_lights_the_badge_and_shows_a_toast_live(person, open_page, api_as):
    writer = person("member", "Marketing")
    reader = person("member", "IT")
    page = open_page(reader, "/")
    wait_until_live(page)
    badge = page.locator("#notification-badge")
    expect(badge).to_be_hidden()
    title = unique("Trade fair")
    api_as(writer).post_idea(title, body=f"What do you think, @{handle_of(api_as(reader))}?")
    expect(badge).to_be_visible()
    expect(badge.locator('[data-field="count"]')).to_have_text("1")
    expect(page.locator("#toasts")).to_contain_text(f"mentioned you in “{title}”")
    page.goto("/notifications")
    expect(page.locator(".inbox-item.unread")).to_have_count(1)
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".inbox-item.unread")).to_have_count(0)
    expect(badge).to_be_hidden()


def test_marking_read_in_the_inbox_updates_the_ideas_count_and_keeps_the_keyboard_place(
    person, open_page, api_as
):
    writer = person("member", "Marketing")
    reader = person("member", "IT")
    handle = handle_of(api_as(reader))
    title = unique("Booth reel")
    idea = api_as(writer).post_idea(title, body=f"@{handle}, what do you think?")
    api_as(writer).call(
        "POST", f"ideas/{idea['id']}/comments", {"body": f"@{handle} and now?"}, expect=201
    )
    page = open_page(reader, "/notifications")
    group = page.locator(".inbox-group", has_text=title)
    count = group.locator(".inbox-group-title .badge")
    expect(count).to_have_text("2")
    button = group.get_by_role("button", name="Mark as read").first
    button.focus()
    page.keyboard.press("Enter")
    expect(count).to_have_text("1")  # not the 2 it said before
    expect(page.locator("#notification-badge [data-field=count]")).to_have_text("1")
    # The pressed button is gone; the focus is on what was just read, not lost to the page.
    expect(group.locator(".inbox-item.read .inbox-text")).to_be_focused()
    group.get_by_role("button", name="Mark as read").click()
    expect(count).to_be_hidden()
    expect(group).not_to_have_class(re.compile(r"\bhas-unread\b"))
    expect(page.get_by_role("button", name="Mark all as read")).to_be_hidden()
