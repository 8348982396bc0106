"""The pipeline for one submission, composed in one visible place:

assignment → submission module → sandboxed student run (in parallel with the reference run,
or a cached reference) → judge → :class:`SubmissionResult`.
"""

from __future__ import annotations

import platform
import time
from concurrent.futures import ThreadPoolExecutor

import torch

from grader import __version__
from grader.assignments import Assignment
from grader.jail import choose_level
from grader.judge import judge_check, load_failure_message
from grader.observations import RunReport
from grader.references import ReferenceCache, runs_for
from grader.results import CapturedOutput, CheckResult, Environment, SubmissionResult
from grader.sandbox import ModuleUnderTest, SessionJob, run_session


def grade_module(
    assignment: Assignment,
    module: ModuleUnderTest,
    submission_id: str,
    *,
    include_hidden: bool,
    references: ReferenceCache | None = None,
    sandbox: str = "auto",
) -> SubmissionResult:
    """Grade one module against the public (and, if asked, hidden) checks, at the sandbox
    level ``sandbox`` (``auto``: strict where bubblewrap works, else basic)."""
    started = time.monotonic()
    references = references if references is not None else ReferenceCache()
    level = choose_level(sandbox)
    job = SessionJob(assignment, module, runs_for(assignment, include_hidden, False),
                     include_hidden, assignment.limits, level=level)
    cached = references.cached(assignment, include_hidden)
    if module.problem is not None:  # a notebook that cannot be read: nothing to run
        student = RunReport(load_message=module.problem)
        reference = references.get(assignment, include_hidden)
    elif cached is not None:  # a batch: the reference is known, no thread to run it beside
        student, reference = run_session(job), cached
    else:
        with ThreadPoolExecutor(max_workers=2) as pool:
            student_future = pool.submit(run_session, job)
            reference = references.get(assignment, include_hidden)
            student = student_future.result()
    return _assemble(assignment, module, submission_id, include_hidden, student, reference,
                     time.monotonic() - started, level)


def _assemble(assignment: Assignment, module: ModuleUnderTest, submission_id: str,
              include_hidden: bool, student: RunReport, reference: RunReport,
              duration: float, level: str) -> SubmissionResult:
    checks: list[CheckResult] = []
    for spec in assignment.checks:
        if spec.hidden and not include_hidden:
            continue
        checks.extend(judge_check(spec, student, reference, module.display))
    error = load_failure_message(student)
    return SubmissionResult(
        assignment=assignment.name,
        submission=submission_id,
        status="error" if error else "graded",
        error=error,
        score=round(sum(c.score for c in checks), 6),
        max_score=round(sum(c.max_score for c in checks), 6),
        duration_s=round(duration, 3),
        checks=checks,
        title=assignment.title,
        exercises=list(assignment.exercises),
        hidden_checks_not_run=0 if include_hidden else len(assignment.hidden_checks()),
        output=CapturedOutput(
            stdout=student.stdout, stderr=student.stderr,
            stdout_bytes=student.stdout_bytes, stderr_bytes=student.stderr_bytes,
            truncated=(student.stdout_bytes > len(student.stdout.encode())
                       or student.stderr_bytes > len(student.stderr.encode())),
        ),
        environment=Environment(
            grader_version=__version__,
            torch_version=torch.__version__,
            python_version=platform.python_version(),
            sandbox=level,
            cuda_device=reference.cuda_device,
            references="recorded" if reference.recorded else "computed",
        ),
        notes=[*module.notes, *student.notes, *reference.notes],
    )
