"""The prompts page counts each prompt's ideas, and follows ideas arriving and withdrawn
live, in the reader's language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique, wait_until_live

pytestmark = pytest.mark.browser

WORDS = {"en": ("0 ideas", "1 idea", "2 ideas"), "de": ("0 Ideen", "1 Idee", "2 Ideen")}


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_prompts_idea_count_follows_its_ideas_live(person, api_as, open_page, language):
    prompt = api_as(person("facilitator", "Communications")).call(
        "POST", "prompts", {"kind": "prompt", "title": unique("What do customers ask?")}, 201
    )
    reader = person("member", "IT")
    api_as(reader).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(reader, "/prompts")
    wait_until_live(page)
    badge = page.locator(f'[data-prompt-ideas="{prompt["id"]}"]')
    none, one, two = WORDS[language]
    expect(badge).to_have_text(none)

    author = api_as(person("member", "Marketing"))
    first = author.post_idea(unique("Sizing FAQ"), prompt_id=prompt["id"])
    expect(badge).to_have_text(one)
    author.post_idea(unique("Returns FAQ"), prompt_id=prompt["id"])
    expect(badge).to_have_text(two)
    author.post_idea(unique("A free idea"))  # answers no prompt: nothing changes
    author.call("POST", f"ideas/{first['id']}/withdraw", expect=200)
    expect(badge).to_have_text(one)

    page.reload()  # the server counts the same
    expect(page.locator(f'[data-prompt-ideas="{prompt["id"]}"]')).to_have_text(one)
    assert page.js_errors == []
