"""The API's answers are the JSON Flask wrote, encoded faster (board/security.py,
SafeJSONProvider.response): keys sorted, compact, non-ASCII text as UTF-8."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup


def test_a_list_with_non_ascii_text_comes_as_utf8_with_its_keys_sorted(member):
    title = "Grüße vom Zeltplatz ☃ — Şahin’s „Tipps“"
    created = member.post("ideas", json={"title": title, "body": "Ümlaut\n\n- 🏕️", "tags": ["zelt"]})
    assert created.status_code == 201

    answer = member.get("ideas?sort=new")

    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    raw = answer.get_data()
    data = json.loads(raw)
    assert data["items"][0]["title"] == title
    assert title.encode() in raw  # not "\u00fc" escapes
    # Exactly what Flask's compact, key-sorted encoder writes, but for the escapes.
    expected = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert raw == expected.encode() + b"\n"


@dataclasses.dataclass
class Point:
    x: int
    y: int


@pytest.mark.parametrize(
    "payload",
    [
        {"when": date(2026, 12, 5), "at": datetime(2026, 12, 5, 3, 4, 5, tzinfo=UTC)},
        {"amount": Decimal("1.50"), "html": Markup("<b>x</b>"), "point": Point(1, 2)},
        {"big": 2**70},  # beyond orjson's 64 bits
        {"lone": "\ud800"},  # a lone surrogate: not UTF-8
        {2: "two", 10: "ten"},  # keys that are not strings
        {"z": [{"b": 1, "a": None}], "a": True},
    ],
    ids=["dates", "objects", "big-int", "surrogate", "int-keys", "nested"],
)
def test_what_flask_encoded_its_own_way_is_still_encoded_so(app, payload):
    with app.app_context():
        flask_answer = DefaultJSONProvider(app).response(payload).get_data()
        assert app.json.response(payload).get_data() == flask_answer
