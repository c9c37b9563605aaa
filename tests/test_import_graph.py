"""The miniapps modules import each other without circles, and keep private names private.

Every import counts, wherever it is written: at module level, under ``if TYPE_CHECKING:``
and inside functions (an in-function import that dodges a loop still is one).
``from pkg import mod`` is an edge to the submodule ``pkg.mod``; ``from pkg import name``
an edge to the package, whose ``__init__`` re-exports are its own edges.
"""

from __future__ import annotations

import ast
from collections.abc import Container
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "platform"
PACKAGE = "miniapps"


def module_paths() -> dict[str, Path]:
    """Every module under platform/miniapps by dotted name (packages by their own name)."""
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = module_paths()


def _base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    package = package[: len(package) - node.level + 1]
    return ".".join([*package, *([node.module] if node.module else [])])


def _owner(name: str, modules: Container[str]) -> str | None:
    """The module ``name`` is, or the nearest enclosing one."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_in(
    module: str, source: str, modules: Container[str], is_package: bool = False
) -> tuple[set[str], list[str]]:
    """(the ``modules`` that ``source``, the text of ``module``, imports; ``name from module``
    for each private name it imports from one of them)."""
    targets: set[str] = set()
    private: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if owner := _owner(alias.name, modules):
                    targets.add(owner)
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, is_package, node)
            owner = _owner(base, modules)
            if owner is None:
                continue
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    targets.add(f"{base}.{alias.name}")
                    continue
                targets.add(owner)
                if alias.name.startswith("_"):
                    private.append(f"{alias.name} from {base} (line {node.lineno})")
    targets.discard(module)
    return targets, private


def imports_of(module: str) -> tuple[set[str], list[str]]:
    path = MODULES[module]
    source = path.read_text(encoding="utf-8")
    return imports_in(module, source, MODULES, is_package=path.name == "__init__.py")


GRAPH = {module: imports_of(module)[0] for module in MODULES}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) per strongly connected component that has one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(node: str) -> None:  # Tarjan's algorithm; the graph is small
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_cycle_within(graph, component) for component in components]


def _cycle_within(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module, by breadth-first search."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & component):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError("a strongly connected component always has a cycle")


SAMPLE = """
from typing import TYPE_CHECKING

from miniapps.core import errors
from miniapps.core.forms import compile_form
from . import pointers
import miniapps.core.workflow.engine

if TYPE_CHECKING:
    from miniapps.core.definitions.model import AppDefinition


def late():
    from ..core.forms.bound import _read_action, bind_form
"""


def test_every_kind_of_import_is_an_edge() -> None:
    modules = {
        "miniapps.core",
        "miniapps.core.errors",
        "miniapps.core.forms",
        "miniapps.core.forms.bound",
        "miniapps.core.pointers",
        "miniapps.core.workflow",
        "miniapps.core.definitions.model",
    }
    targets, private = imports_in("miniapps.core.sample", SAMPLE, modules, is_package=False)
    assert targets == {
        "miniapps.core.errors",  # from a package, a submodule
        "miniapps.core.forms",  # from a package, a name it re-exports
        "miniapps.core.pointers",  # relative
        "miniapps.core.workflow",  # the nearest module of a dotted name
        "miniapps.core.definitions.model",  # under TYPE_CHECKING
        "miniapps.core.forms.bound",  # inside a function, relative
    }
    assert private == ["_read_action from miniapps.core.forms.bound (line 14)"]


def test_the_real_graph_is_read() -> None:
    assert "miniapps.core.forms.compiler" in GRAPH["miniapps.core.forms"]  # a re-export
    assert "miniapps.web" in GRAPH["miniapps.app"]  # imported inside create_app
    assert {"miniapps.core.errors", "miniapps.core.pointers"} <= GRAPH["miniapps.core.forms.bound"]


def test_find_cycles_reports_a_loop() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    cycles = find_cycles(GRAPH)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_private_names_cross_modules() -> None:
    found = [f"{module}: {name}" for module in MODULES for name in imports_of(module)[1]]
    assert not found, "private names imported from another module:\n" + "\n".join(found)
