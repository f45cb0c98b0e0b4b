"""A button that stands in every row of a list ("Revoke", "Remove", "Claim", "Mark as
read") tells a screen reader which row it acts on: its aria-describedby names the row's
own words. Before, a screen reader's list of buttons read "Revoke, Revoke, Revoke"."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.test_calendar import planned
from tests.test_nudges_pages import send
from tests.test_webhook_pages import connect, receiver  # noqa: F401 - a fixture


class _Page(HTMLParser):
    """Every element's text by id, and each button's text with its description's ids."""

    def __init__(self):
        super().__init__()
        self.texts: dict[str, list[str]] = {}
        self.buttons: list[tuple[list[str], list[str]]] = []
        self._open: list[tuple[str, str | None]] = []
        self._button: tuple[list[str], list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.texts[attributes["id"]] = []
        self._open.append((tag, attributes.get("id")))
        if tag in ("button", "summary"):
            self._button = ([], (attributes.get("aria-describedby") or "").split())
            self.buttons.append(self._button)

    def handle_endtag(self, tag):
        while self._open:
            opened, _id = self._open.pop()
            if opened == tag:
                break
        if tag in ("button", "summary"):
            self._button = None

    def handle_data(self, data):
        for _tag, element_id in self._open:
            if element_id:
                self.texts[element_id].append(data)
        if self._button is not None:
            self._button[0].append(data)


def descriptions(html: str, label: str) -> list[str]:
    """What a screen reader adds to each button reading `label`."""
    page = _Page()
    page.feed(html)
    found = []
    for words, ids in page.buttons:
        if " ".join("".join(words).split()) == label:
            found.append(" ".join(" ".join("".join(page.texts.get(i, [])).split()) for i in ids))
    return found


def assert_told_apart(html: str, label: str, count: int) -> None:
    told = descriptions(html, label)
    assert len(told) == count, told
    assert all(told) and len(set(told)) == count, told


def test_each_invite_links_revoke_button_names_its_link(facilitator):
    """Told apart by when it was made, whether it is for one person, and when it ends."""
    for days in (7, 30):
        made = facilitator.post("invites", json={"single_use": days == 7, "expires_in_days": days})
        assert made.status_code == 201
    html = facilitator.get("/invites").get_data(as_text=True)
    assert_told_apart(html, "Revoke", 2)


def test_each_channels_buttons_name_its_address(facilitator, receiver):  # noqa: F811
    for path in ("/one", "/two"):
        connect(facilitator, receiver.url + path)
    html = facilitator.get("/webhooks").get_data(as_text=True)
    assert_told_apart(html, "Send a test message", 2)
    assert_told_apart(html, "Remove", 2)


def test_each_free_tasks_claim_button_on_the_calendar_names_its_task(member):
    planned(member, "Reel from the trade fair", "2026-12-10")
    planned(member, "Carousel of the new boots", "2026-12-11")
    html = member.get("/calendar?view=month&date=2026-12-10").get_data(as_text=True)
    assert_told_apart(html, "Claim", 2)


def test_each_nudges_mark_as_read_button_names_its_nudge(people_, facilitator, member):
    send(facilitator, people_, message="Fancy filming Friday?")
    send(facilitator, people_, message="Your draft reads well.")
    html = member.get("/nudges").get_data(as_text=True)
    assert_told_apart(html, "Mark as read", 2)


def test_each_comments_flag_names_its_comment(member, other_member, observer):
    idea = member.post("ideas", json={"title": "Trade fair reel", "body": ""}).get_json()
    for words in ("Who films?", "I can film on Friday."):
        other_member.post(f"ideas/{idea['id']}/comments", json={"body": words})
    member.post(f"ideas/{idea['id']}/comments", json={"body": "Thanks!"})  # not flagged by me
    html = member.get(f"/ideas/{idea['id']}").get_data(as_text=True)
    shown = re.sub(r"<template.*?</template>", "", html, flags=re.S)  # live comments' model
    told = descriptions(shown, "Flag")
    # one per comment of someone else (none on my idea or my comment): whose and when
    assert len(told) == 2, told
    assert all(other_member.user["display_name"] in said for said in told), told
