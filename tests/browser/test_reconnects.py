"""Reconnects, with the browser's own catch-up code: 50 boards in Chromium, each a
LiveConnection from static/js/live.js (the page's real module, imported into a board
page, one Socket.IO connection each), follow 1,000 changes while 10 of them, picked at
random, lose their connection (the transport is closed under them, as a network drop
does) and reconnect by themselves. The four writers change the board at the same time,
each on a thread of its own, as people do (one after another, the test spent most of its
time waiting for each answer). Afterwards every board's state, built only from the
envelopes its LiveConnection handed it, equals a fresh GET, and the seqs it applied have
no gap and no duplicate.

Marked `faults` and `browser`: it runs in `make test`.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from playwright.sync_api import expect

from bench.follower import fresh_state
from tests.browser.helpers import LIVE_TIMEOUT_MS, Api, browser_context, log_in, watched_page
from tests.conftest import PASSWORD
from tests.realtime_helpers import held_burst
from tests.test_socket_transport import server  # noqa: F401 - fixture

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.slow]
CLIENTS = 50
CHANGES = 1000
DROPS = 10
CONVERGE = 60  # seconds: a bound on waiting, never a target
WRITING = 240  # seconds: a bound on the writers' progress on a loaded machine

PEOPLE = [
    ("watcher@example.com", "Wade", "IT", "member"),
    ("w1@example.com", "Ada", "Marketing", "member"),
    ("w2@example.com", "Ben", "Sales", "member"),
    ("w3@example.com", "Cleo", "Legal", "member"),
    ("w4@example.com", "Dan", "HR", "member"),
]

# The boards: the real LiveConnection; `apply` records the envelope and builds the model
# the test compares (ideas with title and votes, comment counts, tasks).
START_CLIENTS = """
async ([count]) => {
  const { LiveConnection } = await import("/static/js/live.js");
  const start = Number.parseInt(document.body.dataset.seq, 10);
  window.boards = [];
  for (let i = 0; i < count; i += 1) {
    const board = { applied: [], ideas: {}, tasks: {}, comments: {}, connects: 0 };
    board.live = new LiveConnection({
      lastSeq: start,
      presence() {},
      socketOptions: { forceNew: true, transports: ["websocket"] },
      apply(envelope) {
        board.applied.push(envelope.seq);
        const data = envelope.data || {};
        if (envelope.type === "idea.created" || envelope.type === "idea.updated") {
          const idea = (board.ideas[data.idea.id] ||= { votes: 0 });
          idea.title = data.idea.title;
          if (envelope.type === "idea.created") idea.votes = data.idea.votes ?? 0;
        } else if (envelope.type === "idea.votes_changed") {
          (board.ideas[data.idea_id] ||= { votes: 0 }).votes = data.votes;
        } else if (envelope.type === "comment.created") {
          (board.comments[data.comment.idea_id] ||= {})[data.comment.id] = true;
        } else if (envelope.type.startsWith("task.")) {
          board.tasks[data.task.id] = {
            status: data.task.status, claimed_by: data.task.claimed_by?.id ?? null,
          };
        }
      },
    });
    board.live.start();
    board.live.socket.on("connect", () => { board.connects += 1; });
    window.boards.push(board);
  }
  return start;
}
"""

ALL_CONNECTED = "() => window.boards.every((b) => b.live.socket.connected && !b.live.catchingUp)"

DROP = "([i]) => { window.boards[i].live.socket.io.engine.close(); }"

SETTLED = """([last]) => window.boards.every(
  (b) => b.live.socket.connected && !b.live.catchingUp && b.live.lastSeq === last
         && b.live.held.size === 0)"""

STATES = """() => window.boards.map((b) => ({
  applied: b.applied,
  connects: b.connects,
  ideas: Object.fromEntries(Object.entries(b.ideas).map(([id, v]) => [id, [v.title ?? null, v.votes]])),
  comments: Object.fromEntries(Object.entries(b.comments).map(([id, c]) => [id, Object.keys(c).length])),
  tasks: b.tasks,
}))"""


def poll(page, script: str, args, what: str, timeout: float = CONVERGE) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(script, args):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.2)


class Changes:
    """CHANGES changes by the writers at once, one thread each, as people write at the same
    time: each posts ideas, votes and unvotes, comments, creates tasks, claims any open
    one and releases or completes what it holds. Every change writes exactly one event.
    Changes past `hold_from` wait until the last drop is done."""

    def __init__(self, writers: list[Api], hold_from: int):
        self.writers = writers
        self.hold_from = hold_from
        self.last_drop_done = threading.Event()
        self.lock = threading.Condition()
        self.reserved = 0  # changes under way or made: never more than CHANGES
        self.made = 0
        self.failure: BaseException | None = None
        self.ideas: list[int] = []
        self.tasks: dict[int, tuple[str, int | None]] = {}  # id → (status, holder's index)
        self.busy: set[int] = set()  # tasks a writer is changing right now

    def wait_until_made(self, count: int) -> None:
        with self.lock:
            done = self.lock.wait_for(
                lambda: self.made >= count or self.failure is not None, WRITING
            )
        self.raise_failure()
        assert done, f"not within {WRITING} s: {count} changes made"

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def _reserve(self) -> bool:
        """A place for one more change; False when all CHANGES are made or under way.
        Past `hold_from`, wait for the last drop: it must come before the last changes."""
        with self.lock:
            while True:
                if self.reserved >= CHANGES or self.failure is not None:
                    return False
                if self.reserved < self.hold_from or self.last_drop_done.is_set():
                    self.reserved += 1
                    return True
                assert self.lock.wait(WRITING), "the last drop never came"

    def drop_done(self) -> None:
        with self.lock:
            self.last_drop_done.set()
            self.lock.notify_all()

    def _settle(self, changed: bool) -> None:
        with self.lock:
            if changed:
                self.made += 1
            else:
                self.reserved -= 1
            self.lock.notify_all()

    def write(self, w: int, rng: random.Random) -> None:
        try:
            voted: set[int] = set()
            for _attempt in range(CHANGES * 3):  # bounded
                if not self._reserve():
                    return
                self._settle(self._change(w, rng, voted))
        except BaseException as failure:  # noqa: BLE001 - handed to the test's thread
            with self.lock:
                self.failure = failure
                self.lock.notify_all()

    def _change(self, w: int, rng: random.Random, voted: set[int]) -> bool:
        """One change by writer w; False when the rules allowed none (nothing written)."""
        who = self.writers[w]
        roll = rng.random()
        with self.lock:
            ideas = list(self.ideas)
        if roll < 0.2 or len(ideas) < 3:
            idea = who.post_idea(f"Idea by {w}")["id"]
            with self.lock:
                self.ideas.append(idea)
            return True
        if roll < 0.45:
            idea = rng.choice(ideas)
            if idea in voted:
                who.call("DELETE", f"ideas/{idea}/vote", expect=200)
                voted.discard(idea)
            else:
                who.call("PUT", f"ideas/{idea}/vote", expect=200)
                voted.add(idea)
            return True
        if roll < 0.6:
            who.comment(rng.choice(ideas), f"Comment by {w}")
            return True
        with self.lock:
            # any open task, or one this writer holds; never one another writer is changing
            mine = [
                t
                for t, (status, holder) in self.tasks.items()
                if t not in self.busy
                and (status == "open" or (status == "claimed" and holder == w))
            ]
            task = rng.choice(mine) if mine and roll >= 0.72 else None
            if task is not None:
                self.busy.add(task)
        if task is None:
            created = who.create_task(f"Task by {w}", idea_id=rng.choice(ideas))["id"]
            with self.lock:
                self.tasks[created] = ("open", None)
            return True
        try:
            status, _holder = self.tasks[task]
            if status == "open":
                answer = who.http.post(f"{who.base}tasks/{task}/claim", timeout=30)
                if answer.status_code == 409:  # the claim limit: no change
                    return False
                new = ("claimed", w)
            else:
                action = rng.choice(["release", "complete"])
                answer = who.http.post(f"{who.base}tasks/{task}/{action}", timeout=30)
                new = ("open", None) if action == "release" else ("done", w)
            assert answer.status_code == 200, answer.text
            with self.lock:
                self.tasks[task] = new
            return True
        finally:
            with self.lock:
                self.busy.discard(task)


def test_fifty_boards_with_ten_drops_end_exactly_where_a_fresh_load_is(own_board, browser):
    server = own_board(PEOPLE)  # noqa: F811 - not the in-process `server` fixture
    watcher = server.people["watcher@example.com"]
    writers = [Api(server, server.people[email]) for email, *_ in PEOPLE[1:]]
    context = browser_context(browser, server.url, watcher)
    try:
        page = watched_page(context)
        page.goto("/")
        start = page.evaluate(START_CLIENTS, [CLIENTS])
        poll(page, ALL_CONNECTED, None, "50 boards connected")

        rng = random.Random(16)
        # Ten drops at random moments, the last one just before the end, so that a board
        # must catch up on reconnecting with no later live envelope to hint at a gap.
        drop_at = sorted(rng.sample(range(50, CHANGES - 20), DROPS - 1)) + [CHANGES - 5]
        victims = [rng.randrange(CLIENTS) for _ in drop_at]
        changes = Changes(writers, drop_at[-1])
        threads = [
            threading.Thread(target=changes.write, args=(w, random.Random(16 + w)), daemon=True)
            for w in range(len(writers))
        ]
        for thread in threads:
            thread.start()
        # The writers run on their own threads; the drops come from this one, which alone
        # may drive the page (Playwright's sync API is not thread-safe).
        for at, victim in zip(drop_at, victims, strict=True):
            changes.wait_until_made(at)
            page.evaluate(DROP, [victim])
        changes.drop_done()
        for thread in threads:
            thread.join()  # each change is bounded by its request's timeout
        changes.raise_failure()
        assert changes.made == CHANGES
        dropped = victims
        all_seqs = []
        after = start
        while page_items := writers[0].call("GET", f"events?after={after}&limit=1000")["items"]:
            all_seqs += [e["seq"] for e in page_items]
            after = page_items[-1]["seq"]
        last = all_seqs[-1]
        assert len(all_seqs) == CHANGES

        poll(page, SETTLED, [last], "every board caught up")
        truth = fresh_state(writers[0].http, server.url)
        truth = {
            "ideas": {str(k): list(v) for k, v in truth["ideas"].items()},
            "comments": {str(k): v for k, v in truth["comments"].items()},
            "tasks": {str(k): v for k, v in truth["tasks"].items()},
        }
        boards = page.evaluate(STATES)
        for n, board in enumerate(boards):
            applied = board["applied"]
            assert len(applied) == len(set(applied)), f"board {n} applied a seq twice"
            assert applied == all_seqs, f"board {n}: gap or disorder in the seqs it applied"
            shown = {k: board[k] for k in ("ideas", "comments", "tasks")}
            assert shown == truth, f"board {n} differs from a fresh GET"
        for victim in set(dropped):
            assert boards[victim]["connects"] >= 2, f"board {victim} never reconnected"
        assert page.js_errors == []
    finally:
        context.close()


COUNT_BATCHES = """() => {
  for (const b of window.boards) {
    b.batches = [];
    b.live.socket.on("activity.batch", (envelopes) => b.batches.push(envelopes.length));
  }
}"""


def test_a_burst_that_piled_up_arrives_as_batches_and_every_board_applies_it_in_order(
    server,  # noqa: F811 - the board served in this process, so its fan-out can be held
    people_,
    monkeypatch,
    browser,
):
    """When the server is behind, envelopes come several to an `activity.batch` event;
    live.js asks for that at connect and applies each through the same path, in order.
    The burst is made certain to pile up (held_burst: the first fan-out is held until
    twenty writes have committed behind it), with a private nudge among them."""
    context = browser_context(browser, server)
    try:
        log_in(context, "mara@example.com", PASSWORD)
        page = watched_page(context)
        page.goto("/")
        expect(page.locator("body[data-live='1']")).to_be_attached(timeout=LIVE_TIMEOUT_MS)
        start = page.evaluate(START_CLIENTS, [5])
        poll(page, ALL_CONNECTED, None, "5 boards connected")
        page.evaluate(COUNT_BATCHES)

        mara_id = people_.user("member").id
        writes = [("other_member", "ideas", {"title": f"Burst {i}", "body": ""}) for i in range(8)]
        writes += [("member", "ideas/{idea}/comments", {"body": "Mine"})]
        writes += [("facilitator", "ideas/{idea}/comments", {"body": f"C{i}"}) for i in range(8)]
        writes += [("facilitator", "nudges", {"to_user_id": mara_id, "message": "Look!"})]
        held_burst(people_, monkeypatch, writes)

        api = people_.client("member")
        logged = api.get(f"events?after={start}&limit=1000").get_json()["items"]
        all_seqs = [e["seq"] for e in logged]
        assert len(all_seqs) == 1 + len(writes)
        poll(page, SETTLED, [all_seqs[-1]], "every board caught up")
        boards = page.evaluate("() => window.boards.map((b) => [b.applied, b.batches])")
        for n, (applied, batches) in enumerate(boards):
            assert applied == all_seqs, f"board {n}: gap or disorder in the seqs it applied"
            assert batches == [len(writes)], f"board {n}: the burst as one batch"
        # The page's own board applied it too: the burst's ideas are on it, the nudge too.
        for i in range(8):
            expect(page.get_by_text(f"Burst {i}", exact=True)).to_be_visible(
                timeout=LIVE_TIMEOUT_MS
            )
        expect(page.locator("body")).to_have_attribute(
            "data-last-applied-seq", str(all_seqs[-1]), timeout=LIVE_TIMEOUT_MS
        )
        assert page.js_errors == []
    finally:
        context.close()
