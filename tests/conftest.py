"""Shared fixtures: the real assignments, one grading context per test session (its
references computed once), and a helper that grades a submission (a file from
tests/submissions or source text) in real children. Shared helpers live in ``helpers``."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from grader.intake.submissions import module_from_path
from grader.judging.pipeline import Grading
from grader.model.assignments import Assignment, load_assignment
from grader.model.plan import Scope
from grader.references.resolve import ReferenceCache
from grader.results import SubmissionResult
from grader.sandbox.jail import choose_level
from grader.sandbox.notebook_parse import sandboxed_parser
from helpers import ASSIGNMENTS, Grade

# Every command a test runs grades in its own process (the warm server of `--exercise`
# would outlive the test and serve later ones); tests of the server turn it on themselves,
# and the English of the records is what the tests read unless one asks for another.
os.environ["GRADE_WARM"] = "0"
os.environ["GRADE_LANG"] = "en"

REAL_GRADING = {"grade", "grade_for", "grading", "references"}
"""Fixtures that start real children: a test that uses one is ``slow``, so that ``pytest -m
"not slow"`` is the fast unit layer (no child process) a developer runs while working."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow = pytest.mark.slow
    for item in items:
        if REAL_GRADING & set(getattr(item, "fixturenames", ())):
            item.add_marker(slow)
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
def grading() -> Grading:
    """Real sandboxed sessions at the level this machine offers, references shared."""
    return Grading(choose_level("auto"))


@pytest.fixture(scope="session")
def references(grading: Grading) -> ReferenceCache:
    """The references of ``grading``: each resolved once per test session."""
    return grading.references


@pytest.fixture
def grade_for(load: Callable[[str], Assignment], grading: Grading,
              tmp_path: Path) -> Callable[[str], Grade]:
    """grade_for(name) -> grade(path_or_source, scope="public", limits=None,
    time_limit=None, sandbox="auto"): grades a file, or source text saved as the assignment's
    module."""

    def make(name: str) -> Grade:
        def run(submission: Path | str, scope: Scope = "public",
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
            context = grading if sandbox == "auto" else Grading(choose_level(sandbox))
            # A notebook is read as the commands read it: in the sandbox.
            module = module_from_path(path, assignment,
                                      sandboxed_parser(context.level, assignment.limits))
            return context.grade(assignment, module, path.stem, scope)

        return run

    return make


@pytest.fixture
def grade(grade_for: Callable[[str], Grade]) -> Grade:
    """Grades submissions of 04_custom_function."""
    return grade_for("04_custom_function")
