"""Geometry for the help page's server-rendered SVG charts.

The page's CSP allows no inline script or style attributes, so charts are plain SVG shapes
whose colours come from classes in static/css/facilitator.css. Every shape carries a
<title> (tooltip and screen-reader text), and the page also shows the numbers as a table.
"""

from __future__ import annotations

import math
from datetime import datetime

from babel.dates import format_skeleton
from flask_babel import get_locale

from board.insights import METRICS

CHART_WIDTH = 300
CHART_HEIGHT = 150
PLOT_TOP = 8
PLOT_BOTTOM = 124  # leaves room for the week labels
PLOT_LEFT = 28
PLOT_RIGHT = 292


def _nice_max(value: int) -> int:
    """A round, even upper bound for an axis, not far above `value` (6, 8, 10, 12, 16, ...)."""
    if value <= 4:
        return 4
    magnitude = 10 ** (len(str(value)) - 1)
    for factor in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10):
        bound = round(magnitude * factor)
        if bound >= value and bound % 2 == 0:
            return bound
    return 10 * magnitude


def week_label(iso: str) -> str:
    """ "Oct 21" / "21. Okt." in the reader's language."""
    return format_skeleton("MMMd", datetime.fromisoformat(iso), locale=get_locale() or "en")


# The dates' size in a chart's units: facilitator.css sets 10, and the evenness line 13 in a
# narrow box (a phone), where it is drawn smaller. A letter or digit takes about 0.64 of
# that (DejaVu Sans, one of the wider fonts), a dot or space half as much ("30. Nov." 4.2),
# and a gap keeps two apart.
SPARK_LABEL_UNITS = {"wide": 10, "narrow": 13}
LETTER_WIDTH, NARROW_WIDTH = 0.64, 0.33
LABEL_GAP = 4


def _label_width(text: str) -> float:
    """The width of a date in ems, about (fonts differ from system to system)."""
    return sum(NARROW_WIDTH if char in " .,'" else LETTER_WIDTH for char in text)


def label_every(labels: list[str], step: float, font_units: float) -> int:
    """Every how many weeks a date fits beside the next one at `font_units`, `step` apart."""
    widest = max((_label_width(text) for text in labels), default=0) * font_units
    return max(1, math.ceil((widest + LABEL_GAP) / step)) if step > 0 else 1


def shown_labels(count: int, every: int) -> set[int]:
    """The indexes of the labels shown: the first, the last, and between them as many as
    fit at least `every` apart, spread evenly (0, 8, 17, 25 of 26 weeks by at least 7)."""
    last = count - 1
    if last <= 0:
        return set(range(count))
    gaps = max(1, last // every)
    return {round(gap * last / gaps) for gap in range(gaps + 1)}


def _inside(middle: float, text: str) -> float:
    """Where a date centred under its bar stays inside the chart: over many weeks the last
    bar stands so near the right edge that its date was cut."""
    half = _label_width(text) * SPARK_LABEL_UNITS["wide"] / 2 + 1
    return round(min(max(middle, half), CHART_WIDTH - half), 1)


def participation_charts(participation: dict) -> list[dict]:
    """One stacked-bar chart per department, weeks left to right, on a shared scale."""
    periods = participation["periods"]
    totals = [
        sum(week[m] for m in METRICS) for d in participation["departments"] for week in d["weeks"]
    ]
    top = _nice_max(max(totals, default=0))
    plot_height = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(periods), 1)
    bar_width = round(slot * 0.62, 1)
    # Over many weeks the dates under the bars would overlap: every n-th is written.
    texts = [week_label(period["start"]) for period in periods]
    written = shown_labels(len(texts), label_every(texts, slot, SPARK_LABEL_UNITS["wide"]))
    charts = []
    for department in participation["departments"]:
        bars = []
        for index, week in enumerate(department["weeks"]):
            x = round(PLOT_LEFT + index * slot + (slot - bar_width) / 2, 1)
            y = PLOT_BOTTOM
            segments = []
            for metric in METRICS:
                value = week[metric]
                if not value:
                    continue
                height = round(value / top * plot_height, 1)
                y = round(y - height, 1)
                segments.append({"metric": metric, "value": value, "y": y, "height": height})
            bars.append(
                {
                    "x": x,
                    "width": bar_width,
                    "segments": segments,
                    "total": sum(week[m] for m in METRICS),
                    "label": texts[index],
                    "label_shown": index in written,
                    "label_x": _inside(x + bar_width / 2, texts[index]),
                }
            )
        charts.append(
            {
                "department": department["department"],
                "bars": bars,
                "total": sum(b["total"] for b in bars),
                "gridlines": [
                    {"value": v, "y": round(PLOT_BOTTOM - v / top * plot_height, 1)}
                    for v in sorted({0, top // 2, top})
                ],
            }
        )
    return charts


SPARK_WIDTH = 380
SPARK_HEIGHT = 96
# Room at each side for half a week's date (and the 0 / 0.5 / 1 on the left) at the
# larger type a phone's narrow box gives them (static/css/facilitator.css).
SPARK_LEFT = 34
SPARK_RIGHT = 30
SPARK_TOP = 8
SPARK_BOTTOM = 76  # week labels below


def evenness_sparkline(trend: list[dict]) -> dict:
    """Points of the weekly evenness (0..1) line; weeks without activity leave a gap.

    Over many weeks (26 at most) the dates would overlap: every few weeks is named, the
    first and last always; in a phone's narrow box, where the dates are larger, fewer
    (facilitator.css leaves out the `dense` ones there, and the `narrow_only` ones
    elsewhere)."""
    n = len(trend)
    step = (SPARK_WIDTH - SPARK_LEFT - SPARK_RIGHT) / max(n - 1, 1)
    texts = [week_label(period["start"]) for period in trend]
    wide = label_every(texts, step, SPARK_LABEL_UNITS["wide"])
    narrow = label_every(texts, step, SPARK_LABEL_UNITS["narrow"])
    shown, roomy = shown_labels(n, wide), shown_labels(n, narrow)

    def y_of(value: float) -> float:
        return round(SPARK_BOTTOM - value * (SPARK_BOTTOM - SPARK_TOP), 1)

    points, labels = [], []
    for index, period in enumerate(trend):
        x = round(SPARK_LEFT + index * step, 1)
        if index in shown | roomy:
            labels.append(
                {
                    "x": x,
                    "text": texts[index],
                    "dense": index not in roomy,
                    "narrow_only": index not in shown,
                }
            )
        if period["evenness"] is not None:
            points.append(
                {
                    "x": x,
                    "y": y_of(period["evenness"]),
                    "value": period["evenness"],
                    "label": texts[index],
                }
            )
    return {
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "points": points,
        "labels": labels,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "guides": [{"value": v, "y": y_of(v)} for v in (0, 0.5, 1)],
        "left": SPARK_LEFT,
        "right": SPARK_WIDTH - SPARK_RIGHT,
        "label_y": SPARK_HEIGHT - 6,
    }
