"""The packages of ``backend`` import one another in one direction only (no cycles).

A unit is a top-level package or module of ``backend`` (``accounts``, ``lib``, ``db``, …). Every
``import backend.x`` counts, function-local ones too: a lazy import is still an arrow back up.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[1] / "backend"


def _unit(path: Path) -> str:
    return path.relative_to(BACKEND).parts[0].removesuffix(".py")


def _imported_units(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"backend.{alias.name}" for alias in node.names] if node.module == "backend" else [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(name.split(".")[1] for name in names if name.startswith("backend."))
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in BACKEND.rglob("*.py"):
        if "piccolo_migrations" in path.parts:
            continue
        unit = _unit(path)
        graph[unit] |= _imported_units(ast.parse(path.read_text(encoding="utf-8"))) - {unit}
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_packages_import_in_one_direction_only():
    graph = import_graph()
    back_arrows = sorted(
        f"{source} → {target}" for source, targets in graph.items() for target in targets
        if source in _reachable(graph, target)
    )
    assert back_arrows == []


def test_the_domain_core_and_lib_import_nothing_above_them():
    graph = import_graph()
    assert graph["domain"] == set()
    assert graph["lib"] <= {"domain", "settings"}
