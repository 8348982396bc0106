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
ASSIGNMENT_04 = ROOT / "assignments" / "04_custom_function"
SUBMISSIONS_04 = ROOT / "tests" / "submissions" / "04_custom_function"
SOLUTION_04 = ROOT / "solutions" / "04_custom_function" / "custom_function.py"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def custom_function() -> Assignment:
    return load_assignment(ASSIGNMENT_04)


@pytest.fixture(scope="session")
def references() -> ReferenceCache:
    return ReferenceCache()


Grade = Callable[..., SubmissionResult]


@pytest.fixture
def grade(custom_function: Assignment, references: ReferenceCache, tmp_path: Path) -> Grade:
    """grade(path_or_source, include_hidden=False, limits=None, time_limit=None)."""

    def run(submission: Path | str, include_hidden: bool = False,
            limits: dict[str, float] | None = None,
            time_limit: float | None = None) -> SubmissionResult:
        if isinstance(submission, str):
            path = tmp_path / "custom_function.py"
            path.write_text(submission)
        else:
            path = submission
        assignment = custom_function
        if limits:
            assignment = dataclasses.replace(assignment, limits=dataclasses.replace(
                assignment.limits, **limits))
        if time_limit:
            assignment = dataclasses.replace(assignment, checks=tuple(
                dataclasses.replace(c, time_limit_s=time_limit) for c in assignment.checks))
        module = module_from_path(path, assignment)
        return grade_module(assignment, module, path.stem, include_hidden=include_hidden,
                            references=references)

    return run


def failing(result: SubmissionResult, device: str = "cpu") -> set[str]:
    """Ids of the checks that did not pass on ``device``."""
    return {c.id for c in result.checks
            if c.device == device and c.status not in ("passed", "skipped")}


def by_id(result: SubmissionResult, check_id: str, device: str = "cpu") -> object:
    return next(c for c in result.checks if c.id == check_id and c.device == device)


def solution_source() -> str:
    return SOLUTION_04.read_text()
