"""The floor plan holds: every import in grader/ runs down the layers the README draws, and
no module imports itself back through others.

Read from the source with ``ast``: every ``import`` counts, at module level or inside a
function (a lazy import is an arrow too), and ``if TYPE_CHECKING:`` imports count as well.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ROOT

PACKAGE = ROOT / "grader"

LAYERS: list[tuple[str, ...]] = [
    ("__main__",),
    ("cli",),
    ("notebook", "warm"),
    ("api",),
    ("batch", "course"),
    ("reports",),
    ("judging",),
    ("references",),
    ("sandbox",),
    ("intake",),
    ("model",),
    ("results", "errors", "i18n"),
]
"""Top to bottom, as the README's architecture section draws them: a unit (a package of
grader/, or one of its top-level modules) imports only from units on lower floors, and
units on the same floor do not import each other."""

FACADE = "__init__"
"""``grader/__init__.py``: the version, and the authoring API (``from grader import check``)
loaded on first use from model and judging. Anyone may import the version from it."""

FLOOR = {unit: floor for floor, units in enumerate(LAYERS) for unit in units}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else FACADE


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a grader module in ``path``, relative ones
    resolved; ``from grader.x import y`` yields ``grader.x.y`` when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "grader":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "grader":
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield node.lineno, candidate if is_module(candidate) else base


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_unit_of_the_package_has_a_floor() -> None:
    units = {unit_of(module_name(p)) for p in sources()}
    assert units - {FACADE} == set(FLOOR), "a new package or top-level module needs a floor"


def test_imports_run_down_the_floors() -> None:
    wrong = []
    arrows = set()
    for path in sources():
        importer = unit_of(module_name(path))
        for line, target in imports(path):
            imported = unit_of(target)
            arrows.add((module_name(path), target))
            if imported == importer or target == "grader":
                continue  # within a package; the version from the facade
            if importer == FACADE:
                allowed = imported in ("model", "judging")
            elif imported == FACADE:
                allowed = True
            else:
                allowed = FLOOR[imported] > FLOOR[importer]
            if not allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {importer} → {imported} "
                             f"({target})")
    assert not wrong, "imports against the floor plan:\n" + "\n".join(wrong)
    # The reader sees the arrows the README draws (it is not looking at nothing).
    assert {("grader.cli", "grader.api"), ("grader.judging.pipeline", "grader.sandbox.session"),
            ("grader.sandbox.session", "grader.model.plan"),
            ("grader.sandbox.zygote", "grader.sandbox.child")} <= arrows


def test_the_facade_imports_the_authoring_api_only_on_use() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert all(isinstance(n, ast.ImportFrom) and n.module in ("__future__", "typing")
               for n in top), "grader/__init__.py must not import torch-heavy modules eagerly"


def test_no_module_imports_itself_through_others() -> None:
    graph: dict[str, set[str]] = {}
    for path in sources():
        name = module_name(path)
        graph[name] = {target for _, target in imports(path)
                       if target != name and target in {module_name(p) for p in sources()}
                       and target != "grader"}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import circles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("source, expected", [
    ("from grader.sandbox import pool\n", "grader.sandbox.pool"),
    ("from grader.sandbox.jail import Level\n", "grader.sandbox.jail"),
    ("import grader.model.plan\n", "grader.model.plan"),
    ("from . import wire\n", "grader.sandbox.wire"),
    ("from .protocol import ChildJob\n", "grader.sandbox.protocol"),
    ("def f():\n    from grader.judging import judge\n", "grader.judging.judge"),
])
def test_the_import_reader_resolves_what_it_reads(tmp_path: Path, source: str,
                                                  expected: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader itself: absolute, relative and nested imports all count."""
    path = PACKAGE / "sandbox" / "_probe_for_test.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert [target for _, target in imports(path)] == [expected]
