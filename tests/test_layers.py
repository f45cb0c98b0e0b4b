"""The code's layers point one way (docs: STYLE.md, "The way data flows").

Read from the source's syntax trees, not by importing: a circle that only works because
one side imports inside a function is found here, not at 3 a.m. in production.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOARD = ROOT / "board"
OURS = ("board", "models")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(BOARD.rglob("*.py"))}
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def imported_modules(node: ast.Import | ast.ImportFrom, importer: str) -> list[str]:
    """The modules an import statement loads, submodules named by `from x import y` included."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: resolve against the importing package
        package = importer if importer in PACKAGES else importer.rsplit(".", 1)[0]
        anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join(anchor + ([base] if base else []))
    names = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        names.append(candidate if candidate in MODULES else base)
    return names


def ours(name: str) -> bool:
    return name.split(".")[0] in OURS


def imports_of(name: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function?) for each of our imports in module `name`."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.extend(
                    (target, child.lineno, in_function)
                    for target in imported_modules(child, name)
                    if ours(target)
                )
            nested = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            visit(child, nested)

    visit(tree, False)
    return found


def layer(name: str) -> str | None:
    for prefix in ("board.api", "board.web"):
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_board_code_inside_a_function(name):
    """Imports inside functions are how a circle hides; every import stands at the top."""
    hidden = [f"line {line}: {target}" for target, line, inside in imports_of(name) if inside]
    assert not hidden, f"{name} imports inside a function: {hidden}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_api_and_web_never_import_each_other(name):
    """The JSON API and the pages are two doors into the same services, side by side."""
    own = layer(name)
    if own is None:
        return
    other = {"board.api": "board.web", "board.web": "board.api"}[own]
    crossing = [
        f"line {line}: {target}" for target, line, _ in imports_of(name) if layer(target) == other
    ]
    assert not crossing, f"{name} imports the other layer: {crossing}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_services_and_infrastructure_never_import_the_views(name):
    """Below the views nothing knows them; only the app factory puts them together."""
    if layer(name) is not None or name == "board":
        return
    upward = [f"line {line}: {target}" for target, line, _ in imports_of(name) if layer(target)]
    assert not upward, f"{name} imports a view layer: {upward}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n)))
def test_views_ask_services_and_never_query_the_database(name):
    """Pages and API routes call services; models and queries live below them. (Catching
    sqlalchemy.exc errors is allowed: that is not a query.)"""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    queries = [
        f"line {node.lineno}: {module}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for module in (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
        )
        if module.split(".")[0] == "models"
        or (module.split(".")[0] == "sqlalchemy" and module != "sqlalchemy.exc")
    ]
    assert not queries, f"{name} reaches into the database: {queries}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_person_becomes_json_in_one_place_only(name):
    """board/person_json.py builds every shape of a person; a dict with a `display_name`
    key written anywhere else is a seventh way (and a place to leak an email)."""
    if name in ("board.person_json", "board.openapi"):
        return
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    by_hand = [
        f"line {node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        and any(isinstance(k, ast.Constant) and k.value == "display_name" for k in node.keys)
        and any(isinstance(v, ast.Attribute) and v.attr == "display_name" for v in node.values)
    ]
    assert not by_hand, f"{name} turns a person into JSON by hand: {by_hand}"


def import_graph() -> dict[str, set[str]]:
    """Module → modules it imports. A route module importing its own package for the
    blueprint it registers on is left out: that is how Flask blueprints are built (the
    package imports its route modules last), and it is the only way back allowed."""
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        targets = {target for target, _, _ in imports_of(name) if target in MODULES}
        parent = name.rsplit(".", 1)[0]
        graph[name] = targets - {name, parent}
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state and (circle := visit(target)):
                return circle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (circle := visit(node)):
            return circle
    return None


def test_board_has_no_import_circle():
    circle = find_circle(import_graph())
    assert circle is None, "import circle: " + " → ".join(circle or [])


def test_the_circle_finder_finds_a_circle():
    """The test above can fail: a made-up graph with a circle is caught."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_circle(graph) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set()}) is None
