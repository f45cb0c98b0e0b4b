"""The facilitator's help page as it reads on a phone and a desktop."""

from __future__ import annotations

import pytest

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser

# The labels shown (a label left out has no box), with the box of their chart.
SPARK_TEXT_JS = """() => {
  const box = document.querySelector(".sparkline").getBoundingClientRect();
  return [...document.querySelectorAll(".sparkline .axis-label")].map((e) => {
    const r = e.getBoundingClientRect();
    return [e.textContent, r.left, r.right, r.height, box.left, box.right];
  }).filter((label) => label[2] > label[1]);
}"""
# Each participation chart's week dates (the labels under its bars), left to right.
BAR_DATES_JS = """() => [...document.querySelectorAll("figure.chart svg")].map((svg) => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll("g .axis-label")].map((e) => {
    const r = e.getBoundingClientRect();
    return [e.textContent, r.left, r.right, box.left, box.right];
  });
})"""


def apart(dates: list[tuple[float, float]]) -> None:
    dates = sorted(dates)
    for (_l1, right), (left, _r2) in zip(dates, dates[1:], strict=False):
        assert right + 2 <= left, dates


@pytest.mark.parametrize("locale", ["de-DE", "en-US"])
@pytest.mark.parametrize("weeks", [6, 26])
@pytest.mark.parametrize("width", [360, 1280])
def test_the_evenness_line_reads_on_a_phone(person, api_as, open_page, width, weeks, locale):
    """The evenness line is a picture scaled to its box: on a 360 px phone its week dates
    and its 0 / 0.5 / 1 came out about 7 px tall. They stay readable, inside the line's
    box, and the dates do not run into each other: over 26 weeks they overlapped into a
    smudge at any width, now every n-th is written, the first and last always."""
    api_as(person("member", "Marketing")).post_idea(unique("Evenness"))
    page = open_page(
        person("facilitator", "Communications"),
        f"/help?weeks={weeks}",
        viewport={"width": width, "height": 800},
        locale=locale,
    )
    text = page.evaluate(SPARK_TEXT_JS)
    assert text, "no labels on the evenness line"
    for _word, left, right, height, box_left, box_right in text:
        assert height >= 11, text  # a line box of at least ~9 px type
        assert left >= box_left - 0.5 and right <= box_right + 0.5, text  # not cut at an edge
    dates = sorted((left, right) for word, left, right, *_rest in text if _is_date(word))
    apart(dates)
    assert len(dates) == weeks if weeks == 6 else 4 <= len(dates) < weeks
    for chart in page.evaluate(BAR_DATES_JS):
        assert chart, "no dates under the bars"
        apart([(left, right) for _word, left, right, *_box in chart])
        for word, left, right, box_left, box_right in chart:  # not cut at an edge
            assert left >= box_left - 0.5 and right <= box_right + 0.5, word


def _is_date(word: str) -> bool:
    """A week's date ("2. Nov.", "Nov 2"), not one of the line's 0 / 0,5 / 1."""
    return any(char.isalpha() for char in word)
