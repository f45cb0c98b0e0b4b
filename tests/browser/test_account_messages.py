"""A form on My account or Your settings answers where it was used, with the keyboard on
its answer: the name form's "saved", the settings' "saved" and the erase form's refusal came
back with the focus on nothing (the next Tab started again at the menu), and a refused
erasure showed its message at the top of a long page, far from the form just used."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import tab_to

pytestmark = pytest.mark.browser


def focused_message(page) -> str:
    return page.evaluate(
        "document.activeElement.classList.contains('flash') ? document.activeElement.textContent : ''"
    )


def test_saving_my_name_puts_the_keyboard_on_saved(person, open_page):
    member = person("member", "Marketing")
    page = open_page(member, "/profile")
    page.locator("#display_name").fill("Mara Renamed")
    tab_to(page, "form[action='/profile'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/profile#profile-title")
    expect(page.locator(".flash-success")).to_have_text("Your profile is saved.")
    page.wait_for_function("document.activeElement.classList.contains('flash')")
    assert focused_message(page) == "Your profile is saved."
    assert page.js_errors == []


def test_saving_my_settings_puts_the_keyboard_on_saved(person, open_page):
    member = person("member", "Marketing")
    page = open_page(member, "/settings")
    tab_to(page, ".settings-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/settings#settings-title")
    page.wait_for_function("document.activeElement.classList.contains('flash')")
    assert focused_message(page) == "Your settings are saved."
    assert page.js_errors == []


def test_a_refused_erasure_is_answered_beside_the_erase_form(person, open_page):
    member = person("member", "Marketing")
    page = open_page(member, "/profile", viewport={"width": 360, "height": 740})
    page.locator("#erase_password").fill("not-my-password-at-all")
    page.locator("#erase-form input[type=checkbox]").check()
    tab_to(page, "#erase-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/profile#erase-title")
    page.wait_for_function("document.activeElement.classList.contains('flash')")
    message = "That is not your password, so your account is not erased."
    assert focused_message(page) == message
    # beside the form, in sight: just above the section's heading, not at the page's top
    placed = page.evaluate("document.querySelector('.flashes').nextElementSibling?.id")
    assert placed == "erase-title"
    box = page.locator(".flash-error").bounding_box()
    assert box is not None and 0 <= box["y"] < 740
    assert page.js_errors == []
