"""The package layout is the architecture: imports only go down the layers, and never in a circle.

Layers, lowest first (a module may import its own layer and those below it):

    config            settings, paths
    store             PostgreSQL runtime, generated queries, the Redis client
    cache, jobs       the cache engine and the app's keys; the job queue
    domain            recommendations, conversations, statistics, passwords
    web               request plumbing: routes, problems, auth, limits, health, metrics
    handlers          one module per resource
    app, runner, cli  composition and entry points

`service.dev` (generator, embedded servers, migrations, seed, squawk) is tooling: only the CLI,
the tests and the benchmarks may import it, and it may import anything but the request layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from service.config import ROOT

RANKS: Mapping[str, int] = {
    "config": 0,
    "store": 1,
    "cache": 2,
    "jobs": 2,
    "domain": 3,
    "web": 4,
    "handlers": 5,
    "app": 6,
    "runner": 6,
    "cli": 7,
    "__main__": 8,
}
# Who may import the development tooling besides itself.
DEV_IMPORTERS = frozenset({"cli"})
# What the tooling must never reach into.
DEV_FORBIDDEN = frozenset({"web", "handlers", "app", "runner", "cli", "__main__"})


def module_name(path: Path) -> str:
    """`service/web/api.py` -> `service.web.api`; a package's `__init__` is the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: Iterable[str]) -> set[str]:
    """The project modules `path` imports (at any depth: lazy imports count too)."""
    modules = set(known)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in modules else node.module)
    return {name for name in found if name in modules}


def import_graph(folders: Iterable[str] = ("service", "bench")) -> dict[str, set[str]]:
    """Module -> the project modules it imports, for every module under `folders`."""
    paths = {module_name(p): p for folder in folders for p in (ROOT / folder).rglob("*.py")}
    return {name: imports_of(path, paths) - {name} for name, path in paths.items()}


def layer(module: str) -> str:
    """The layer of a `service.*` module: its first component below `service`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def forbidden(importer: str, imported: str) -> str | None:
    """Why `importer` may not import `imported`; None when it may."""
    if not importer.startswith("service.") or not imported.startswith("service."):
        return None
    source, target = layer(importer), layer(imported)
    if target == "dev" and source not in DEV_IMPORTERS | {"dev"}:
        return "only the CLI, tests and bench may import service.dev"
    if source == "dev":
        return f"tooling must not import the {target} layer" if target in DEV_FORBIDDEN else None
    if target == "__init__":
        return None
    if RANKS.get(target, 0) > RANKS.get(source, 0):
        return f"{source} is below {target}"
    return None


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for child in graph.get(node, ()):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


GRAPH = import_graph()


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("service.")))
def test_imports_go_down_the_layers(module: str) -> None:
    wrong = {imported: why for imported in GRAPH[module] if (why := forbidden(module, imported))}
    assert not wrong, f"{module} imports upwards: {wrong}"


def test_there_is_no_import_cycle() -> None:
    assert cycles(GRAPH) == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("service.web.api", "service.handlers.ghosts"),
        ("service.store.db", "service.web.problems"),
        ("service.domain.statistics", "service.dev.seed"),
        ("service.handlers.ghosts", "service.dev.codegen"),
        ("service.cache.engine", "service.web.request"),
        ("service.dev.seed", "service.web.api"),
    ],
)
def test_a_forbidden_direction_is_caught(importer: str, imported: str) -> None:
    assert forbidden(importer, imported)


def test_a_cycle_is_caught() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
