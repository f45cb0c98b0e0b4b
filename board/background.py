"""The serving process's background threads (challenge phases, checkpoints, mail,
webhooks): each started once per app, and never in tests, which call the work itself."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask


def start_once(app: Flask, key: str, name: str, target: Callable, *args) -> bool:
    """Start `target(*args)` in a daemon thread called `name`, kept as
    `app.extensions[key]`, unless the app is in tests or has it already. Whether it
    started."""
    settings = app.extensions["board_settings"]
    lock = app.extensions.setdefault("board_background_lock", threading.Lock())
    with lock:
        if settings.testing or app.testing or app.extensions.get(key):
            return False
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        app.extensions[key] = thread
        thread.start()
    return True
