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


def test_an_idea_hidden_while_its_tasks_are_open_leaves_their_cards(person, api_as, open_page):
    """Its title is withheld from everyone but its author and the facilitator: the task cards
    and the task page that carry it out, open while it was hidden, went on showing it."""
    author = api_as(person("member", "Marketing"))
    title = unique("Launch on 4 May")
    idea = author.post_idea(title)
    claimant = person("member", "IT")
    task = api_as(claimant).create_task(unique("Teaser cut"), idea_id=idea["id"])
    api_as(claimant).claim(task["id"])
    pages = [
        open_page(claimant, path)
        for path in ("/tasks?status=claimed", "/my-tasks", f"/tasks/{task['id']}")
    ]
    for page in pages:
        wait_until_live(page)
        expect(page.locator("main")).to_contain_text(title)
    api_as(person("facilitator", "Communications")).call(
        "PUT", f"ideas/{idea['id']}/hidden", {"reason": "confidential launch date"}, expect=200
    )
    for page in pages:
        expect(page.locator("main")).not_to_contain_text(title)
        link = page.locator(f'[data-idea-id-ref="{idea["id"]}"] [data-field=idea] a')
        expect(link.first).to_have_text(f"Idea #{idea['id']}")
        assert page.js_errors == []
