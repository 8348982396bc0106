"""Reference observations: the solution run through the very same child as students.

Computed once per (assignment, checks, solution, hidden or not) in a process and reused for
every submission graded by it, or, for the public checks, read from the files ``grade build``
recorded (:mod:`grader.recorded`). Each check's hint patches are observed here too, so that a
student's wrong answer can be matched against known wrong answers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import torch

from grader import recorded
from grader.assignments import Assignment
from grader.errors import ReferenceFailure
from grader.judge import load_failure_message
from grader.observations import RunKey, RunReport
from grader.sandbox import ModuleUnderTest, SessionJob, run_session


def runs_for(assignment: Assignment, include_hidden: bool, with_hints: bool) -> tuple[RunKey, ...]:
    keys = []
    for spec in assignment.checks:
        if spec.hidden and not include_hidden:
            continue
        for device in spec.devices:
            keys.append(RunKey(spec.id, device))
            if with_hints:
                keys.extend(RunKey(spec.id, device, i)
                            for i, hint in enumerate(spec.hints) if hint.patch is not None)
    return tuple(keys)


def fingerprint(assignment: Assignment, include_hidden: bool) -> str:
    """Changes whenever the checks or the solution change."""
    h = hashlib.sha256()
    for src in assignment.sources_for(include_hidden):
        h.update(src.kind.encode() + b"\0" + src.source.encode() + b"\0")
    if assignment.solution is not None:
        h.update(assignment.solution.read_bytes())
    return h.hexdigest()


@dataclass
class ReferenceCache:
    """Reference reports computed in this process, keyed by fingerprint."""

    reports: dict[str, RunReport] = field(default_factory=dict)

    def cached(self, assignment: Assignment, include_hidden: bool) -> RunReport | None:
        """The report if it was computed already, else None (nothing is run)."""
        return self.reports.get(fingerprint(assignment, include_hidden))

    def get(self, assignment: Assignment, include_hidden: bool) -> RunReport:
        key = fingerprint(assignment, include_hidden)
        if key not in self.reports:
            self.reports[key] = resolve_reference(assignment, include_hidden)
        return self.reports[key]


def resolve_reference(assignment: Assignment, include_hidden: bool) -> RunReport:
    """Recorded references where they are fresh (public checks only: hidden checks are never
    recorded), else the solution run now; without either, a clear refusal.

    CPU-only recordings on a machine with a GPU are used in a student's copy (its CUDA
    checks are skipped, saying why); in the course repository, where the solution can run,
    the solution runs so that the CUDA checks run too.

    In the course repository a stale recording does not stop a check: the solution is run
    and the result carries a note saying the recording needs rebuilding. In a student's
    copy, which has no solution, stale references stop it: grading against them would
    judge the new checks with the old answers.
    """
    if include_hidden:
        return compute_reference(assignment, include_hidden)
    found = recorded.load(assignment)
    if found.report is not None and (found.cuda or assignment.solution is None
                                     or not cuda_here()):
        return found.report
    if assignment.solution is not None:
        report = compute_reference(assignment, include_hidden)
        if found.state == "stale":
            report.notes.append(f"The recorded references are stale ({found.reason}); these "
                                f"results used the solution instead: "
                                f"{recorded.rebuild_hint(assignment)}.")
        return report
    if found.state == "stale":
        raise ReferenceFailure(
            f"{assignment.name}: the recorded references are stale: {found.reason}; "
            f"{recorded.rebuild_hint(assignment)} (students: get the updated assignment "
            "from your course)")
    raise ReferenceFailure(
        f"{assignment.name}: no reference results: no recorded references "
        f"({recorded.FOLDER}/{recorded.MANIFEST}) and no solution at "
        f"solutions/{assignment.name}/{assignment.module}.py; "
        f"{recorded.rebuild_hint(assignment)}")


def cuda_here() -> bool:
    """Whether this machine could run the CUDA checks. A CPU build of torch answers without
    touching any driver; a CUDA build asks the driver (which initialises it in this process,
    harmless here: the grader's process never forks a child that uses CUDA)."""
    return torch.version.cuda is not None and torch.cuda.is_available()


def compute_reference(assignment: Assignment, include_hidden: bool) -> RunReport:
    """Run the solution in a child; any failure to load is the course's fault."""
    if assignment.solution is None:
        raise ReferenceFailure(
            f"{assignment.name}: no reference solution at solutions/{assignment.name}/"
            f"{assignment.module}.py")
    module = ModuleUnderTest(assignment.module, assignment.solution,
                             f"solutions/{assignment.name}/{assignment.module}.py")
    report = run_session(SessionJob(assignment, module, runs_for(assignment, include_hidden, True),
                                    include_hidden, assignment.limits))
    problem = load_failure_message(report)
    if problem:
        raise ReferenceFailure(f"{assignment.name}: the reference solution cannot be loaded: "
                               f"{problem}")
    return report
