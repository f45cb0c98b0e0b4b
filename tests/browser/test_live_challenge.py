"""A challenge posted while a member's board is open arrives with its deadline and vote
rules, worded exactly as the card the server renders on a reload, in English and German,
on a phone and on a desktop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique, wait_until_live

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}
CARD_TEXT_JS = """card => ({
  phase: card.querySelector('[data-field="phase"]').textContent.replace(/\\s+/g, " ").trim(),
  title: card.querySelector('[data-field="phase"]').title,
  rules: card.querySelector('[data-field="rules"]').textContent.replace(/\\s+/g, " ").trim(),
})"""
WORDING = {
    "en": (
        "Collecting ideas · closes in 3 days",
        "2 votes per person · tallies hidden until it closes",
    ),
    "de": (
        "Ideen gesucht · endet in 3 Tagen",
        "2 Stimmen pro Person · Stimmenzahlen bis zum Ende verborgen",
    ),
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_a_challenge_arriving_live_shows_its_deadline_and_rules(
    person, api_as, open_page, language, viewport
):
    member = person("member", "IT")
    api_as(member).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(member, "/", viewport=viewport)
    wait_until_live(page)

    now = datetime.now(UTC)
    challenge = api_as(person("facilitator", "Communications")).call(
        "POST",
        "prompts",
        {
            "kind": "challenge",
            "title": unique("Best photo spot on the trail"),
            "body": "Two votes each; the tallies stay hidden until it closes.",
            # an hour past three days: "in 3 days" on both sides of a slow test
            "submissions_close_at": (now + timedelta(days=3, hours=1)).isoformat(),
            "voting_close_at": (now + timedelta(days=5)).isoformat(),
            "hide_tallies": True,
            "votes_per_person": 2,
        },
        expect=201,
    )
    card = page.locator(f'#strip-list .strip-card[data-prompt-id="{challenge["id"]}"]')
    expect(card).to_be_visible()
    live = card.evaluate(CARD_TEXT_JS)
    phase, rules = WORDING[language]
    assert live["phase"] == phase, live
    assert live["rules"] == rules, live
    assert live["title"], "the exact deadline is in the card's tooltip"
    page.wait_for_function(  # nothing scrolls sideways once it is in view
        "w => document.documentElement.scrollWidth <= w", arg=viewport["width"], timeout=5_000
    )
    box = card.bounding_box()  # in view, not scrolled away in the phone's carousel
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]

    page.reload()
    loaded = page.locator(f'#strip-list .strip-card[data-prompt-id="{challenge["id"]}"]').evaluate(
        CARD_TEXT_JS
    )
    assert live == loaded
    assert page.js_errors == []
