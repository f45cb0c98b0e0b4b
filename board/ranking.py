"""The stored tallies and the hot key: pure arithmetic, shared by the vote, the migration,
the CLI recount and the benchmark (no Flask, no session).

Hot, in words: support from many departments counts most, then votes, and everything
cools down with a half-life of a day, from the moment it happened (the idea's posting,
each vote). Because every part decays at the same rate, the ORDER of ideas never changes
while nobody votes, so the order can be stored as one number per idea and indexed:

    hot(now) = [(1 + 4·departments + votes)·2^(created/H) + 2·Σ 2^(voted_at/H)] / 2^(now/H)

`hot_score` is the log2 of the bracket (times in units of H since EPOCH); the divisor
is the same for every idea and drops out of the ranking. `vote_heat` is log2 Σ 2^(voted_at/H)
("recent votes", each weighed by how recent it is), or None without votes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
HALF_LIFE = timedelta(hours=24)
DEPARTMENT_WEIGHT = 4
RECENT_WEIGHT = 2


def units(moment: datetime) -> float:
    """Half-lives since EPOCH (negative before it)."""
    return (moment - EPOCH) / HALF_LIFE


def log2_add(a: float | None, b: float) -> float:
    """log2(2^a + 2^b) without overflow (a None is an empty sum)."""
    if a is None:
        return b
    high, low = (a, b) if a >= b else (b, a)
    return high + math.log2(1 + 2 ** (low - high))


def heat_of(voted_at: Iterable[datetime]) -> float | None:
    heat = None
    for moment in sorted(voted_at):
        heat = log2_add(heat, units(moment))
    return heat


def hot_score(votes: int, departments: int, heat: float | None, created_at: datetime) -> float:
    base = math.log2(1 + DEPARTMENT_WEIGHT * departments + votes) + units(created_at)
    if heat is None:
        return base
    return log2_add(base, math.log2(RECENT_WEIGHT) + heat)


def hidden_hot_score(created_at: datetime) -> float:
    """The hot key of an idea whose tallies are hidden: as if nobody had voted yet."""
    return hot_score(0, 0, None, created_at)
