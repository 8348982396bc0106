"""The curriculum's scenarios return data, never a verdict worked out in the child.

Whatever runs after the student's code in the child's process can have been patched by it
(``torch.equal``, ``bool``, ``isinstance``, a tensor's ``__eq__``), so a boolean a scenario
computes from what the student's code produced proves nothing; the tensors themselves,
compared in the grader's process, do. Read from the check files with ``ast``: a scenario is
a function declared with ``@check``, and with it every function of the checks files that it
calls by name (``hidden.py`` may call public.py's). Hints' ``patch`` stand-ins and judges are
not scenarios: stand-ins play the student, judges run in the grader's process.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ROOT

CHECK_FILES = sorted((ROOT / "assignments").glob("*/checks/*.py"))

VERDICT_CALLS = {"equal", "allclose", "isclose", "array_equal", "shares_memory",
                 "is_contiguous", "data_ptr", "is_set_to"}
"""Calls that turn data into a verdict (or read an address): in a scenario, return the
data (:func:`grader.unchanged`, :func:`grader.storage`, :func:`grader.identity`)."""

RETURNED_VERDICTS = {"bool", "isinstance", "all", "any"}
"""Calls that are control flow inside a scenario, a verdict in what it returns."""

VERDICT_NODES = (ast.Compare, ast.BoolOp)


def functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def is_scenario(fn: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Call) and getattr(d.func, "id", None) == "check"
               for d in fn.decorator_list)


def called_names(fn: ast.FunctionDef) -> set[str]:
    return {node.func.id for node in ast.walk(fn)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def scenario_closure(path: Path) -> Iterator[tuple[str, ast.FunctionDef]]:
    """Every scenario of ``path`` and the check files' functions it reaches by name."""
    own = functions(ast.parse(path.read_text(encoding="utf-8")))
    shared = dict(functions(ast.parse((path.parent / "public.py").read_text(encoding="utf-8"))))
    shared.update(own)
    todo = [name for name, fn in own.items() if is_scenario(fn)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in shared:
            continue
        seen.add(name)
        yield name, shared[name]
        todo.extend(called_names(shared[name]))


def verdicts(fn: ast.FunctionDef) -> Iterator[tuple[int, str]]:
    """(line, what) for each verdict the function works out on data."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in VERDICT_CALLS:
                yield node.lineno, f"calls {name}()"
    # A comparison is how inputs are built too (x > 0.5); what is returned must not be one.
    suspects = {target.id for node in ast.walk(fn) if isinstance(node, ast.Assign)
                and any(_is_verdict(n) for n in ast.walk(node.value))
                for target in node.targets if isinstance(target, ast.Name)}
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and node.value is not None:
            for inner in ast.walk(node.value):
                if _is_verdict(inner):
                    yield inner.lineno, "returns a verdict"
                elif isinstance(inner, ast.Name) and inner.id in suspects:
                    yield inner.lineno, f"returns {inner.id}, a comparison"
                elif isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.Not):
                    yield inner.lineno, "returns a negation"


def _is_verdict(node: ast.AST) -> bool:
    if isinstance(node, VERDICT_NODES):
        return not _builds_input(node)
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in RETURNED_VERDICTS)


def _builds_input(node: ast.AST) -> bool:
    """``torch.rand(...) > 0.5`` with a literal on the right: a random boolean input, drawn
    from ``rng`` before any student code, not a verdict."""
    return (isinstance(node, ast.Compare) and len(node.comparators) == 1
            and isinstance(node.comparators[0], ast.Constant)
            and isinstance(node.left, ast.Call))


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_scenarios_return_data_not_verdicts(path):
    found = [f"{path.parent.parent.name}/checks/{path.name}:{line}: {name}: {what}"
             for name, fn in scenario_closure(path) for line, what in verdicts(fn)]
    assert not found, "\n".join(found)


def test_the_rule_catches_a_verdict_in_a_scenario_and_in_what_it_calls(tmp_path):
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "public.py").write_text(
        "import torch\nfrom grader import check\n\n"
        "def same(a, b):\n    return torch.equal(a, b)\n\n"
        "@check('f')\ndef calls_helper(m, device, rng):\n    x = torch.randn(3)\n"
        "    before = x.clone()\n    m.f(x)\n    return {'same': same(x, before)}\n\n"
        "@check('f')\ndef compares(m, device, rng):\n    y = m.f(torch.rand(3) > 0.5)\n"
        "    ok = y.dtype == torch.bool\n    return {'dtype ok': ok, 'y': y}\n")
    found = {(name, what) for name, fn in scenario_closure(checks / "public.py")
             for _, what in verdicts(fn)}
    assert found == {("same", "calls equal()"), ("compares", "returns ok, a comparison")}
