"""Laid out for the longest language: in German the vote button stays in its column, the
feed's kind labels are not cut off, and no board or feed page scrolls sideways on a phone,
in German or in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import create_person, unique, unique_name

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 800}
WIDE = {"width": 1600, "height": 900}

# Each vote button against its card: inside the vote column (left of the idea's text),
# and its label not clipped.
VOTE_BUTTONS_JS = """() => [...document.querySelectorAll(".idea-card")].map(card => {
  const button = card.querySelector(".vote-button");
  const main = card.querySelector(".idea-main");
  if (!button || !button.offsetParent) return null;
  const b = button.getBoundingClientRect(), m = main.getBoundingClientRect();
  const beside = b.top < m.bottom && b.bottom > m.top;  // side by side (desktop), not stacked
  return {
    label: button.innerText.trim(),
    overlaps: beside && b.right > m.left,
    clipped: button.scrollWidth > button.clientWidth + 1,
    outside_card: b.right > card.getBoundingClientRect().right,
  };
}).filter(Boolean)"""

BADGES_JS = """() => [...document.querySelectorAll(".feed-badge")]
  .filter(badge => badge.offsetParent)
  .map(badge => {
    const sentence = badge.parentElement.querySelector(".feed-sentence").getBoundingClientRect();
    return {
      label: badge.textContent.trim(),
      clipped: badge.scrollWidth > badge.clientWidth + 1,
      overlaps: badge.getBoundingClientRect().right > sentence.left,
    };
  })"""

SIDEWAYS_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def german_reader(person, api_as):
    """A member reading in German who voted for a fresh idea that someone commented on,
    with an unread nudge (its badge in the menu has a hidden "ungelesen" for screen readers)."""
    reader = person("member", "Marketing")
    facilitator = api_as(person("facilitator", "Communications"))
    facilitator.call(
        "POST", "nudges", {"to_user_id": reader.id, "message": "Schau mal rein!"}, expect=201
    )
    other = api_as(person("member", "Customer Support"))
    idea = other.post_idea(unique("Behind the seams: short reels from our repair workshop"))
    other.comment(idea["id"], "Kommentar aus dem Test.")
    other.create_task(unique("Film the repairer at work"), idea_id=idea["id"])
    reading = api_as(reader)
    reading.vote(idea["id"])
    reading.call("PATCH", "me", {"language": "de"}, expect=200)
    return reader


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_german_vote_button_stays_in_its_column(german_reader, open_page, viewport):
    page = open_page(german_reader, "/", viewport=viewport)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator(".is-voted .vote-button").first).to_contain_text("Abgestimmt")
    buttons = page.evaluate(VOTE_BUTTONS_JS)
    assert buttons, "no vote button on the board"
    bad = [b for b in buttons if b["overlaps"] or b["clipped"] or b["outside_card"]]
    assert bad == []


@pytest.mark.parametrize("viewport", [DESKTOP], ids=["desktop"])
def test_german_feed_labels_are_whole(german_reader, open_page, viewport):
    page = open_page(german_reader, "/feed", viewport=viewport)
    expect(page.locator(".feed-badge", has_text="Kommentar").first).to_be_visible()
    badges = page.evaluate(BADGES_JS)
    assert {"Kommentar", "Aufgabe", "Idee", "Stimmen"} <= {b["label"] for b in badges}
    assert [b for b in badges if b["clipped"] or b["overlaps"]] == []


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("path", ["/", "/feed"])
def test_board_and_feed_do_not_scroll_sideways_on_a_phone(
    german_reader, api_as, open_page, language, path
):
    api_as(german_reader).call("PATCH", "me", {"language": language}, expect=200)
    page = open_page(german_reader, path, viewport=PHONE)
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert page.evaluate(SIDEWAYS_JS) <= 0


# The words a filter field shows (a choice's, the search's placeholder) against the room its
# box leaves them: a select or a placeholder clips without a sign.
FILTER_WORDS_JS = """() => [...document.querySelectorAll(".filters select, .filters input[type=search]")]
  .map(field => {
    const style = getComputedStyle(field);
    const pen = document.createElement("canvas").getContext("2d");
    pen.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = field.tagName === "SELECT" ? field.options[field.selectedIndex].text : field.placeholder;
    const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {text, clipped: pen.measureText(text).width > room};
  })"""


@pytest.mark.parametrize(
    "viewport",
    [PHONE, {"width": 720, "height": 800}, {"width": 1024, "height": 800}, DESKTOP, WIDE],
    ids=["phone", "720", "1024", "desktop", "wide"],
)
def test_german_idea_filter_shows_its_whole_words(german_reader, open_page, viewport):
    """ "Alle Abteilungen" and "Alle Schlagwörter" were cut to "Alle Abteilun" and "Alle
    Schlagw" on a phone, and by a few pixels beside the task column."""
    page = open_page(german_reader, "/", viewport=viewport)
    fields = page.evaluate(FILTER_WORDS_JS)
    shown = ["Alle Abteilungen", "Alle Schlagwörter", "Wörter in Titel oder Text"]
    assert [field["text"] for field in fields] == shown
    assert [field for field in fields if field["clipped"]] == []
    assert page.evaluate(SIDEWAYS_JS) <= 0


ACCOUNT_BUTTON_JS = """() => {
  const summary = document.querySelector(".user-menu > summary");
  const dot = summary.querySelector(".dept-dot").getBoundingClientRect();
  const arrow = () => parseFloat(getComputedStyle(summary, "::after").width);
  const squeezed = arrow();
  summary.style.maxWidth = "none";  // the arrow's own width, with room for the whole name
  summary.parentElement.style.position = "absolute";
  const natural = arrow();
  return { dot: [dot.width, dot.height], arrow: [squeezed, natural] };
}"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_long_name_leaves_the_account_buttons_dot_and_arrow_whole(
    board_server, open_page, viewport
):
    """A long name is shortened with an ellipsis; on a phone it squeezed the department's
    round dot into a 3 px sliver and cut the ▾ beside it."""
    name = unique_name("maximiliane")
    long_name = f"Maximiliane Schmidtbauer-Vertriebsinnendienstleiterin {name}"
    member = create_person(
        board_server.database_url, name, "member", "Marketing", display_name=long_name
    )
    page = open_page(member, "/settings", viewport=viewport, locale="de-DE")
    shape = page.evaluate(ACCOUNT_BUTTON_JS)
    width, height = shape["dot"]
    assert width > 0 and abs(width - height) < 0.5, shape
    squeezed, natural = shape["arrow"]
    assert squeezed >= natural - 0.5, shape
