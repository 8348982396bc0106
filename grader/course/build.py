"""``grade build``: prove an assignment is gradable, then record its public references.

Recording answers that nobody verified would hand every student a wrong key, so a build
first grades, in the sandbox like any submission and with public and hidden checks:

- the solution, which must score full marks (a check that fails names itself);
- every untouched stub (the ``.py`` stub and the notebook stub), which must score zero: a
  check that passes on a stub gives points for nothing.

A solution can only lose points against itself where a check judges on its own (a
training accuracy, a parameter budget) or where it is not reproducible (two runs differ),
which is exactly what a recorded reference must not be. A solution that produces no
observation for a check, or still raises a stub's ``NotImplementedError``, is refused too.

Only then are the public runs written (:mod:`grader.references.store`). The references come
from the same child run that the solution is graded against, so what is recorded is exactly
what was verified.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import AssignmentError, ReferenceFailure
from grader.intake.submissions import ModuleUnderTest, notebook_module, solution_module
from grader.judging.pipeline import Grading
from grader.model.assignments import Assignment
from grader.model.observations import Raised
from grader.references import store
from grader.reports import first_line
from grader.results import SubmissionResult
from grader.sandbox.notebook_parse import sandboxed_parser
from grader.sandbox.outcomes import Observations, Observed


@dataclass(frozen=True)
class Verdict:
    """One graded copy (the solution or a stub) and what is wrong with its score."""

    label: str
    result: SubmissionResult
    problems: tuple[str, ...]


@dataclass(frozen=True)
class BuildOutcome:
    """One assignment built: the verdicts and, when they are clean, the files written."""

    assignment: str
    verdicts: tuple[Verdict, ...]
    written: tuple[Path, ...] = ()
    devices: tuple[str, ...] = ()
    runs: int = 0
    duration_s: float = 0.0
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def build(assignment: Assignment, grading: Grading) -> BuildOutcome:
    """Verify ``assignment`` and record its public references; nothing is written when the
    solution loses a point or a stub earns one."""
    started = time.monotonic()
    if assignment.solution is None:
        raise AssignmentError(
            f"{assignment.name}: no solution at solutions/{assignment.name}/"
            f"{assignment.module}.py; grade build runs in the course repository")
    try:
        full = grading.references.get(assignment, "all")
        unfinished = _unfinished(full)
        if unfinished:
            raise ReferenceFailure(f"the solution is unfinished: it raises "
                                   f"NotImplementedError in {', '.join(unfinished)}")
    except ReferenceFailure as exc:
        return BuildOutcome(assignment.name, (), problems=(exc.message,),
                            duration_s=time.monotonic() - started)
    copies = [("solution", solution_module(assignment))]
    if assignment.stub.is_file():
        copies.append(("stub", ModuleUnderTest(assignment.module, assignment.stub,
                                               assignment.stub.name)))
    notebook = assignment.root / f"{assignment.module}.ipynb"
    if notebook.is_file():
        copies.append(("notebook stub", notebook_module(
            notebook, assignment, parser=sandboxed_parser(grading.level, assignment.limits))))
    try:
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            results = list(pool.map(
                lambda c: grading.grade(assignment, c[1], c[0], "all"), copies))
    except ReferenceFailure as exc:  # the solution produced no observation for a check
        return BuildOutcome(assignment.name, (), problems=(exc.message,),
                            duration_s=time.monotonic() - started)
    verdicts = tuple(Verdict(label, result, _problems(label, result))
                     for (label, _), result in zip(copies, results, strict=True))
    problems = tuple(p for v in verdicts for p in v.problems)
    if problems:
        return BuildOutcome(assignment.name, verdicts, problems=problems,
                            duration_s=time.monotonic() - started)
    cuda = full.cuda_device is not None
    written = store.write(assignment, full, cuda_present=cuda)
    read_back = store.load(assignment)  # what a student's copy will read, read back now
    if read_back.observations is None:
        raise AssignmentError(f"{assignment.name}: the references just recorded do not read "
                              f"back: {read_back.reason}")
    return BuildOutcome(assignment.name, verdicts, tuple(written),
                        ("cpu", "cuda") if cuda else ("cpu",),
                        sum(1 for k in read_back.observations.outcomes if k.hint is None),
                        time.monotonic() - started)


def _unfinished(report: Observations) -> list[str]:
    """Checks where the solution raised a stub's NotImplementedError: against itself such a
    solution would score full marks, and every student would be judged by a stub."""
    found = []
    for key, outcome in report.outcomes.items():
        if key.hint is None and isinstance(outcome, Observed) and _raises_stub(outcome.value):
            found.append(f"{key.check} ({key.device})")
    return sorted(found)


def _raises_stub(value: object) -> bool:
    if isinstance(value, Raised):
        return value.not_implemented
    if isinstance(value, list | tuple):
        return any(_raises_stub(v) for v in value)
    if isinstance(value, dict):
        return any(_raises_stub(v) for v in value.values())
    return False


def _problems(label: str, result: SubmissionResult) -> tuple[str, ...]:
    if result.status == "error":
        return (f"the {label} cannot be graded: {result.error}",)
    if label == "solution":
        lost = [c for c in result.checks if c.status not in ("passed", "skipped")]
        return tuple(f"the solution fails {c.id} on {c.device} ({c.status}): "
                     f"{first_line(c.message) or 'no message'}" for c in lost)
    earned = [c for c in result.checks if c.score > 0]
    return tuple(f"the untouched {label} scores {c.score:g} on {c.id} ({c.device}): a check "
                 "that a stub passes gives points for nothing" for c in earned)

