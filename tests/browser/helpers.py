"""The browser tests' tools: the real server as a subprocess, seeded people, a JSON API
client against that server, and unique titles. Imported by conftest.py and the tests."""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import requests

from tests.cheap_hashing import cheap_password_hasher

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOTS = ROOT / "docs" / "screenshots"
# BOARD_UPDATE_SCREENSHOTS=1: the pictures the tests take go to SCREENSHOTS as well.
UPDATE_SCREENSHOTS = os.environ.get("BOARD_UPDATE_SCREENSHOTS") == "1"
SERVER_START_SECONDS = 30
# How long a live update may take to show up before a test calls it missing. Generous
# for a loaded CI machine; tests wait on conditions, so a passing run never waits this long.
LIVE_TIMEOUT_MS = 10_000

# ---- the server ----------------------------------------------------------------------


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A free local port; BOARD_TEST_PORTS=5600-5699 keeps it inside a given range."""
    wanted = os.environ.get("BOARD_TEST_PORTS")
    if wanted:
        low, high = (int(part) for part in wanted.split("-"))
        for port in range(low, high + 1):
            if _port_is_free(port):
                return port
        raise RuntimeError(f"no free port in BOARD_TEST_PORTS={wanted}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    role: str
    department: str
    id: int
    password: str = PASSWORD


@dataclass
class BoardServer:
    """One `python app.py` process serving one database."""

    url: str
    database_url: str
    process: subprocess.Popen
    log_path: Path
    people: dict[str, Person] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    workdir: Path, database_url: str, env: dict[str, str] | None = None
) -> BoardServer:
    """Start `python app.py` on a free port and wait until it answers."""
    last_error: Exception | None = None
    for _attempt in range(3):  # another process may take the port between probe and bind
        port = free_port()
        log_path = workdir / f"server-{port}.log"
        # Only our BOARD_* settings: a developer's own (a Redis queue, a database) stay out.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("BOARD_")}
        server_env = {
            **inherited,
            "BOARD_DATABASE_URL": database_url,
            "BOARD_INSTANCE_PATH": str(workdir / "instance"),
            "BOARD_SECRET_KEY": "browser-test-secret",
            "BOARD_HOST": "127.0.0.1",
            "BOARD_PORT": str(port),
            "BOARD_WEBHOOK_LOCAL_NETWORK": "1",  # the tests' chat receivers are on loopback
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                # app.py with the tests' cheap Argon2 (tests/browser/serve.py)
                [sys.executable, "-m", "tests.browser.serve"],
                cwd=ROOT,
                env=server_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = BoardServer(f"http://127.0.0.1:{port}", database_url, process, log_path)
        try:
            _wait_until_answering(server)
            return server
        except RuntimeError as exc:
            server.stop()
            last_error = exc
    raise RuntimeError(f"the board server did not start: {last_error}")


def _wait_until_answering(server: BoardServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.log()}")
        try:
            if requests.get(server.url + "/api/v1/departments", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)  # polling a starting process, not waiting for a clock
    raise RuntimeError(f"server did not answer within {SERVER_START_SECONDS}s:\n{server.log()}")


# ---- people and data -----------------------------------------------------------------

_unique = itertools.count(1)

# The seeded task force: every role, several departments.
SEED_PEOPLE = [
    ("mara", "member", "Marketing"),
    ("ivan", "member", "IT"),
    ("petra", "member", "PR"),
    ("sam", "facilitator", "Communications"),
    ("olga", "observer", "Sales"),
]


@functools.cache
def _password_hash(password: str) -> str:
    # The server checks passwords at the tests' cheap cost (tests/browser/serve.py), which
    # only helps if the stored hash has the cheap parameters too (Argon2 verifies with the
    # hash's own), and a login with a dearer hash would rehash it.
    return cheap_password_hasher().hash(password)


def create_person(
    database_url: str,
    name: str,
    role: str,
    department: str,
    email: str | None = None,
    display_name: str | None = None,
) -> Person:
    """A person made the CLI's way (`people.create_user`), straight into the database."""
    from board import people
    from board.db import Database

    database = Database(database_url)
    try:
        # Every test person shares one password, so it is hashed once.
        with (
            mock.patch.object(people, "hash_password", _password_hash),
            database.Session() as session,
        ):
            user = people.create_user(
                session,
                email or f"{name}@example.com",
                PASSWORD,
                display_name or name.title(),
                department,
                role,
            )
            return Person(user.email, user.display_name, role, user.department.name, user.id)
    finally:
        database.dispose()


class Api:
    """A person's JSON API client against the running server (cookie + CSRF header)."""

    def __init__(self, server: BoardServer, person: Person):
        self.base = server.url + "/api/v1/"
        self.http = requests.Session()
        answer = self.http.post(
            self.base + "auth/login",
            json={"email": person.email, "password": person.password},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        self.http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        self.user = answer.json()["user"]

    def call(self, method: str, path: str, json=None, expect: int | None = None):
        answer = self.http.request(method, self.base + path, json=json, timeout=10)
        if expect is not None:
            assert answer.status_code == expect, (
                f"{method} {path}: {answer.status_code} {answer.text}"
            )
        return answer.json() if answer.content else None

    def post_idea(self, title: str, body: str = "Seen in a browser test.", **extra) -> dict:
        return self.call("POST", "ideas", {"title": title, "body": body, **extra}, expect=201)

    def vote(self, idea_id: int) -> dict:
        return self.call("PUT", f"ideas/{idea_id}/vote", expect=200)

    def create_task(self, title: str, **extra) -> dict:
        return self.call("POST", "tasks", {"title": title, **extra}, expect=201)

    def claim(self, task_id: int) -> dict:
        return self.call("POST", f"tasks/{task_id}/claim", expect=200)

    def comment(self, idea_id: int, body: str) -> dict:
        return self.call("POST", f"ideas/{idea_id}/comments", {"body": body}, expect=201)


# ---- a browser logged in ----------------------------------------------------------------


# How the pictures are taken: one pixel a dot, nothing moving.
STILL = {"device_scale_factor": 1, "reduced_motion": "reduce"}


def browser_context(browser, base_url: str, person: Person | None = None, **options):
    """A browser context on the board at `base_url` (VIEWPORT, English, unless `options`
    say otherwise), logged in as `person` (None: a stranger) as a browser's login does:
    context.request shares the context's cookie jar, so the session cookie lands there.
    The login's CSRF token is `context.csrf_token`, for a change the test makes in the
    person's name; a refused login closes the context and fails."""
    options.setdefault("viewport", VIEWPORT)
    options.setdefault("locale", "en-US")  # the tests read the English sentences
    context = browser.new_context(base_url=base_url, **options)
    context.csrf_token = None
    if person is not None:
        log_in(context, person.email, person.password)
    return context


def log_in(context, email: str, password: str = PASSWORD) -> None:
    """Log `context` in as `email` (see browser_context)."""
    answer = context.request.post("/api/v1/auth/login", data={"email": email, "password": password})
    if answer.status != 200:
        context.close()
        raise AssertionError(f"{email} could not log in: {answer.text()}")
    context.csrf_token = answer.json()["csrf_token"]


def watched_page(context):
    """A new page of `context` that keeps its script errors in `page.js_errors`."""
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    return page


def unique(text: str) -> str:
    """A title no other test uses, so assertions find exactly one card."""
    return f"{text} #{next(_unique)}"


def unique_name(prefix: str) -> str:
    """A login name no other test uses (people are never removed between tests)."""
    return f"{prefix}{next(_unique)}"


# ---- reading the board in a page ------------------------------------------------------
# The hooks below (data-idea-id, data-field=..., the task columns) are the pages' own
# markup, shared with static/js/render.js; body[data-live="1"] means the page has caught
# up with the event log and follows it live.


def wait_until_live(page, timeout: int = LIVE_TIMEOUT_MS) -> None:
    from playwright.sync_api import expect

    expect(page.locator("body")).to_have_attribute("data-live", "1", timeout=timeout)


def idea_card(page, idea_id: int):
    return page.locator(f'#idea-list .idea-card[data-idea-id="{idea_id}"]')


def task_card(page, task_id: int):
    return page.locator(f'.task-card[data-task-id="{task_id}"]')


def mark_page(page) -> None:
    """Put a marker into the page's JS world; it survives anything but a reload."""
    page.evaluate("() => { window.__sameDocument = true; }")


def still_same_document(page) -> bool:
    return page.evaluate("() => window.__sameDocument === true")


def poll_until(page, condition, what: str, timeout: int = LIVE_TIMEOUT_MS) -> None:
    """Wait for a condition on the test's side (Playwright events keep flowing meanwhile)."""
    deadline = time.monotonic() + timeout / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        page.wait_for_timeout(20)  # lets Playwright deliver events; not a timing assumption


def wait_until_applied(page, seq: int, timeout: int = LIVE_TIMEOUT_MS) -> None:
    """Wait until the page has applied every public event up to `seq`."""
    page.wait_for_function(
        "seq => Number(document.body.dataset.lastAppliedSeq || document.body.dataset.seq || 0)"
        " >= seq && document.body.dataset.live === '1'",
        arg=seq,
        timeout=timeout,
    )


BOARD_SNAPSHOT_JS = """() => {
  const text = (root, name) => (root.querySelector(`[data-field="${name}"]`)?.textContent || "")
    .replace(/\\s+/g, " ").trim();
  const ideas = [...document.querySelectorAll("#idea-list .idea-card")].map((card) => ({
    id: Number(card.dataset.ideaId),
    title: text(card, "title"),
    votes: text(card, "votes"),
    departments: text(card, "departments"),
    comments: Number(card.querySelector('[data-field="comments"]')?.dataset.count || 0),
    status: text(card, "status"),
  }));
  const tasks = [...document.querySelectorAll(".task-column .task-card")].map((card) => ({
    id: Number(card.dataset.taskId),
    title: text(card, "title"),
    column: card.closest(".task-column").dataset.status,
    status: card.dataset.status,
    claimed_by: card.dataset.claimedBy,
  }));
  const counts = Object.fromEntries([...document.querySelectorAll(".task-column")].map(
    (column) => [column.dataset.status, text(column, "count")]));
  counts.ideas = document.getElementById("idea-count")?.textContent.trim();
  return { ideas, tasks, counts };
}"""


def board_snapshot(page) -> dict:
    """What the board shows, independent of who looks (no "you", no own-vote state)."""
    return page.evaluate(BOARD_SNAPSHOT_JS)


def board_differences(left: dict, right: dict) -> list[str]:
    """The cards and counts two snapshots disagree on, as readable lines."""
    lines = []
    for kind in ("ideas", "tasks"):
        mine = {card["id"]: card for card in left[kind]}
        theirs = {card["id"]: card for card in right[kind]}
        for card_id in sorted(set(mine) | set(theirs)):
            if mine.get(card_id) != theirs.get(card_id):
                lines.append(f"{kind} #{card_id}: {mine.get(card_id)} != {theirs.get(card_id)}")
    if left["counts"] != right["counts"]:
        lines.append(f"counts: {left['counts']} != {right['counts']}")
    return lines


def last_seq(api: Api) -> int:
    """The newest public event's seq, as /api/v1/events tells it."""
    after = 0
    while True:
        page = api.call("GET", f"events?after={after}&limit=1000", expect=200)
        if not page["items"]:
            return after
        after = page["last_seq"]


def tab_to(page, selector: str, max_presses: int = 150, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    path = []
    for _ in range(max_presses):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(
            "s => { const e = document.activeElement; return e ? [e.matches(s),"
            " e.outerHTML.slice(0, 80)] : [false, 'nothing'] }",
            selector,
        )
        if focused[0]:
            return
        path.append(focused[1])
    tail = "\n  ".join(path[-8:])
    raise AssertionError(f"Tab never reached {selector}; the last stops were:\n  {tail}")


RECORD_TOASTS_JS = """() => {
  window.__toasts = [];
  const region = document.getElementById("toasts");
  new MutationObserver((changes) => {
    for (const change of changes) for (const node of change.addedNodes) {
      if (node.classList?.contains("toast")) {
        window.__toasts.push({ kind: node.className, text: node.textContent.trim() });
      }
    }
  }).observe(region, { childList: true });
}"""


def record_toasts(page) -> None:
    """Keep every toast the page shows (they fade after a few seconds; a busy CI is slower)."""
    page.evaluate(RECORD_TOASTS_JS)


def toasts(page) -> list[dict]:
    return page.evaluate("() => window.__toasts || []")


def screenshot(page, tmp_path, name: str, *, smallest: int = 5_000, for_docs: bool = True):
    """Take the picture `name`.png in `tmp_path` once the fonts are in: not smaller than
    `smallest` bytes (an empty page is), and nothing scrolls sideways. With
    BOARD_UPDATE_SCREENSHOTS=1 it goes into the docs too (`for_docs`); look at it first."""
    page.evaluate("() => document.fonts.ready")
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > smallest, "a screenshot that small is an empty page"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: scrolls sideways ({width} px)"
    if UPDATE_SCREENSHOTS and for_docs:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SCREENSHOTS / shot.name)
