"""The files docs/deploy.md tells an operator to copy (docs/deploy/) do what the page says:
nginx passes every proxied request the headers the board reads and lets a picture through,
the environment file names only settings the board reads and the ones a proxied board
needs, gunicorn's settings are gunicorn's."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import gunicorn.config
import pytest

from board import UPLOAD_ENDPOINTS, images
from board.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
FORWARDED = {
    "Host": "$host",
    "X-Forwarded-Host": "$host",
    "X-Forwarded-Proto": "$scheme",
    "X-Forwarded-For": "$proxy_add_x_forwarded_for",
}
MIB = 1024 * 1024


def nginx_locations() -> dict[str, list[str]]:
    """The 443 server's own directives (key "server") and each location's, by its pattern."""
    text = re.sub(r"#[^\n]*", "", (DEPLOY / "nginx.conf").read_text())
    server = text[text.index("listen 443") :]
    blocks: dict[str, list[str]] = {"server": []}
    current = "server"
    for statement in re.findall(r"[^;{}]+[;{}]|}", server):
        statement = statement.strip()
        if statement.startswith("location") and statement.endswith("{"):
            current = statement.removeprefix("location").removesuffix("{").strip()
            blocks[current] = []
        elif statement == "}":
            current = "server"
        else:
            blocks[current].append(statement.rstrip(";").strip())
    return blocks


def directive(statements: list[str], name: str) -> list[str]:
    return [s.split(None, 1)[1] for s in statements if s.split(None, 1)[0] == name]


def size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([km]?)", value.lower()).groups()
    return int(number) * {"": 1, "k": 1024, "m": MIB}[unit]


def location_for(path: str, blocks: dict[str, list[str]]) -> str:
    """Which location nginx picks for path: the first regex that matches, else the longest
    prefix (the config uses no ^~ or = locations)."""
    for pattern in blocks:
        if pattern.startswith("~ ") and re.search(pattern[2:], path):
            return pattern
    prefixes = [p for p in blocks if p != "server" and not p.startswith("~") and path.startswith(p)]
    return max(prefixes, key=len)


def test_every_proxied_location_passes_the_host_scheme_and_address():
    """A location that sets any proxy_set_header inherits none from the server block: the
    board then saw `board_http` as its host, http as the scheme (the company login's
    redirect address) and 127.0.0.1 as every visitor (one login limit for everyone)."""
    proxied = {p: s for p, s in nginx_locations().items() if directive(s, "proxy_pass")}
    assert {"/socket.io/", "/"} <= set(proxied)
    for pattern, statements in proxied.items():
        headers = dict(h.split(None, 1) for h in directive(statements, "proxy_set_header"))
        for name, value in FORWARDED.items():
            assert headers.get(name) == value, f"location {pattern} does not pass {name}"


def test_the_snippet_runs_on_the_nginx_the_step_by_step_installs():
    """docs/deploy.md installs Debian 12's nginx 1.22, for which `http2 on;` (nginx 1.25.1)
    is an unknown directive: `nginx -t` failed on the snippet as it was."""
    server = nginx_locations()["server"]
    assert not directive(server, "http2")
    assert "listen 443 ssl http2" in server


def test_the_socket_io_location_is_sticky_and_upgrades_to_websocket():
    text = (DEPLOY / "nginx.conf").read_text()
    assert re.search(r"upstream board_socketio \{\s*ip_hash;", text)
    socket_io = nginx_locations()["/socket.io/"]
    assert directive(socket_io, "proxy_pass") == ["http://board_socketio"]
    headers = dict(h.split(None, 1) for h in directive(socket_io, "proxy_set_header"))
    assert headers["Upgrade"] == "$http_upgrade" and headers["Connection"] == '"Upgrade"'
    assert directive(socket_io, "proxy_http_version") == ["1.1"]


@pytest.mark.parametrize("endpoint", sorted(UPLOAD_ENDPOINTS))
def test_nginx_lets_a_picture_through_where_the_board_takes_one(app, endpoint):
    """nginx stopped every body over 1 MiB with its own 413 page, so a 2 MiB photo never
    reached the board, which takes 5 MiB on these routes."""
    blocks = nginx_locations()
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    path = re.sub(r"<[^>]+>", "12", rule.rule)
    statements = blocks[location_for(path, blocks)]
    limit = directive(statements, "client_max_body_size") or directive(
        blocks["server"], "client_max_body_size"
    )
    assert size(limit[-1]) >= images.MAX_BYTES + 256 * 1024, path
    assert directive(statements, "proxy_pass") == ["http://board_http"]


def test_nginx_stops_other_bodies_no_smaller_than_the_board_does(app):
    (limit,) = directive(nginx_locations()["server"], "client_max_body_size")
    assert size(limit) >= app.config["MAX_CONTENT_LENGTH"]
    assert location_for("/api/v1/ideas/12/votes", nginx_locations()) == "/"


def env_example() -> dict[str, str]:
    """Every BOARD_* the example file sets, commented out or not."""
    lines = (DEPLOY / "board.env.example").read_text().splitlines()
    pairs = [line.lstrip("#").split("=", 1) for line in lines if re.match(r"#?BOARD_\w+=", line)]
    return {name: value for name, value in pairs}


def test_the_environment_file_names_only_settings_the_board_reads():
    read = set(re.findall(r"BOARD_[A-Z0-9_]+", (ROOT / "board" / "settings.py").read_text()))
    assert set(env_example()) - read == set()


def test_the_environment_file_reads_the_same_in_sh_and_in_systemd():
    """systemd's EnvironmentFile takes `BOARD_OIDC_NAME=ACME SSO` whole, but the CLI recipe in
    docs/deploy.md sources the file with sh, which ran `SSO` as a command and left the name
    unset: every value is one shell word, quoted where it has spaces."""
    for name, value in env_example().items():
        words = shlex.split(value, comments=True)
        assert len(words) <= 1, f"{name}={value}"
        assert (words or [""])[0] == value.strip('"'), f"{name}={value}"


def test_the_environment_file_sets_what_a_board_behind_nginx_needs():
    """Without BOARD_BASE_URL the links in mails and chat messages pointed at
    http://127.0.0.1:8001; without BOARD_TRUSTED_PROXIES every visitor was 127.0.0.1."""
    env = env_example()
    assert env["BOARD_TRUSTED_PROXIES"] == "1"
    assert env["BOARD_BASE_URL"] == env["BOARD_CORS_ORIGINS"]
    assert env["BOARD_BASE_URL"].startswith("https://")
    settings = Settings.from_env({**env, "BOARD_PORT": "8001"})
    assert settings.base_url == "https://board.example.com" and settings.trusted_proxies == 1


def test_gunicorns_settings_are_gunicorns_and_keep_one_worker():
    """A misspelt name in gunicorn.conf.py is ignored without a word."""
    namespace: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), namespace)
    names = {k for k, v in namespace.items() if not k.startswith("_") and k != "os"}
    assert names - set(gunicorn.config.Config().settings) == set()
    assert namespace["workers"] == 1 and namespace["worker_class"] == "board.serving.Worker"
    # Each process would take the one $HOME/.gunicorn/gunicorn.ctl from the one before.
    assert namespace["control_socket_disable"] is True


def test_the_step_by_step_makes_every_folder_the_units_may_write():
    """systemd refuses to start a unit whose ReadWritePaths= folder is missing (226/NAMESPACE),
    and nothing made /srv/board/instance on PostgreSQL: no board process started."""
    steps = (ROOT / "docs" / "deploy.md").read_text()
    unit = (DEPLOY / "board@.service").read_text()
    for folder in re.findall(r"^ReadWritePaths=(.+)$", unit, flags=re.M):
        assert re.search(rf"mkdir -p {re.escape(folder)}\b", steps), folder


def test_gunicorn_stops_on_a_setting_the_board_cannot_run_with(tmp_path):
    """The worker exited 1 and gunicorn booted it again, 24 times in 12 seconds, its master
    running on as if the board served; now it stops with the one line naming the setting."""
    env = {
        **os.environ,
        "BOARD_INSTANCE_PATH": str(tmp_path),
        "BOARD_RETENTION_DAYS": "abc",
        "BOARD_PORT": str(free_port()),
    }
    env.pop("BOARD_DATABASE_URL", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    done = subprocess.run(
        [str(gunicorn), "-c", str(DEPLOY / "gunicorn.conf.py"), "app:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 4  # board@.service: RestartPreventExitStatus=4
    said = done.stderr.splitlines()
    assert said.count("Error: BOARD_RETENTION_DAYS must be a whole number, got 'abc'") == 1
    assert "RestartPreventExitStatus=4" in (DEPLOY / "board@.service").read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
