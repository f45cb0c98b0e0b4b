"""Keyboard only: a member logs in, posts an idea, votes and claims a task without a mouse."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import tab_to, unique, wait_until_live

pytestmark = pytest.mark.browser


def test_a_member_can_do_everything_with_the_keyboard(person, new_context, api_as):
    member = person("member", "Support")
    colleague = api_as(person("member", "IT"))
    page = new_context().new_page()
    keyboard = page.keyboard

    page.goto("/login")
    expect(page.get_by_label("Email")).to_be_focused()
    keyboard.type(member.email)
    keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    keyboard.type(member.password)
    keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-page", "board")
    wait_until_live(page)

    title = unique("Weekly employee spotlight")
    tab_to(page, "#new-idea > summary")
    keyboard.press("Enter")
    expect(page.locator("#new-idea")).to_have_attribute("open", "")
    tab_to(page, '#new-idea input[name="title"]')
    keyboard.type(title)
    tab_to(page, '#new-idea textarea[name="body"]')
    keyboard.type("One colleague, one photo, one question. Every Friday.")
    tab_to(page, '#new-idea input[name="tags"]')
    keyboard.type("linkedin")
    tab_to(page, '#new-idea button[type="submit"]')
    keyboard.press("Enter")

    expect(page.locator("h1.idea-title")).to_have_text(title)
    idea_id = int(page.locator("[data-idea-page]").get_attribute("data-idea-page"))
    wait_until_live(page)
    tab_to(page, ".idea-aside button.vote-button")
    keyboard.press("Enter")
    expect(page.locator('.idea-aside [data-field="votes"]')).to_have_text("1")
    expect(page.locator(".idea-aside button.vote-button")).to_have_attribute("aria-pressed", "true")

    # A colleague turns the idea into a task; it arrives live and is claimed by keyboard.
    task = colleague.create_task(unique("Photograph the first colleague"), idea_id=idea_id)
    claim = f'.task-card[data-task-id="{task["id"]}"] button[data-action="claim"]'
    expect(page.locator(claim)).to_be_visible()
    tab_to(page, claim)
    keyboard.press("Enter")
    card = page.locator(f'.task-card[data-task-id="{task["id"]}"]')
    expect(card.locator('[data-field="claim"]')).to_contain_text("Claimed by you")
    assert colleague.call("GET", f"tasks/{task['id']}", expect=200)["claimed_by"]["id"] == member.id
