"""The facilitator's help page as it reads on a phone and a desktop."""

from __future__ import annotations

import pytest

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser

SPARK_TEXT_JS = """() => {
  const box = document.querySelector(".sparkline").getBoundingClientRect();
  return [...document.querySelectorAll(".sparkline .axis-label")].map((e) => {
    const r = e.getBoundingClientRect();
    return [e.textContent, r.left, r.right, r.height, box.left, box.right];
  });
}"""


@pytest.mark.parametrize("width", [360, 1280])
def test_the_evenness_line_reads_on_a_phone(person, api_as, open_page, width):
    """The evenness line is a picture scaled to its box: on a 360 px phone its week dates
    and its 0 / 0.5 / 1 came out about 7 px tall. They stay readable, inside the line's
    box, and the dates do not run into each other."""
    api_as(person("member", "Marketing")).post_idea(unique("Evenness"))
    page = open_page(
        person("facilitator", "Communications"),
        "/help",
        viewport={"width": width, "height": 800},
        locale="de-DE",
    )
    text = page.evaluate(SPARK_TEXT_JS)
    assert text, "no labels on the evenness line"
    for _word, left, right, height, box_left, box_right in text:
        assert height >= 11, text  # a line box of at least ~9 px type
        assert left >= box_left - 0.5 and right <= box_right + 0.5, text  # not cut at an edge
    dates = sorted((left, right) for word, left, right, *_rest in text if "." in word)
    for (_l1, right), (left, _r2) in zip(dates, dates[1:], strict=False):
        assert right + 2 <= left, dates
