"""The feed in a real browser: an observer's open /feed shows a change someone else makes,
without a reload, with no CSP violation and no serious accessibility problem."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, ROOT, migrate

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PORTS = range(5400, 5500)


def free_port() -> int:
    start = random.randrange(len(PORTS))  # parallel runs rarely pick the same one
    for port in (*PORTS[start:], *PORTS[:start]):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port")


def wait_for(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace"))
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


@pytest.fixture
def server(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI")
        pytest.skip("Chromium is not installed")
    url = f"sqlite:///{tmp_path / 'board.sqlite3'}"
    migrate(url)
    env = {
        **os.environ,
        "BOARD_DATABASE_URL": url,
        "BOARD_INSTANCE_PATH": str(tmp_path),
        "BOARD_SECRET_KEY": "browser-test",
        "BOARD_TIMEZONE": "Europe/Berlin",
    }
    for email, name, department, role in [
        ("olga@example.com", "Olga Brandt", "Sales", "observer"),
        ("aylin@example.com", "Aylin Kaya", "Customer Service", "member"),
    ]:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "app",
                "users",
                "create",
                email,
                "--password",
                PASSWORD,
                "--name",
                name,
                "--department",
                department,
                "--role",
                role,
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env={**env, "BOARD_PORT": str(port)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(port, process, log)
        yield f"http://127.0.0.1:{port}", playwright
    finally:
        process.terminate()
        process.wait(timeout=10)
        print(log.read_text(errors="replace")[-4000:])  # shown when the test fails


def test_an_open_feed_shows_someone_elses_change_live(server, browser):
    import requests

    base, _playwright = server
    # The suite's one Chromium (tests/conftest.py): the sync API cannot start twice.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "favicon" not in m.text and "404" not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    login = context.request.post(
        f"{base}/api/v1/auth/login", data={"email": "olga@example.com", "password": PASSWORD}
    )
    assert login.ok
    page.goto(f"{base}/feed")
    page.wait_for_selector('#feed-live[data-state="live"]', timeout=30_000)
    assert page.locator("li.feed-item").count() == 0

    other = requests.Session()
    token = other.post(
        f"{base}/api/v1/auth/login", json={"email": "aylin@example.com", "password": PASSWORD}
    ).json()
    created = other.post(
        f"{base}/api/v1/ideas",
        json={"title": "Live Q&A on Thursdays", "body": ""},
        headers={"X-CSRF-Token": token["csrf_token"]},
    )
    assert created.status_code == 201

    item = page.wait_for_selector("li.feed-item-new", timeout=30_000)
    assert item.inner_text().endswith(
        "Aylin Kaya (Customer Service) posted the idea Live Q&A on Thursdays."
    )
    assert page.locator(".feed-stat-ideas strong").inner_text() == "1"
    assert page.locator("#feed-empty").is_hidden()
    assert page.locator("li.feed-item a").get_attribute("href") == f"/ideas/{created.json()['id']}"

    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")  # same origin: CSP allows it
    # The feed's own content; the shared page frame has its own checks.
    result = page.evaluate("axe.run(document.querySelector('main'), {resultTypes: ['violations']})")
    serious = [
        (v["id"], [node["target"] for node in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert problems == []
    context.close()
