"""One submission of a batch: what a worker needs to grade it, as plain data, and what
decides whether a stored result of it still stands."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.intake.batch_inputs import Entry, prepare
from grader.intake.submissions import ModuleUnderTest, module_from_path
from grader.judging.pipeline import Grading
from grader.model.assignments import Assignment
from grader.references.store import recorded_stubs
from grader.results import SubmissionResult
from grader.sandbox.jail import Level
from grader.sandbox.notebook_parse import sandboxed_parser


@dataclass(frozen=True)
class Task:
    """One submission to grade."""

    id: str
    entry: Entry | None
    problem: str | None = None
    """Why the entry cannot be graded at all (a duplicate id): an error result."""

    def content_hash(self) -> str:
        """The entry's bytes and file names (a submission changes when any of its files
        does), or the problem's text for an entry that cannot be graded."""
        h = hashlib.sha256()
        if self.entry is None:
            h.update((self.problem or "").encode())
            return h.hexdigest()
        source = self.entry.source
        paths = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() \
            else [source]
        for path in paths:
            h.update(str(path.relative_to(source.parent)).encode() + b"\0")
            if not path.is_symlink():
                h.update(hashlib.sha256(path.read_bytes()).digest())
        return h.hexdigest()


def assignment_version(assignment: Assignment) -> str:
    """Changes whenever the checks, the solution or the grader change."""
    return hashlib.sha256(f"{assignment.digest('all')}:{__version__}".encode()).hexdigest()


def module_for(task: Task, assignment: Assignment, workspace: Path, level: Level
               ) -> ModuleUnderTest:
    """The module to grade for ``task`` (a zip unpacked under ``workspace``), or one that
    carries the problem that keeps it from being graded: never raises for the student's
    files."""
    def problem(message: str) -> ModuleUnderTest:
        return ModuleUnderTest(assignment.module, workspace / task.id, task.id, problem=message)

    if task.problem is not None or task.entry is None:
        return problem(task.problem or "nothing to grade")
    prepared = prepare(task.entry, workspace, assignment.module)
    if prepared.problem is not None or prepared.path is None:
        return problem(prepared.problem or "nothing to grade")
    try:
        return module_from_path(prepared.path, assignment,
                                sandboxed_parser(level, assignment.limits),
                                recorded_stubs(assignment))
    except Exception as exc:  # a UsageError about the student's files is their result
        return problem(getattr(exc, "message", str(exc)))


def grade_task(task: Task, assignment: Assignment, grading: Grading, workspace: Path
               ) -> SubmissionResult:
    """Grade one submission with public and hidden checks, start to end (a Dask worker's
    job); never raises for anything in it."""
    module = module_for(task, assignment, workspace, grading.level)
    try:
        return grading.grade(assignment, module, task.id, "all")
    finally:
        shutil.rmtree(workspace / task.id, ignore_errors=True)
