"""Browser fixtures: the real server (`python app.py`) on a fresh migrated SQLite database,
headless Chromium through Playwright, and people of every role to log in as.

The server runs as a subprocess so it shares no module globals (Socket.IO, publishers,
the clock) with the rest of the suite, exactly as `make run` would serve it. Tests arrange
data through the HTTP API (`api_as`) so that every change travels the live path:
service → event row → commit → Socket.IO → the open pages.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest

from tests.browser.helpers import (
    LIVE_TIMEOUT_MS,
    SEED_PEOPLE,
    Api,
    BoardServer,
    Person,
    browser_context,
    create_person,
    start_server,
    unique_name,
    watched_page,
)

# ---- fixtures ------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing browser test shows the end of the server's log next to its traceback."""
    outcome = yield
    report = outcome.get_result()
    server = getattr(item, "funcargs", {}).get("board_server")
    if report.failed and isinstance(server, BoardServer):
        tail = "\n".join(server.log().splitlines()[-60:])
        report.sections.append(("board server log (last 60 lines)", tail))


@pytest.fixture(scope="session")
def board_server(chromium_path, sqlite_template, tmp_path_factory) -> Iterator[BoardServer]:
    """The board served for real on a fresh migrated database with the seeded people.

    Shared by the whole browser session (starting it once keeps the suite fast); tests
    stay independent by working on their own uniquely titled ideas and tasks, and by
    asking for fresh people (`person`) where their claims or votes must not collide.
    """
    workdir = tmp_path_factory.mktemp("board-server")
    database = workdir / "board.sqlite3"
    shutil.copy(sqlite_template, database)
    database_url = f"sqlite:///{database}"
    seeded = {
        name: create_person(database_url, name, role, dept) for name, role, dept in SEED_PEOPLE
    }
    server = start_server(workdir, database_url)
    server.people = seeded
    yield server
    server.stop()


@pytest.fixture(scope="module")
def own_board(chromium_path, sqlite_template, tmp_path_factory):
    """own_board(people, env=None): a server of the test module's own on an empty database,
    for tests that count what is on the board. `people` are (email, name, department, role)."""
    servers: list[BoardServer] = []

    def start(people, env: dict[str, str] | None = None) -> BoardServer:
        workdir = tmp_path_factory.mktemp("own-board")
        database = workdir / "board.sqlite3"
        shutil.copy(sqlite_template, database)
        database_url = f"sqlite:///{database}"
        seeded = {
            email: create_person(database_url, email.split("@")[0], role, dept, email, name)
            for email, name, dept, role in people
        }
        server = start_server(workdir, database_url, env)
        server.people = seeded
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def person(board_server) -> Callable[..., Person]:
    """Make a fresh person for this test: person("member", "Marketing")."""

    def make(
        role: str = "member", department: str = "Marketing", name: str | None = None
    ) -> Person:
        name = name or unique_name(role)
        return create_person(board_server.database_url, name, role, department)

    return make


@pytest.fixture
def api_as(board_server) -> Callable[[Person], Api]:
    return lambda person: Api(board_server, person)


@pytest.fixture
def new_context(browser, board_server):
    """new_context(person=None, **options): a browser context, logged in as `person`."""
    contexts = []

    def make(person: Person | None = None, **options):
        context = browser_context(browser, board_server.url, person, **options)
        context.set_default_timeout(LIVE_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def open_page(new_context):
    """open_page(person, path="/"): a fresh logged-in context with `path` loaded."""

    def make(person: Person | None, path: str = "/", **options):
        # tests may assert the page ran without script errors (page.js_errors)
        page = watched_page(new_context(person, **options))
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        return page

    return make
