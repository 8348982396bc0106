"""Shared fixtures: the real assignment, one reference cache per test session, and a helper
that grades a submission (a file from tests/submissions or source text) in real children."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from grader.assignments import Assignment, load_assignment
from grader.grading import grade_module
from grader.references import ReferenceCache
from grader.results import SubmissionResult
from grader.submissions import module_from_path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
SOLUTIONS = ROOT / "solutions"
SUBMISSIONS = ROOT / "tests" / "submissions"
ASSIGNMENT_04 = ASSIGNMENTS / "04_custom_function"
SUBMISSIONS_04 = SUBMISSIONS / "04_custom_function"
SOLUTION_04 = SOLUTIONS / "04_custom_function" / "custom_function.py"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def load() -> Callable[[str], Assignment]:
    """load(name): the assignment ``assignments/<name>``, read once per test session."""
    cache: dict[str, Assignment] = {}

    def get(name: str) -> Assignment:
        if name not in cache:
            cache[name] = load_assignment(ASSIGNMENTS / name)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def custom_function(load: Callable[[str], Assignment]) -> Assignment:
    return load("04_custom_function")


@pytest.fixture(scope="session")
def references() -> ReferenceCache:
    return ReferenceCache()


Grade = Callable[..., SubmissionResult]


@pytest.fixture
def grade_for(load: Callable[[str], Assignment], references: ReferenceCache,
              tmp_path: Path) -> Callable[[str], Grade]:
    """grade_for(name) -> grade(path_or_source, include_hidden=False, limits=None,
    time_limit=None, sandbox="auto"): grades a file, or source text saved as the assignment's
    module."""

    def make(name: str) -> Grade:
        def run(submission: Path | str, include_hidden: bool = False,
                limits: dict[str, float] | None = None,
                time_limit: float | None = None, sandbox: str = "auto") -> SubmissionResult:
            assignment = load(name)
            if isinstance(submission, str):
                path = tmp_path / f"{assignment.module}.py"
                path.write_text(submission)
            else:
                path = submission
            if limits:
                assignment = dataclasses.replace(assignment, limits=dataclasses.replace(
                    assignment.limits, **limits))
            if time_limit:
                assignment = dataclasses.replace(assignment, checks=tuple(
                    dataclasses.replace(c, time_limit_s=time_limit) for c in assignment.checks))
            module = module_from_path(path, assignment)
            return grade_module(assignment, module, path.stem, include_hidden=include_hidden,
                                references=references, sandbox=sandbox)

        return run

    return make


@pytest.fixture
def grade(grade_for: Callable[[str], Grade]) -> Grade:
    """Grades submissions of 04_custom_function."""
    return grade_for("04_custom_function")


def failing(result: SubmissionResult, device: str = "cpu") -> set[str]:
    """Ids of the checks that did not pass on ``device``."""
    return {c.id for c in result.checks
            if c.device == device and c.status not in ("passed", "skipped")}


def by_id(result: SubmissionResult, check_id: str, device: str = "cpu") -> object:
    return next(c for c in result.checks if c.id == check_id and c.device == device)


def assert_loses_exactly(result: SubmissionResult, expected_failures: set[str],
                         phrase: str) -> None:
    """The bug's submission fails exactly ``expected_failures`` on every device it ran on,
    loses all of their points and nothing else, and one of their messages has ``phrase``."""
    assert result.status == "graded", result.message
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


def import_file(path: Path, name: str):
    """A Python file as a module of its own, for tests that call a solution's or a checks
    file's functions directly (the grader loads them the same way)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
