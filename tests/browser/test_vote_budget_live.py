"""A challenge page's "You have used 1 of your 3 votes" and its vote buttons follow the
person's own votes given or taken back in another tab, also while the tallies are hidden
(then no public event is sent at all); someone else's vote leaves them as they are, and the
keyboard stays where it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique, wait_until_live

pytestmark = pytest.mark.browser

WORDING = {
    "en": ("You have used {} of your 3 votes.", "✓ Take back my vote", "Vote"),
    "de": ("Du hast {} von 3 Stimmen vergeben.", "✓ Stimme zurücknehmen", "Abstimmen"),
}


def budget(page):
    return page.locator(".prompt-head .budget")


def vote_button(page, idea_id: int):
    return page.locator(f"#ideas li#idea-{idea_id} form.vote-form button")


@pytest.mark.parametrize(("hide_tallies", "language"), [(True, "en"), (False, "de")])
def test_the_vote_budget_follows_votes_from_another_tab(
    person, api_as, new_context, open_page, hide_tallies, language
):
    facilitator = person("facilitator", "Communications")
    voter, author, neighbour = (
        person("member", "IT"),
        person("member", "Sales"),
        person("member", "HR"),
    )
    api_as(voter).call("PATCH", "me", {"language": language}, expect=200)
    now = datetime.now(UTC)
    challenge = api_as(facilitator).call(
        "POST",
        "prompts",
        {
            "kind": "challenge",
            "title": unique("Three votes each"),
            "body": "",
            "submissions_close_at": (now + timedelta(days=3)).isoformat(),
            "voting_close_at": (now + timedelta(days=5)).isoformat(),
            "hide_tallies": hide_tallies,
            "votes_per_person": 3,
        },
        expect=201,
    )
    first, second = (
        api_as(author).post_idea(unique(title), prompt_id=challenge["id"])["id"]
        for title in ("Booth tour", "Warehouse photos")
    )
    used, taken_back, give = WORDING[language]
    path = f"/prompts/{challenge['id']}"
    page = open_page(voter, path)
    wait_until_live(page)
    expect(budget(page)).to_have_text(used.format(0))
    vote_button(page, second).focus()

    # the same person, another tab (its own browser context): a vote by the page's form
    other_tab = new_context(voter).new_page()
    other_tab.goto(path)
    vote_button(other_tab, first).click()
    expect(vote_button(other_tab, first)).to_have_text(taken_back)  # its reload says so

    expect(budget(page)).to_have_text(used.format(1))
    expect(vote_button(page, first)).to_have_text(taken_back)
    expect(vote_button(page, second)).to_have_text(give)
    expect(vote_button(page, second)).to_be_focused()

    api_as(neighbour).vote(first)  # someone else's vote is not this person's
    api_as(voter).call("DELETE", f"ideas/{first}/vote", expect=200)  # taken back elsewhere
    expect(budget(page)).to_have_text(used.format(0))
    expect(vote_button(page, first)).to_have_text(give)

    api_as(neighbour).vote(second)
    api_as(voter).vote(second)
    expect(budget(page)).to_have_text(used.format(1))
    expect(vote_button(page, second)).to_have_text(taken_back)
    expect(vote_button(page, second)).to_be_focused()
    live = budget(page).inner_text()
    page.reload()
    expect(budget(page)).to_have_text(live)  # as the reload counts it
    assert page.js_errors == []
