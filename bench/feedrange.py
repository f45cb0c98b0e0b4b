"""What the feed's page for a period that ended before today, or for a narrow kind, costs
on a board kept for a year, the code before and this code in turn, in one run
(docs/performance.md, helper `feedrange`).

    python -m bench.feedrange --before /tmp/base --workdir /tmp/feedrange \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

bench/periodhelp.py's board, copies, rounds and report (its options), with these cases.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from bench import periodhelp

# The page's statements, the period's first seq and the first after its end (this
# code's), and the seqs recorded before its end and numbered after that one (this code's).
FEED_PAGE = (*periodhelp.FEED_PAGE, ("SELECT events.seq", "FROM events", "events.seq >"))


def cases(now: datetime) -> list[tuple[str, str, tuple[tuple[str, ...], ...]]]:
    """(name, path, the statements it is about)."""
    today = now.date()
    found = []
    for days, ago in ((30, 30), (30, 90), (30, 180), (90, 90), (90, 180)):
        end, start = today - timedelta(days=ago), today - timedelta(days=ago + days - 1)
        path = f"/api/v1/feed?from={start}&to={end}"
        found.append((f"{days} days ending {ago} days ago", path, FEED_PAGE))
    found.append(
        ("30 days ending 90 days ago (page)", found[1][1].replace("/api/v1", ""), FEED_PAGE)
    )
    found.append(
        ("30 days ending 90 days ago, older page", f"{found[1][1]}&before=225000", FEED_PAGE)
    )
    for kind in ("ideas", "tasks"):
        for days in (7, 30, 90):
            found.append(
                (f"{kind}, {days} days", f"/api/v1/feed?kind={kind}&period={days}", FEED_PAGE)
            )
        end, start = today - timedelta(days=90), today - timedelta(days=119)
        path = f"/api/v1/feed?kind={kind}&from={start}&to={end}"
        found.append((f"{kind}, 30 days ending 90 days ago", path, FEED_PAGE))
    return found


if __name__ == "__main__":
    periodhelp.cases = cases
    # The board each code reads: main's last migration before this work, and head.
    periodhelp.REVISIONS = {"before": "0027_vote_time_index", "after": "head"}
    if "--measure" in sys.argv:  # the child: its code's periodhelp may be the one before
        periodhelp.main()
    else:
        periodhelp.main(script=__file__)
