"""A board that follows the live events the way static/js/live.js does, in Python, for the
fault tests and scripts that need many of them (the browser's own code is tested in
Chromium on the same cases: tests/browser/test_reconnects.py).

The protocol, as in live.js: apply each `activity` envelope once, in seq order; after
every (re)connect and on `resync` fetch GET /api/v1/events?after=<last> page by page,
buffering live envelopes meanwhile; a live envelope that skips ahead is held until the gap
below it is filled (or a short check asks the log), so everything applies in seq order. What it builds from the envelopes it applied
is compared with a fresh GET: ideas with their votes and comment counts, tasks with
their status and claimant.
"""

from __future__ import annotations

import contextlib
import threading
import time

import requests
import socketio

GAP_CHECK_SECONDS = 0.4
PAGE = 1000


class Follower:
    def __init__(self, url: str, cookie: str, csrf: str = ""):
        self.url = url
        self.http = requests.Session()
        self.http.headers.update({"Cookie": cookie, "X-CSRF-Token": csrf})
        self.cookie = cookie
        self.last_seq = 0
        self.applied: list[int] = []
        self.held: dict[int, dict] = {}
        self.buffer: list[dict] = []
        self.catching_up = False
        self.ideas: dict[int, dict] = {}
        self.tasks: dict[int, dict] = {}
        self.comments: dict[int, set[int]] = {}
        self.errors: list[str] = []
        self.connects = 0
        self._lock = threading.RLock()
        self._gap_timer: threading.Timer | None = None
        self.client = self._new_client()

    def _new_client(self) -> socketio.Client:
        client = socketio.Client(
            reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2
        )
        client.on("connect", self._on_connect)
        client.on("activity", self._on_activity)
        client.on("activity.batch", self._on_batch)
        client.on("resync", lambda *_: self.catch_up())
        return client

    # ---- connection -----------------------------------------------------------------

    def connect(self, url: str | None = None, timeout: float = 30) -> None:
        self.url = url or self.url
        self.client.connect(
            self.url,
            headers={"Cookie": self.cookie},
            transports=["websocket"],
            auth={"batch": True},  # as live.js: several envelopes per event when behind
            wait_timeout=timeout,
        )

    def drop(self) -> None:
        """The network drops: the transport closes under the client, which reconnects."""
        eio = self.client.eio
        if eio.state == "connected" and eio.ws is not None:
            eio.ws.close()

    def move_to(self, url: str) -> None:
        """Its server is gone and the load balancer sends the page to `url`: a connection
        of a new client there. The old client is already retrying in the background
        (`reconnection=True`), and a connect() of ours on it would race its loop's own (one
        of them fails with 'Unexpected connection error' or 'not in a disconnected
        state'); it is stopped on the side, whatever state it is in."""
        gone, self.client = self.client, self._new_client()
        threading.Thread(target=_stop_quietly, args=(gone,), daemon=True).start()
        self.connect(url)

    def close(self) -> None:
        if self._gap_timer:
            self._gap_timer.cancel()
        self.client.disconnect()

    def close_in_background(self) -> threading.Thread:
        """close() without waiting for it: see close_all."""
        closing = threading.Thread(target=self.close, daemon=True)
        closing.start()
        return closing

    def _on_connect(self) -> None:
        self.connects += 1
        threading.Thread(target=self.catch_up, daemon=True).start()

    # ---- events -------------------------------------------------------------------

    def _on_activity(self, envelope: dict) -> None:
        with self._lock:
            if self.catching_up:
                self.buffer.append(envelope)
                return
            self._apply_live(envelope)

    def _on_batch(self, envelopes: list) -> None:
        with self._lock:  # the whole batch at once: one envelope after the other, in order
            for envelope in envelopes:
                self._on_activity(envelope)

    def _apply_once(self, envelope: dict) -> bool:
        seq = envelope["seq"]
        if seq <= self.last_seq:
            return False
        self.applied.append(seq)
        self._apply(envelope)
        self.last_seq = seq
        return True

    def _apply_live(self, envelope: dict) -> None:
        if envelope["seq"] <= self.last_seq:
            return
        if envelope["seq"] != self.last_seq + 1:
            self.held[envelope["seq"]] = envelope  # until the gap below it is filled
            self._schedule_gap_check()
            return
        self._apply_once(envelope)
        self._drain_held()

    def _drain_held(self) -> None:
        for seq in [s for s in self.held if s <= self.last_seq]:
            del self.held[seq]
        while self.last_seq + 1 in self.held:
            self._apply_once(self.held.pop(self.last_seq + 1))
        if self.held:
            self._schedule_gap_check()

    def _schedule_gap_check(self) -> None:
        if self._gap_timer is None:
            self._gap_timer = threading.Timer(GAP_CHECK_SECONDS, self._gap_check)
            self._gap_timer.daemon = True
            self._gap_timer.start()

    def _gap_check(self) -> None:
        self._gap_timer = None
        if self.client.connected:
            self.catch_up()

    def catch_up(self) -> None:
        with self._lock:
            if self.catching_up:
                return
            self.catching_up = True
        failed = False
        try:
            while True:
                with self._lock:
                    after = self.last_seq
                try:
                    page = self.http.get(
                        f"{self.url}/api/v1/events",
                        params={"after": after, "limit": PAGE},
                        timeout=30,
                    )
                    page.raise_for_status()
                    items = page.json()["items"]
                except (requests.RequestException, ValueError) as error:
                    self.errors.append(f"catch-up: {error}")
                    failed = True
                    break
                if not items:
                    break
                with self._lock:
                    for envelope in items:
                        self._apply_once(envelope)
        finally:
            with self._lock:
                for envelope in self.buffer:
                    if envelope["seq"] > self.last_seq:
                        self.held[envelope["seq"]] = envelope
                self.buffer = []
                self.catching_up = False
                self._drain_held()
        if failed and self.client.connected:
            time.sleep(1)  # the server may be restarting
            threading.Thread(target=self.catch_up, daemon=True).start()

    # ---- the board it shows ----------------------------------------------------------

    def _apply(self, envelope: dict) -> None:
        kind, data = envelope["type"], envelope.get("data") or {}
        if kind in ("idea.created", "idea.updated"):
            idea = data["idea"]
            known = self.ideas.setdefault(idea["id"], {"votes": 0})
            known["title"] = idea["title"]
            if kind == "idea.created":
                known["votes"] = idea.get("votes", 0)
        elif kind == "idea.votes_changed":
            self.ideas.setdefault(data["idea_id"], {"votes": 0})["votes"] = data["votes"]
        elif kind == "comment.created":
            comment = data["comment"]
            self.comments.setdefault(comment["idea_id"], set()).add(comment["id"])
        elif kind.startswith("task."):
            task = data["task"]
            self.tasks[task["id"]] = {
                "status": task["status"],
                "claimed_by": (task.get("claimed_by") or {}).get("id"),
            }

    def state(self) -> dict:
        with self._lock:
            return {
                "ideas": {i: (v.get("title"), v["votes"]) for i, v in self.ideas.items()},
                "comments": {i: len(c) for i, c in self.comments.items() if c},
                "tasks": dict(self.tasks),
            }


def every_item(http: requests.Session, list_url: str) -> list[dict]:
    """A paged list walked to its end (`next_cursor` until null)."""
    items, params = [], {"limit": 200}
    while True:
        page = http.get(list_url, params=params, timeout=30).json()
        items += page["items"]
        if not page.get("next_cursor"):
            return items
        params = {"limit": 200, "cursor": page["next_cursor"]}


def fresh_state(http: requests.Session, url: str) -> dict:
    """The board as a fresh GET shows it, in the shape Follower.state() builds."""
    ideas, tasks = every_item(http, f"{url}/api/v1/ideas"), every_item(http, f"{url}/api/v1/tasks")
    comments = {}
    for idea in ideas:
        listed = http.get(f"{url}/api/v1/ideas/{idea['id']}/comments", timeout=30).json()
        if listed:
            comments[idea["id"]] = len(listed)
    return {
        "ideas": {i["id"]: (i["title"], i["votes"]) for i in ideas},
        "comments": comments,
        "tasks": {
            t["id"]: {"status": t["status"], "claimed_by": (t.get("claimed_by") or {}).get("id")}
            for t in tasks
        },
    }


def all_seqs(http: requests.Session, url: str) -> list[int]:
    seqs, after = [], 0
    while True:
        page = http.get(
            f"{url}/api/v1/events", params={"after": after, "limit": PAGE}, timeout=30
        ).json()
        if not page["items"]:
            return seqs
        seqs += [e["seq"] for e in page["items"]]
        after = page["last_seq"]


def converged(followers: list[Follower], http: requests.Session, url: str) -> list[str]:
    """What is still wrong (empty: every follower shows exactly the fresh board)."""
    truth, seqs = fresh_state(http, url), all_seqs(http, url)
    problems = []
    for n, follower in enumerate(followers):
        with follower._lock:
            applied = list(follower.applied)
        if len(applied) != len(set(applied)):
            problems.append(f"follower {n} applied a seq twice")
        if sorted(applied) != seqs:
            missing = sorted(set(seqs) - set(applied))[:5]
            problems.append(f"follower {n} misses seqs {missing}…")
        elif follower.state() != truth:
            problems.append(f"follower {n} shows another board than a fresh GET")
    return problems


def wait_converged(followers, http, url, timeout: float) -> tuple[list[str], float]:
    """Poll until converged or `timeout`; (problems left, seconds it took)."""
    started = time.monotonic()
    while True:
        problems = converged(followers, http, url)
        elapsed = time.monotonic() - started
        if not problems or elapsed > timeout:
            return problems, elapsed
        time.sleep(0.5)


def close_all(followers: list[Follower]) -> None:
    """Close every follower, all at once. A clean close waits up to 3 s for the server's
    close frame (websocket-client's default), which the client's own read loop usually
    takes first, so each close costs those 3 s: one after another, 20 followers took a
    minute."""
    for closing in [follower.close_in_background() for follower in followers]:
        closing.join()


def _stop_quietly(client: socketio.Client) -> None:
    """Stop a client's reconnecting and its connection: its server is dead, so whatever
    this meets (a half-closed transport, a connect attempt in flight) does not matter."""
    with contextlib.suppress(Exception):
        client.shutdown()
