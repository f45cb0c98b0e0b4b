"""axe-core (vendored from npm, pinned) finds no serious or critical violation on the main
pages, as the people who use them see them."""

from __future__ import annotations

import pytest

from tests.browser.helpers import unique, wait_until_live

pytestmark = pytest.mark.browser

# Served by the board itself: a same-origin script the pages' CSP allows, so axe checks
# the pages exactly as people get them (no CSP bypass).
AXE = "/static/vendor/axe-core/axe.min.js"
BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    page.add_script_tag(url=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


@pytest.fixture
def idea_id(board_server, api_as) -> int:
    mara = api_as(board_server.people["mara"])
    idea = mara.post_idea(unique("Accessible captions on every reel"), "Subtitles **always**.")
    api_as(board_server.people["ivan"]).vote(idea["id"])
    mara.comment(idea["id"], "Our video tool exports SRT files.")
    # Ivan's comment leaves Mara an unread notice: the header's badge shows, and its
    # contrast is checked too (its white on orange was 4.3:1 and hid while nobody had one).
    api_as(board_server.people["ivan"]).comment(idea["id"], "I can proofread them.")
    mara.create_task(unique("Write a captions checklist"), idea_id=idea["id"])
    return idea["id"]


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/login"),
        ("mara", "/"),
        ("olga", "/"),
        ("mara", "/ideas/{idea_id}"),
        ("olga", "/feed"),
    ],
)
def test_page_has_no_serious_accessibility_violation(new_context, board_server, idea_id, who, path):
    person = board_server.people[who] if who else None
    page = new_context(person).new_page()
    response = page.goto(path.format(idea_id=idea_id))
    assert response is not None and response.ok
    if who is not None:
        wait_until_live(page)  # what the scripts add (presence, status) is checked too
    violations = axe_violations(page)
    assert not violations, f"axe on {path} as {who or 'a stranger'}:\n{describe(violations)}"
