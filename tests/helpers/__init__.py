"""What the tests share besides fixtures: the repository's paths and the assertions and
source builders that many test files use. Imported as ``helpers`` (pytest puts ``tests/`` on
the path); fixtures stay in ``conftest.py``."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.results import CheckResult, SubmissionResult

ROOT = Path(__file__).resolve().parent.parent.parent
ASSIGNMENTS = ROOT / "assignments"
SOLUTIONS = ROOT / "solutions"
SUBMISSIONS = ROOT / "tests" / "submissions"
ASSIGNMENT_04 = ASSIGNMENTS / "04_custom_function"
SUBMISSIONS_04 = SUBMISSIONS / "04_custom_function"
SOLUTION_04 = SOLUTIONS / "04_custom_function" / "custom_function.py"

Grade = Callable[..., SubmissionResult]


def write_assignment(course: Path, name: str, module: str, exercises: list[str], public: str,
                     stub: str, solution: str | None = None) -> Path:
    """A small course of one assignment under ``course`` (``assignments/<name>`` with its
    ``assignment.toml``, stub and ``checks/public.py``; ``solutions/<name>`` when a solution
    is given); returns the assignment's folder."""
    root = course / "assignments" / name
    (root / "checks").mkdir(parents=True)
    quoted = ", ".join(f'"{e}"' for e in exercises)
    (root / "assignment.toml").write_text(f'module = "{module}"\nexercises = [{quoted}]\n')
    (root / f"{module}.py").write_text(stub)
    (root / "checks" / "public.py").write_text(public)
    if solution is not None:
        (course / "solutions" / name).mkdir(parents=True)
        (course / "solutions" / name / f"{module}.py").write_text(solution)
    return root


def failing(result: SubmissionResult, device: str = "cpu") -> set[str]:
    """Ids of the checks that did not pass on ``device``."""
    return {c.id for c in result.checks
            if c.device == device and c.status not in ("passed", "skipped")}


def by_id(result: SubmissionResult, check_id: str, device: str = "cpu") -> CheckResult:
    return next(c for c in result.checks if c.id == check_id and c.device == device)


def assert_loses_exactly(result: SubmissionResult, expected_failures: set[str],
                         phrase: str) -> None:
    """The bug's submission fails exactly ``expected_failures`` on every device it ran on,
    loses all of their points and nothing else, and one of their messages has ``phrase``."""
    assert result.status == "graded", result.error
    assert failing(result) == expected_failures
    on_cuda = {c.id for c in result.checks if c.device == "cuda" and c.status != "skipped"}
    if on_cuda:
        assert failing(result, "cuda") == expected_failures & on_cuda
    lost = [c for c in result.checks if c.id in expected_failures and c.status != "skipped"]
    assert all(c.status == "failed" and c.score == 0 for c in lost), [
        (c.id, c.status, c.message) for c in lost]
    assert any(phrase in c.message for c in lost), [c.message for c in lost]
    assert result.score == result.max_score - sum(c.max_score for c in lost)


def on_solution(overlay: Path) -> str:
    """The source of a submission given as an overlay (``tests/submissions/NN_name/bug_*.py``
    and the like): the reference solution with the overlay's definitions put in place of its
    own, so that a variant differs from the solution in its bug and nowhere else, and follows
    the solution when it changes."""
    (solution,) = (SOLUTIONS / overlay.parent.name).glob("*.py")
    return (solution.read_text() + f"\n\n# --- {overlay.name}, on top of the solution\n"
            + overlay.read_text())


def solution_source() -> str:
    return SOLUTION_04.read_text()


def import_file(path: Path, name: str) -> Any:
    """A Python file as a module of its own, for tests that call a solution's or a checks
    file's functions directly (the grader loads them the same way)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
