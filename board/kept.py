"""A process's stores of things made once (texts, cards, checked signatures): plain dicts,
bounded by starting afresh when full, so that a store never grows with a board's age."""

from __future__ import annotations


def keep(store: dict, key, value, most: int):
    """Keep `value` under `key` in `store`; a store that holds `most` starts afresh.
    Returns `value`."""
    if len(store) >= most:
        store.clear()
    store[key] = value
    return value
