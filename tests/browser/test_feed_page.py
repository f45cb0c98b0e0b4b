"""The feed page as an observer reads it: what the live count of new lines says."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser


def test_the_count_of_new_lines_is_the_number_of_lines_that_arrived(person, api_as, open_page):
    """A newer vote tally replaces that day's older line of the same idea: one line. The
    status counted each replacement as new ("Live · 5 new" over three new lines)."""
    feed = open_page(person("observer", "Sales"), "/feed")
    expect(feed.locator("#feed-live")).to_have_attribute("data-state", "live")
    author = api_as(person("member", "Marketing"))
    title = unique("Trail-run Tuesdays")
    idea = author.post_idea(title)
    for votes, department in enumerate(("IT", "PR", "HR"), start=1):
        api_as(person("member", department)).vote(idea["id"])
        # this idea's line: votes of other tests' ideas may stand in the feed too
        tally = feed.locator("li.feed-item", has_text="now has").filter(has_text=title)
        expect(tally).to_contain_text(f"{votes} vote" if votes == 1 else f"{votes} votes")
    author.comment(idea["id"], "First one this week")
    expect(feed.locator("li.feed-item").first).to_contain_text("commented")
    arrived = feed.locator("li.feed-item-new")
    expect(arrived).to_have_count(3)
    expect(feed.locator("#feed-live")).to_have_text("Live · 3 new")
    assert feed.js_errors == []


CHART_TEXT_JS = """() => {
  const shown = (e) => e.getBoundingClientRect().height > 0 && getComputedStyle(e).display !== "none";
  const boxes = (selector) => [...document.querySelectorAll(selector)].filter(shown)
    .map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.height]; });
  const chart = document.querySelector(".feed-chart svg").getBoundingClientRect();
  return { labels: boxes(".feed-chart-label"), values: boxes(".feed-chart-value"),
           chart: [chart.left, chart.right] };
}"""


@pytest.mark.parametrize("period", ["30", "90"])
@pytest.mark.parametrize("width", [360, 900])
def test_the_weekly_chart_reads_on_a_phone_and_a_tablet(person, open_page, period, width):
    """The chart is a picture scaled to its box: on a 360 px phone its week labels and bar
    numbers came out 5-6 px tall (and 7-8 px at 900 px, where the chart shares the row with
    the numbers). Its words stay readable whatever the width, inside the chart, and never
    overlap."""
    page = open_page(
        person("observer", "Sales"),
        f"/feed?period={period}",
        viewport={"width": width, "height": 800},
        locale="de-DE",
    )
    text = page.evaluate(CHART_TEXT_JS)
    assert text["labels"], "no week labels shown"
    for _left, _right, height in text["labels"] + text["values"]:
        assert height >= 11, text  # a line box of at least ~9 px type
    labels = sorted(text["labels"])
    assert labels[0][0] >= text["chart"][0] - 1 and labels[-1][1] <= text["chart"][1] + 1, text
    for (_l1, right, _h1), (left, _r2, _h2) in zip(labels, labels[1:], strict=False):
        assert right + 4 <= left, labels  # a gap between two dates


VALUES_INSIDE_JS = """() => {
  const chart = document.querySelector(".feed-chart svg").getBoundingClientRect();
  return [...document.querySelectorAll(".feed-chart-value")]
    .filter((e) => getComputedStyle(e).display !== "none")
    .map((e) => { const r = e.getBoundingClientRect();
                  return { text: e.textContent, above: chart.top - r.top }; });
}"""


@pytest.mark.parametrize("width", [360, 1280])
def test_the_tallest_bars_number_is_not_cut_off(person, api_as, open_page, width):
    """The number over the week's tallest bar stands inside the chart: on a 360 px phone its
    larger type reached above the chart's top edge and read as a cut-off "6"."""
    api_as(person("member", "Marketing")).post_idea(unique("Tallest bar"))
    page = open_page(
        person("observer", "Sales"),
        "/feed?period=30",
        viewport={"width": width, "height": 800},
        locale="de-DE",
    )
    values = page.evaluate(VALUES_INSIDE_JS)
    assert values, "the bars carry no numbers"
    for value in values:
        assert value["above"] <= 0.5, values


def test_the_private_feed_url_and_its_copy_button_fit_a_phone(person, open_page):
    """Once a feed URL exists, its field and "Copy" share a line: on a 360 px phone in German
    the field took the room and the button read "Kopie" over "ren"."""
    page = open_page(
        person("observer", "Sales"), "/feed", viewport={"width": 360, "height": 740}, locale="de-DE"
    )
    page.get_by_role("button", name="Feed-Adresse erzeugen").click()
    copy = page.locator("#feed-url-copy")
    expect(copy).to_be_visible()
    expect(copy).to_have_text("Kopieren")
    lines = copy.evaluate(
        """(button) => {
             const range = document.createRange();
             range.selectNodeContents(button);
             return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
           }"""
    )
    assert lines == 1, "the button's word is broken across lines"
    field, button = page.locator("#feed-url").bounding_box(), copy.bounding_box()
    assert field["width"] >= 150 and button["x"] + button["width"] <= 360 - 8, (field, button)


def test_an_idea_hidden_while_the_feed_is_open_leaves_its_earlier_lines(person, api_as, open_page):
    """Hiding withholds an idea's title from everyone but its author and the facilitator. The
    feed, left open all day by a department head, added "… was hidden …" on top but kept
    showing the title in the lines below until a reload."""
    author = api_as(person("member", "Marketing"))
    title = unique("Launch on 4 May")
    idea = author.post_idea(title)
    author.comment(idea["id"], "With a teaser the week before")
    feed = open_page(person("observer", "Sales"), "/feed")
    expect(feed.locator("#feed-live")).to_have_attribute("data-state", "live")
    expect(feed.locator("#feed-days")).to_contain_text(title)
    api_as(person("facilitator", "Communications")).call(
        "PUT", f"ideas/{idea['id']}/hidden", {"reason": "confidential launch date"}, expect=200
    )
    expect(feed.locator("li.feed-item").first).to_contain_text("confidential launch date")
    expect(feed.locator("#feed-days")).not_to_contain_text(title)
    links = feed.locator(f'#feed-days a[href="/ideas/{idea["id"]}"]')
    expect(links).to_have_count(3)  # posted, commented, hidden: each still names it, by number
    for text in links.all_inner_texts():
        assert text == f"#{idea['id']}"
    assert feed.js_errors == []
