"""The files docs/deploy.md tells an operator to install, checked by the real tools of
Debian 12: nginx takes nginx.conf (`nginx -t`) and serves the board through it, two gunicorns
started with gunicorn.conf.py on PostgreSQL and Redis behind it; systemd takes the units
(`systemd-analyze verify`). `make test-deps` (run by `make test`) installs the tools; in CI a
missing tool fails the run, on a laptop its tests are skipped."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from board import images
from tests.conftest import ROOT
from tests.test_images import photo
from tests.test_scaleout import TIMEOUT, Person, Tab, board_env, free_port, wait_until_serving

__all__ = ["board_env"]  # the fixture, shared with the scale-out tests
DEPLOY = ROOT / "docs" / "deploy"
UNITS = ["board@.service", "board-migrate.service", "board.target"]
MIB = 1024 * 1024
SECURITY_HEADERS = [
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Strict-Transport-Security",
]


def served(test):
    """The tests of the board behind nginx: real processes on PostgreSQL and Redis."""
    for mark in (pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis):
        test = mark(test)
    return test


def tool(name: str) -> str:
    """The tool's path (Debian keeps nginx in /usr/sbin, off a user's PATH)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI (make test-deps installs it)")
    pytest.skip(f"{name} is not installed (make test-deps installs it)")


# ---- nginx -t -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for board.example.com and 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        [tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=board.example.com", "-keyout", str(key), "-out", str(cert)]
        + ["-addext", "subjectAltName=DNS:board.example.com,IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def substitute(text: str, old: str, new: str) -> str:
    """Replace `old` (a regular expression), which the shipped file must contain."""
    changed, count = re.subn(old, new, text, flags=re.M)
    assert count, f"docs/deploy/nginx.conf no longer has {old!r}"
    return changed


def site(folder: Path, certificate: tuple[Path, Path], **serving) -> Path:
    """The shipped nginx.conf as docs/deploy.md installs it, with the test's certificate; with
    `serving` (https, http, upstreams) on free ports, the static files from this checkout."""
    text = (DEPLOY / "nginx.conf").read_text()
    text = substitute(text, r"/etc/ssl/board/fullchain\.pem", str(certificate[0]))
    text = substitute(text, r"/etc/ssl/board/privkey\.pem", str(certificate[1]))
    if serving:
        text = substitute(text, r"^\s*listen \[::\]:(80|443).*\n", "")
        text = substitute(text, r"listen 80;", f"listen 127.0.0.1:{serving['http']};")
        text = substitute(text, r"listen 443 ", f"listen 127.0.0.1:{serving['https']} ")
        text = substitute(text, r"^\s*server 127\.0\.0\.1:800[34];\n", "")
        for shipped, port in zip(("8001", "8002"), serving["upstreams"], strict=True):
            text = substitute(text, rf"server 127\.0\.0\.1:{shipped};", f"server 127.0.0.1:{port};")
        text = substitute(text, r"alias /srv/board/static/;", f"alias {ROOT}/static/;")
    path = folder / "board"
    path.write_text(text)
    return path


def main_config(folder: Path, site_file: Path) -> Path:
    """Debian 12's /etc/nginx/nginx.conf, its logs, pid and buffers in `folder` (so a user
    other than root may run it) and the board's site as the one in sites-enabled/."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    # Run by root, nginx's workers would be nobody, who may not enter the test's folder.
    user = "user root;" if os.geteuid() == 0 else ""
    path = folder / "nginx.conf"
    path.write_text(
        f"""{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{
    worker_connections 768;
}}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    {mime}
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {folder}/access.log;
    gzip on;
{temp}
    include {site_file};
}}
"""
    )
    return path


def nginx(folder: Path) -> list[str]:
    return [tool("nginx"), "-p", f"{folder}/", "-c", str(folder / "nginx.conf"), "-e", "stderr"]


def test_nginx_takes_the_shipped_site_without_an_error_or_warning(tmp_path, certificate):
    """`sudo nginx -t` is the step-by-step's last check before the reload; nothing here had
    ever run it on Debian 12's nginx (1.22)."""
    main_config(tmp_path, site(tmp_path, certificate))
    checked = subprocess.run(
        nginx(tmp_path) + ["-t", "-q"], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr == ""  # -q: nothing but warnings and errors


# ---- systemd-analyze verify --------------------------------------------------------------


def test_systemd_takes_the_units_without_an_error_or_warning(tmp_path):
    """systemd-analyze verify loads the units as systemd would (an unknown key, a bad value, a
    missing ExecStart program or a dependency that does not exist), without systemd running.
    /srv/board is this checkout: the units name its gunicorn, alembic and gunicorn.conf.py."""
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace("/srv/board", str(ROOT))
        (tmp_path / name).write_text(text)
    checked = subprocess.run(
        [tool("systemd-analyze"), "verify", "--man=no"]
        + [
            str(tmp_path / n)
            for n in ("board@8001.service", "board-migrate.service", "board.target")
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout + checked.stderr == ""


# ---- the board served behind nginx --------------------------------------------------------


@pytest.fixture(scope="module")
def trusted(certificate):
    """requests and websocket-client check nginx's certificate against the test's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))
        patch.setenv("WEBSOCKET_CLIENT_CA_BUNDLE", str(certificate[0]))
        yield certificate


@pytest.fixture(scope="module")
def behind_nginx(board_env, trusted, tmp_path_factory):
    """Two gunicorns as board@.service starts them (gunicorn.conf.py, board.env's proxy
    settings) and nginx in front with the shipped site: yields nginx's https address and the
    two processes' own addresses."""
    folder = tmp_path_factory.mktemp("nginx")
    ports = {"https": free_port(), "http": free_port(), "upstreams": [free_port(), free_port()]}
    public = f"https://127.0.0.1:{ports['https']}"
    env = {
        **board_env,
        "BOARD_TRUSTED_PROXIES": "1",
        "BOARD_SECURE_COOKIES": "1",
        "BOARD_CORS_ORIGINS": public,
        "BOARD_BASE_URL": public,
        "BOARD_THREADS": "20",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    started = [
        subprocess.Popen(
            [str(gunicorn), "-c", str(DEPLOY / "gunicorn.conf.py"), "app:app"],
            cwd=ROOT,
            env={**env, "BOARD_PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for port in ports["upstreams"]
    ]
    main_config(folder, site(folder, trusted, **ports))
    started.append(subprocess.Popen(nginx(folder) + ["-g", "daemon off;"], stderr=subprocess.PIPE))
    direct = [f"http://127.0.0.1:{port}" for port in ports["upstreams"]]
    try:
        for process, url in zip(started, [*direct, public], strict=True):
            wait_until_serving(process, url)
        yield public, direct
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()


@served
def test_the_board_page_loads_through_nginx_with_each_security_header_once(behind_nginx):
    public, _direct = behind_nginx
    person = Person(public, "writer@example.com")
    page = person.http.get(f"{public}/", timeout=TIMEOUT)
    assert page.status_code == 200 and "<html" in page.text
    for name in SECURITY_HEADERS:
        assert len(page.raw.headers.getlist(name)) == 1, name
    style = requests.get(f"{public}/static/css/board.css", timeout=TIMEOUT)
    assert style.status_code == 200 and style.headers["Content-Encoding"] == "gzip"
    assert style.raw.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    # Asked again on every page, so an upgrade's new scripts and styles are used at once.
    assert style.raw.headers.getlist("Cache-Control") == ["no-cache"]
    assert "Expires" not in style.headers
    again = requests.get(
        style.url, headers={"If-None-Match": style.headers["ETag"]}, timeout=TIMEOUT
    )
    assert again.status_code == 304


@served
def test_a_vote_through_nginx_reaches_a_websocket_through_nginx_and_on_each_process(
    behind_nginx,
):
    public, direct = behind_nginx
    voter, reader = Person(public, "writer@example.com"), Person(public, "reader@example.com")
    # Straight to each process: a WebSocket client sends its own origin, which the board
    # refuses (BOARD_CORS_ORIGINS names nginx's); long-polling sends none, as a non-browser.
    tabs = [Tab(public, reader)] + [Tab(url, reader, transports=["polling"]) for url in direct]
    try:
        assert tabs[0].client.transport() == "websocket"
        idea = voter.post("ideas", json={"title": "Through nginx", "body": ""}).json()
        voted = voter.http.put(f"{public}/api/v1/ideas/{idea['id']}/vote", timeout=TIMEOUT)
        assert voted.status_code == 200, voted.text
        for tab in tabs:
            envelope = tab.next("activity", lambda e: e["type"] == "idea.votes_changed")
            assert envelope["data"]["idea_id"] == idea["id"] and envelope["data"]["votes"] == 1
    finally:
        for tab in tabs:
            tab.client.disconnect()


@served
def test_a_picture_of_the_largest_size_passes_and_a_bigger_body_gets_the_boards_answer(
    behind_nginx,
):
    """Past nginx's own limit (6 MB where a picture goes, 1 MB elsewhere) a page's form got
    nginx's bare English '413 Request Entity Too Large' and the API no error envelope; now
    nginx asks the board, which answers as it does between its limit and nginx's."""
    public, _direct = behind_nginx
    person = Person(public, "writer@example.com")
    files = {"file": ("largest.png", photo(images.MAX_BYTES - 64 * 1024), "image/png")}
    stored = person.http.post(f"{public}/api/v1/images", files=files, timeout=TIMEOUT)
    assert stored.status_code == 201, stored.text
    for size in (images.MAX_BYTES + 512 * 1024, 8 * MIB):  # the board's limit, then nginx's
        files = {"file": ("big.png", b"\0" * size, "image/png")}
        refused = person.http.post(f"{public}/api/v1/images", files=files, timeout=TIMEOUT)
        assert refused.status_code == 413, size
        assert refused.json()["error"]["code"] == "too_large", size
    too_long = person.post("ideas/1/comments", json={"body": "x" * (2 * MIB)})
    assert (too_long.status_code, too_long.json()["error"]["code"]) == (413, "too_large")
    form = {"title": "Big", "body": ""}
    page = person.http.post(
        f"{public}/ideas",
        data=form,
        files={"image": ("big.png", b"\0" * 8 * MIB, "image/png")},
        headers={"Accept-Language": "de"},
        timeout=TIMEOUT,
    )
    assert page.status_code == 413 and "Die Anfrage ist zu groß." in page.text
    for name in SECURITY_HEADERS:
        assert len(page.raw.headers.getlist(name)) == 1, name
    for _ in range(4):  # the refused bodies left nothing behind on the kept-alive connections
        assert person.http.get(f"{public}/api/v1/me", timeout=TIMEOUT).status_code == 200


@served
def test_a_foreign_origin_is_refused_and_health_answers_through_nginx(behind_nginx):
    public, _direct = behind_nginx
    foreign = requests.get(
        f"{public}/socket.io/?EIO=4&transport=polling",
        headers={"Origin": "https://evil.example"},
        timeout=TIMEOUT,
    )
    assert foreign.status_code == 400
    health = requests.get(f"{public}/health", timeout=TIMEOUT)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "message_queue": "ok"}
