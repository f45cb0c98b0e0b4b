"""Extension: the activity feed as JSON, and the private Atom URL's token.

GET /api/v1/feed takes the page's filters (department, kind, period, from, to) plus
before/after (seq) and limit.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import request
from flask_login import current_user

from board import clock, feed
from board.api import api, db, me, ok
from board.i18n import current_language
from board.requests import atom_url, board_tz, no_body, query_int


def item_dict(item: feed.FeedItem, language: str) -> dict:
    return {
        "seq": item.seq,
        "type": item.type,
        "kind": item.kind,
        "at": clock.iso(item.at),
        "actor": item.actor,
        "department": item.department,
        "text": item.text(language),
        "links": [{"title": link.title, "url": link.path} for link in item.links],
        "url": item.path,
    }


@api.get("/feed")
def read_feed():
    session, tz = db(), board_tz()
    flt = feed.filter_from_args(session, request.args)
    now = clock.now()  # once: the items and the summary count the same days
    page = feed.read_feed(
        session,
        me(),
        flt,
        tz,
        before=query_int("before", minimum=1),
        after=query_int("after", minimum=0),
        limit=query_int("limit", 100, minimum=1, maximum=feed.PAGE_SIZE, clamp=True),
        now=now,
    )
    summary = feed.summarize(session, me(), flt, tz, now=now)
    language = current_language()
    return ok(
        {
            "items": [item_dict(item, language) for item in page.items],
            "last_seq": page.last_seq,
            "next_before": page.next_before,
            "summary": {
                "ideas": summary.ideas,
                "tasks_done": summary.tasks_done,
                "published": summary.published,
                "challenges": summary.challenges,
                "departments": summary.departments,
                "weeks": [
                    {**asdict(week), "start": week.start.isoformat()} for week in summary.weeks
                ],
            },
        }
    )


def _token_answer(token: str | None) -> dict:
    return {"token": token, "atom_url": atom_url(token)}


@api.get("/feed/token")
def get_feed_token():
    return ok(_token_answer(current_user.feed_token))


@api.post("/feed/token")
def create_feed_token():
    """A new private Atom URL for the caller; any earlier one stops working."""
    no_body()
    return ok(_token_answer(feed.create_feed_token(db(), me())), 201)


@api.delete("/feed/token")
def revoke_feed_token():
    no_body()
    feed.revoke_feed_token(db(), me())
    return "", 204
