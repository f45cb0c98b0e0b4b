"""A task's own page as the people on it use it: what belongs to whoever holds the task (the
plan form, the facilitator's nudge to them) follows the claim live, by keyboard, without a
reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import mark_page, still_same_document, unique, wait_until_live

pytestmark = pytest.mark.browser


def test_the_plan_form_and_the_nudge_follow_the_claim_live(person, api_as, open_page):
    """Claiming on the page showed the claim but no plan form until a reload; releasing left
    the plan form (whose "Save the plan" was then refused), and the facilitator's page kept
    offering a nudge to nobody, or none to the new claimant."""
    member = person("member", "Marketing")
    task = api_as(person("member", "IT")).create_task(unique("Cut the booth reel"))
    page = open_page(member, f"/tasks/{task['id']}")
    facilitator = open_page(person("facilitator", "Communications"), f"/tasks/{task['id']}")
    for each in (page, facilitator):
        wait_until_live(each)
        mark_page(each)
    plan = page.locator("#plan")
    nudge = facilitator.locator("details.nudge")
    expect(plan).to_be_hidden()
    expect(nudge).to_be_hidden()

    claim = page.locator("button[data-action=claim]")
    claim.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-field=status]")).to_have_text("Claimed")
    expect(plan).to_be_visible()
    expect(plan.get_by_label("Help wanted", exact=False)).to_be_visible()
    expect(nudge).to_be_visible()
    expect(facilitator.locator("button[data-action=claim]")).to_have_count(0)

    page.locator("button[data-action=release]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-field=status]")).to_have_text("Open")
    expect(plan).to_be_hidden()
    expect(nudge).to_be_hidden()
    assert still_same_document(page) and still_same_document(facilitator)
    assert page.js_errors == [] and facilitator.js_errors == []
