"""What README.md and docs/ tell a user holds: every setting board/settings.py reads is in a
settings table with the default the code has, every setting a table names is read, and
every link and every file or test the pages name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from board.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Settings tables: README's "Configuration" and the pages that name a part's own settings.
# docs/testing.md's table is the tests' own variables (BOARD_TEST_*), not the board's.
SETTINGS_PAGES = [p for p in PAGES if p.name != "testing.md"]
SETTINGS_SOURCE = ROOT / "board" / "settings.py"


def settings_rows() -> list[tuple[Path, list[str], str]]:
    """Each table row whose first cell names BOARD_* settings: (page, names, default cell)."""
    rows = []
    for page in SETTINGS_PAGES:
        for line in page.read_text().splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| `BOARD_") and len(cells) >= 2:
                rows.append((page, re.findall(r"`(BOARD_[A-Z0-9_]+)`", cells[0]), cells[1]))
    return rows


def read_by_the_code() -> set[str]:
    return set(re.findall(r"\"(BOARD_[A-Z0-9_]+)\"", SETTINGS_SOURCE.read_text()))


def test_every_setting_the_code_reads_is_in_a_settings_table():
    documented = {name for _, names, _ in settings_rows() for name in names}
    assert read_by_the_code() - documented == set()


def test_every_setting_a_table_names_is_read_by_the_code():
    named = {(page.name, name) for page, names, _ in settings_rows() for name in names}
    assert {(page, name) for page, name in named if name not in read_by_the_code()} == set()


def shown(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Path):
        return f"{value.relative_to(ROOT)}/"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def test_the_tables_defaults_are_the_codes():
    """Only defaults written as one value in backticks (`7`, `UTC`); others are prose, and
    `http://BOARD_HOST:BOARD_PORT` is a rule."""
    code = Settings.from_env({"BOARD_SECRET_KEY": "x"})  # with a key, nothing is written
    checked = 0
    for page, names, default in settings_rows():
        values = re.findall(r"`([^`]*)`", default)
        if len(names) != len(values) or re.sub(r"`[^`]*`|\([^)]*\)|[ /]", "", default):
            continue
        for name, value in zip(names, values, strict=True):
            attribute = name.removeprefix("BOARD_").lower()
            if hasattr(code, attribute) and "BOARD_" not in value:
                assert shown(getattr(code, attribute)) == value, f"{page.name}: {name}"
                checked += 1
    assert checked >= 20  # the parsing above still finds the tables


def test_a_wrong_default_in_a_table_is_caught(monkeypatch):
    real = Settings.from_env

    def longer_help(env):
        return real({**env, "BOARD_HELP_DAYS": env.get("BOARD_HELP_DAYS", "8")})

    monkeypatch.setattr(Settings, "from_env", staticmethod(longer_help))
    with pytest.raises(AssertionError, match="BOARD_HELP_DAYS"):
        test_the_tables_defaults_are_the_codes()


def without_code(text: str) -> str:
    """The page without its code blocks and inline code, where a link is an example."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", text, flags=re.S))


def heading_anchors(page: Path) -> set[str]:
    """The anchors GitHub makes from a page's headings (lower case, punctuation dropped)."""
    anchors: set[str] = set()
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
        anchor, n = slug, 1
        while anchor in anchors:
            anchor, n = f"{slug}-{n}", n + 1
        anchors.add(anchor)
    return anchors


LINK = re.compile(r"\]\(([^)\s]+)\)|<img [^>]*\bsrc=\"([^\"]+)\"")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_points_to_a_file_and_heading_that_exist(page):
    broken = []
    for match in LINK.finditer(without_code(page.read_text())):
        url = match.group(1) or match.group(2)
        if re.match(r"[a-z]+:", url):
            continue
        path, _, anchor = url.partition("#")
        target = (page.parent / path) if path else page
        if not target.exists() or (
            anchor and target.suffix == ".md" and anchor not in heading_anchors(target)
        ):
            broken.append(url)
    assert broken == []


FILE = re.compile(
    r"(?<![\w/.-])((?:board|tests|models|migrations|bench|static|templates|docs)/[\w./@-]+"
    r"\.(?:py|md|js|css|html|conf|service|target|example))(?![\w])(?:::(\w+))?"
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_file_and_test_a_page_names_exists(page):
    """A file (board/policy.py) or test (tests/test_x.py::test_y) in the text: a reader opens it."""
    missing = []
    for match in FILE.finditer(page.read_text()):
        path, test = ROOT / match.group(1), match.group(2)
        if not path.exists():
            missing.append(match.group(1))
        elif test and not re.search(rf"def {test}\b", path.read_text()):
            missing.append(match.group(0))
    assert missing == []


def documented_command_lines() -> list[tuple[str, list[str]]]:
    """Each `flask --app app …` in the pages, continuation lines joined, up to a comment."""
    lines = []
    for page in PAGES:
        text = page.read_text().replace("\\\n", " ")
        for match in re.finditer(r"flask --app app ([^`#\n|]*)", text):
            lines.append((page.name, match.group(1).split()))
    return lines


def test_every_documented_command_and_option_exists(app):
    """`flask --app app users reset-password X --base-url …` in a page: the command takes it."""
    wrong = []
    for page, words in documented_command_lines():
        command, rest = app.cli, list(words)
        context = command.make_context("flask", [], resilient_parsing=True)
        while rest and hasattr(command, "get_command") and not rest[0].startswith("-"):
            sub = command.get_command(context, rest[0])
            if sub is None:
                break
            command, rest = sub, rest[1:]
        if hasattr(command, "get_command"):
            wrong.append(f"{page}: flask {' '.join(words)} (no such command)")
            continue
        options = {name for p in command.params for name in p.opts}
        wrong += [
            f"{page}: {command.name} {w}" for w in rest if w.startswith("--") and w not in options
        ]
    assert len(documented_command_lines()) >= 30  # the pages' commands are found
    assert wrong == []


def test_every_module_a_page_runs_exists():
    """`python -m bench.fanout` in a page: the module is there to run."""
    named = {
        m
        for page in PAGES
        for m in re.findall(r"python -m ((?:bench|board)\.\w+)", page.read_text())
    }
    missing = [m for m in named if not (ROOT / (m.replace(".", "/") + ".py")).exists()]
    assert len(named) >= 20 and missing == []
