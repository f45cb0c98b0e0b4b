"""Everything the served board imports is installed by requirements.txt (what `make run`
installs), not only by requirements-dev.txt: the test environment has both, so a package
that only the tools bring along works here and fails on a fresh clone's `make run`.

Read from the source's syntax trees (as tests/test_layers.py does) and the installed
packages' metadata: a module counts as installed by requirements.txt when a distribution
named there, or one of the distributions those need (extras included where asked), has it.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
SERVED = [ROOT / "app.py", *sorted((ROOT / "board").rglob("*.py"))]
SERVED += sorted((ROOT / "models").rglob("*.py")) + sorted((ROOT / "migrations").rglob("*.py"))
OURS = {"app", "board", "models", "migrations"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def runtime_requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in (ln.split("#")[0].strip() for ln in lines) if line]


def installed_by(requirements: list[Requirement]) -> set[str]:
    """The distributions these requirements install: themselves and what they need."""
    seen: set[str] = set()
    todo = [(requirement, requirement.extras) for requirement in requirements]
    while todo:
        requirement, extras = todo.pop()
        name = canonical(requirement.name)
        if name in seen and not extras:
            continue
        seen.add(name)
        for line in metadata.requires(requirement.name) or []:
            needed = Requirement(line)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if needed.marker is None or any(needed.marker.evaluate(e) for e in environments):
                todo.append((needed, needed.extras))
    return seen


def test_every_module_the_board_imports_is_installed_by_requirements_txt():
    modules = set().union(*(top_level_imports(path) for path in SERVED))
    third_party = modules - set(sys.stdlib_module_names) - OURS - {"__future__"}
    providers = metadata.packages_distributions()
    installed = installed_by(runtime_requirements())
    missing = {
        module: providers.get(module, ["(not installed)"])
        for module in sorted(third_party)
        if not {canonical(dist) for dist in providers.get(module, [])} & installed
    }
    assert not missing, f"imported by the board but not installed by requirements.txt: {missing}"
