"""A challenge's own page in the browser: where each idea's vote button sits, on a phone and
on a desktop, in German (the longer words)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique_name
from tests.browser.test_challenge_ideas import post_challenge

pytestmark = pytest.mark.browser

# Each footer's vote button: its distance from the footer's right and bottom edges (inside
# the padding), and which of the footer's facts share its row.
VOTE_BUTTON_PLACES_JS = """footers => footers.map(footer => {
  const box = footer.getBoundingClientRect();
  const style = getComputedStyle(footer);
  const button = footer.querySelector("form button").getBoundingClientRect();
  const beside = [...footer.querySelectorAll("span, a")]
    .filter(fact => !fact.closest("form"))
    .filter(fact => {
      const r = fact.getBoundingClientRect();
      return r.width > 0 && r.top < button.bottom && r.bottom > button.top;
    })
    .map(fact => fact.textContent.trim());
  return {
    right: Math.round(box.right - parseFloat(style.paddingRight) - button.right),
    bottom: Math.round(box.bottom - parseFloat(style.paddingBottom) - button.bottom),
    beside,
  };
})"""


@pytest.mark.parametrize("width", [360, 1280], ids=["phone", "desktop"])
def test_every_ideas_vote_button_sits_in_the_same_place(person, api_as, open_page, width):
    """On a phone the button sat beside "0 Kommentare" in one footer and alone under
    "1 Kommentar" in the next: it goes to the same edge of every footer now, on a row of
    its own on a phone."""
    challenge = post_challenge(
        api_as(person("facilitator", "Communications")), title="Trail launch", hide_tallies=True
    )
    author = api_as(person("member", "Marketing"))
    entries = [author.post_idea(f"Trail idea {n}", prompt_id=challenge["id"]) for n in range(3)]
    author.comment(entries[0]["id"], "Love it")  # "1 Kommentar"; the others have none
    reader = person("member", "IT", name=unique_name("leser"))
    api_as(reader).call("PATCH", "me", {"language": "de"}, expect=200)
    api_as(reader).vote(entries[1]["id"])  # the wider "✓ Stimme zurücknehmen"

    page = open_page(
        reader, f"/prompts/{challenge['id']}", viewport={"width": width, "height": 900}
    )
    footers = page.locator("#ideas .idea-foot")
    expect(footers).to_have_count(3)
    expect(footers.first).to_contain_text("Stimmen: verborgen")
    places = footers.evaluate_all(VOTE_BUTTON_PLACES_JS)
    assert {(p["right"], p["bottom"]) for p in places} == {(0, 0)}, places
    for place in places:
        if width < 560:
            assert place["beside"] == [], places  # a row of its own
        else:
            assert place["beside"], places  # on the facts' row, at its right end
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert page.js_errors == []
