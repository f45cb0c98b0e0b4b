"""The browser's own form messages speak the page's language, not the browser's: a German
page in an English browser said "Please fill out this field." in its bubbles and "Choose
File / No file chosen" beside its image fields. static/js/validity.js gives each field
the catalog's sentence for what is wrong, and takes it back as soon as the field is fixed.

Every browser here is English (`locale="en-US"`); the pages are German because the person
chose German, or, for a stranger, because the browser asks for German pages first.
With BOARD_UPDATE_SCREENSHOTS=1 the pictures go to docs/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import STILL, screenshot, unique, wait_until_live

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}
# A day as the page's language writes it: "4. Apr. 2026", "4. Mai 2026".
GERMAN_DAY = r"\d{1,2}\. \w+\.? \d{4}"


def message(field) -> str:
    return field.evaluate("f => f.validationMessage")


def is_valid(field) -> bool:
    return field.evaluate("f => f.validity.valid")


def type_past_maxlength(field, length: int) -> None:
    """What was typed comes back longer than the field's maxlength (as a refused form
    may bring it), and the person edits it: only then does a browser call it too long."""
    field.evaluate("(f, n) => { f.value = 'x'.repeat(n); }", length + 1)
    field.press("End")
    field.press("Backspace")


@pytest.fixture
def german_member(person, api_as):
    member = person("member", "Marketing")
    api_as(member).call("PATCH", "me", {"language": "de"}, expect=200)
    return member


def test_a_german_page_in_an_english_browser_says_what_is_missing_in_german(
    german_member, open_page
):
    page = open_page(german_member, "/")
    assert page.evaluate("navigator.language") == "en-US"
    page.locator("#new-idea > summary").click()
    title = page.locator('#new-idea input[name="title"]')
    submit = page.locator('#new-idea button[type="submit"]')

    submit.click()  # the browser stops the form at the empty title, with its bubble
    expect(title).to_be_focused()
    assert message(title) == "Bitte fülle dieses Feld aus."
    title.fill("Quiz")
    assert is_valid(title) and message(title) == ""  # fixed, valid at once

    body = page.locator('#new-idea textarea[name="body"]')  # maxlength 20000
    type_past_maxlength(body, 20_001)
    submit.click()
    expect(body).to_be_focused()
    assert message(body) == "Bitte verwende höchstens 20.000 Zeichen (jetzt 20.001)."
    body.press("Backspace")  # 20,000: allowed
    assert is_valid(body) and message(body) == ""
    assert page.js_errors == []


def test_a_bad_address_and_a_day_out_of_bounds_are_named_in_german(
    german_member, api_as, open_page
):
    idea = api_as(german_member).post_idea(unique("Trail film for the newsletter"))
    page = open_page(german_member, f"/ideas/{idea['id']}")
    page.locator("#new-publication > summary").click()
    url = page.locator('#new-publication input[name="url"]')
    day = page.locator('#new-publication input[name="published_on"]')
    submit = page.locator('#new-publication button[type="submit"]')

    url.fill("instagram.com/p/trail")
    submit.click()
    assert message(url) == (
        "Bitte gib eine vollständige Adresse ein, zum Beispiel https://example.com/seite."
    )
    url.fill("https://instagram.com/p/trail")
    assert is_valid(url)

    day.fill("2099-01-01")  # past the field's max
    submit.click()
    expect(day).to_be_focused()
    assert re.fullmatch(
        rf"Bitte wähle einen Tag vom {GERMAN_DAY} bis zum {GERMAN_DAY}\.", message(day)
    ), message(day)
    day.fill("")  # empty: today
    assert is_valid(day)


def test_a_strangers_german_page_checks_an_email_address_in_german(new_context):
    """Registration checks addresses on the server (novalidate: the browser's own check
    refuses umlauts); a script asking the field still hears German."""
    context = new_context(None)  # English, and German first for pages (its settings)
    context.route(
        "**/*",
        lambda route: route.continue_(
            headers={**route.request.headers, "accept-language": "de,en-US;q=0.8"}
        ),
    )
    page = context.new_page()
    page.goto("/register")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    email = page.locator("#email")
    email.fill("mara.example.com")
    assert not email.evaluate("f => f.checkValidity()")
    assert message(email) == "Eine E-Mail-Adresse braucht ein @, wie in name@example.com."
    email.fill("mara@")
    email.evaluate("f => f.checkValidity()")
    assert message(email) == (
        "Bitte gib eine vollständige E-Mail-Adresse ein, zum Beispiel name@example.com."
    )
    email.fill("mara@example.com")
    assert is_valid(email) and message(email) == ""


def test_an_english_page_says_it_in_the_boards_english(person, open_page):
    page = open_page(person("member", "IT"), "/")
    page.locator("#new-idea > summary").click()
    title = page.locator('#new-idea input[name="title"]')
    page.locator('#new-idea button[type="submit"]').click()
    assert message(title) == "Please fill in this field."  # Chromium says "fill out"
    type_past_maxlength(title, 201)
    title.evaluate("f => f.checkValidity()")
    assert message(title) == "Please use at most 200 characters (now 201)."
    title.fill("Quiz night")
    assert is_valid(title)
    expect(page.locator("#new-idea .file-button")).to_have_text("Choose an image")
    expect(page.locator("#new-idea .file-chosen")).to_have_text("No image chosen")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_image_chooser_speaks_german_and_names_the_chosen_file(
    german_member, open_page, tmp_path, viewport
):
    page = open_page(german_member, "/", viewport=viewport, **STILL)
    wait_until_live(page)  # the presence line is in: the page stands still
    page.locator("#new-idea > summary").click()
    image = page.locator("#new-idea-image")
    button = page.locator("#new-idea .file-button")
    chosen = page.locator("#new-idea .file-chosen")
    expect(button).to_have_text("Bild auswählen")
    expect(button).to_be_visible()
    expect(chosen).to_have_text("Kein Bild ausgewählt")
    # A screen reader hears the field's label and the chooser's line, in German.
    expect(image).to_have_accessible_name(re.compile(r"^Bild hinzufügen"))
    expect(image).to_have_accessible_description("Kein Bild ausgewählt")
    # and nothing twice: the button and line it sees are the input's, not more to read
    expect(page.locator("#new-idea .file-chooser")).to_match_aria_snapshot(
        "- button /^Bild hinzufügen/"
    )
    page.locator("#new-idea input[name=title]").fill("Trail quiz")
    wide = "phone" if viewport is PHONE else "desktop"
    page.locator("#new-idea").scroll_into_view_if_needed()
    screenshot(page, tmp_path, f"form-messages-{wide}-de")

    # A click where the button shows opens the chooser (the real input takes it: no
    # actionability check, which would call the input in the way).
    with page.expect_file_chooser() as chooser:
        button.click(force=True)
    picture = tmp_path / "trail-run-at-dawn-above-the-fjord.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")  # its name is what counts here
    chooser.value.set_files(str(picture))
    expect(chosen).to_have_text(picture.name)
    expect(image).to_have_accessible_description(picture.name)

    image.focus()  # the keyboard reaches the real field, and the button shows it
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(image).to_be_focused()
    assert button.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    screenshot(page, tmp_path, f"form-messages-chosen-{wide}-de", for_docs=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
