"""The language switch before login, by keyboard alone: a German employee on an English
browser turns the login page German, finds it so on the next page, and logs in to a German
board."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import tab_to, watched_page

pytestmark = pytest.mark.browser


def test_a_visitor_switches_the_login_page_to_german_with_the_keyboard(person, new_context):
    member = person("member", "Vertrieb")
    page = watched_page(new_context())  # an English browser, nobody logged in
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Email")).to_be_focused()
    switch = page.get_by_role("group", name="Language")
    expect(switch.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(switch.get_by_role("button", name="Deutsch")).to_have_attribute("lang", "de")

    tab_to(page, 'button[value="de"]', backwards=True)  # the switch stands before the form
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    switch = page.get_by_role("group", name="Sprache")
    expect(switch.get_by_role("button", name="Deutsch")).to_have_attribute("aria-pressed", "true")
    expect(switch.get_by_role("button", name="English")).to_have_attribute("lang", "en")

    # The next page keeps the choice: the registration link, by keyboard
    expect(page.get_by_label("E-Mail")).to_be_focused()
    tab_to(page, 'a[href^="/register"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Konto anlegen")).to_be_visible()
    page.go_back()

    # … and so does the board for someone who chose no language of their own
    expect(page.get_by_label("E-Mail")).to_be_focused()
    page.keyboard.type(member.email)
    page.keyboard.press("Tab")
    page.keyboard.type(member.password)
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-page", "board")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert page.js_errors == []
