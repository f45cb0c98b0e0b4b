"""Ideas of a running challenge (tallies hidden) are shown with their challenge, in the order
each person gets, instead of sorting last under "Top" as if nobody had voted for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique, unique_name, wait_until_live

pytestmark = pytest.mark.browser


def test_challenge_ideas_are_grouped_with_their_challenge(person, api_as, open_page):
    facilitator = api_as(person("facilitator", "Communications"))
    now = datetime.now(UTC)
    challenge = facilitator.call(
        "POST",
        "prompts",
        {
            "kind": "challenge",
            "title": unique("Our best idea for the trail-shoe launch"),
            "body": "Three votes each; the tallies stay hidden until it closes.",
            "submissions_close_at": (now + timedelta(days=3)).isoformat(),
            "voting_close_at": (now + timedelta(days=6)).isoformat(),
        },
        expect=201,
    )
    tag = unique_name("launch").lower()
    author = api_as(person("member", "Marketing"))
    entries = [
        author.post_idea(f"Launch idea {n}", tags=[tag], prompt_id=challenge["id"])
        for n in range(8)
    ]
    free = author.post_idea(unique("A free idea with votes"), tags=[tag])
    author.vote(free["id"])

    readers = [person("member", "IT"), person("member", "Sales")]
    orders = []
    for reader in readers:
        page = open_page(reader, f"/?sort=top&tag={tag}")
        group = page.locator(f'[data-challenge-ideas="{challenge["id"]}"]')
        expect(group.locator(".idea-card")).to_have_count(8)
        expect(page.locator(".challenge-group-head")).to_contain_text(challenge["title"])
        # The main list has only the free idea: the challenge's are not last under "Top".
        expect(page.locator("#idea-list .idea-card")).to_have_count(1)
        expect(page.locator("#idea-list .idea-card")).to_contain_text(free["title"])
        shown = [
            int(i)
            for i in group.locator(".idea-card").evaluate_all(
                "cards => cards.map(c => c.dataset.ideaId)"
            )
        ]
        # The person's own order, the same the API gives them for the challenge.
        answer = api_as(reader).call("GET", f"ideas?prompt_id={challenge['id']}", expect=200)
        assert shown == [idea["id"] for idea in answer["items"]]
        expect(group.locator('[data-field="votes"]').first).to_have_text("?")
        orders.append(shown)
    assert sorted(orders[0]) == sorted(idea["id"] for idea in entries)
    assert orders[0] != orders[1]  # each person their own order (8! orders: never equal by chance)

    # A new entry arrives live in its challenge's group, not in the main list.
    page = open_page(readers[0], f"/?sort=top&tag={tag}")
    wait_until_live(page)
    late = author.post_idea("Launch idea, late", tags=[tag], prompt_id=challenge["id"])
    group = page.locator(f'[data-challenge-ideas="{challenge["id"]}"]')
    expect(group.locator(f'.idea-card[data-idea-id="{late["id"]}"]')).to_have_count(1)
    expect(page.locator("#idea-list .idea-card")).to_have_count(1)
