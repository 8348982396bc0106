"""The pipeline for one submission, composed in one visible place:

assignment → plan (checks in scope) → the submission's session in the sandbox (beside the
reference's, or with a reference resolved already) → judge each check →
:class:`SubmissionResult`.

A :class:`Grading` is one command's grading: the sandbox level, resolved once; the executor
that runs sessions; and the references it shares between submissions. Observing (a session,
in the sandbox) and judging (here, in the grader's process) are separate steps, so a batch
can keep its workers observing while another thread judges and writes.
"""

from __future__ import annotations

import platform
import time
from concurrent.futures import Future, ThreadPoolExecutor

import torch

from grader import __version__
from grader.i18n import N_
from grader.intake.submissions import ModuleUnderTest
from grader.intake.syntax import parse_tree
from grader.judging.judge import judge_check
from grader.judging.knock_on import mark_knock_ons
from grader.judging.static import SourceFindings, apply_breaches, examine
from grader.model.assignments import Assignment
from grader.model.plan import Scope
from grader.references.resolve import ReferenceCache
from grader.results import (
    CapturedOutput,
    CheckResult,
    Environment,
    NotebookRun,
    SubmissionResult,
)
from grader.sandbox import host
from grader.sandbox.jail import Level
from grader.sandbox.notebook_run import run_notebook
from grader.sandbox.outcomes import Observations
from grader.sandbox.session import Executor, SessionJob, run_session


class Grading:
    """What grading needs besides the submission, for the length of one command.

    ``salt`` is a graded run's secret (:func:`grader.model.plan.run_seed`): every check of
    every submission, and the reference, sees inputs drawn from it. None keeps the checks'
    public seeds, the ones ``grade check`` and the recorded references use.
    """

    def __init__(self, level: Level, executor: Executor = run_session,
                 salt: int | None = None) -> None:
        self.level = level
        self.executor = executor
        self.salt = salt
        self.references = ReferenceCache(level, executor, salt)

    def grade(self, assignment: Assignment, module: ModuleUnderTest, submission_id: str,
              scope: Scope, notebook: bool = False) -> SubmissionResult:
        """Grade one module on the checks in ``scope``; with ``notebook``, a notebook
        submission is also run from top to bottom for its report."""
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=2) as pool:
            ran: Future[NotebookRun] | None = None
            if notebook and module.cells:
                ran = pool.submit(run_notebook, module.source, assignment.limits, self.level,
                                  module.extra_files)
            if self.references.cached(assignment, scope) is None and module.problem is None:
                # The reference's session (or the read of its recording) beside the student's.
                observing = pool.submit(self.observe, assignment, module, scope)
                reference = self.references.get(assignment, scope)
                student = observing.result()
            else:
                student = self.observe(assignment, module, scope)
                reference = self.references.get(assignment, scope)
            executed = ran.result() if ran is not None else None
        return judge_submission(assignment, module.display, submission_id, scope, student,
                                reference, time.monotonic() - started, self.level, executed,
                                examine(assignment, module))

    def observe(self, assignment: Assignment, module: ModuleUnderTest, scope: Scope
                ) -> Observations:
        """The submission's session: every run of the checks in ``scope``."""
        problem = module.problem or _empty(module)
        if problem is not None:  # nothing to run: a notebook that cannot be read, no code
            return Observations(load_failure=problem, load_failure_summary=problem,
                                notes=module.notes)
        return self.executor(SessionJob(assignment.plan(scope, salt=self.salt), module,
                                        self.level))


def _empty(module: ModuleUnderTest) -> str | None:
    """Why a ``.py`` file with no code in it (nothing, blank lines or comments) is not run:
    said once, instead of one "has no attribute" per check."""
    if module.cells:
        return None
    try:
        if module.source.stat().st_size > 64 * 1024:
            return None
        data = module.source.read_bytes().removeprefix(b"\xef\xbb\xbf")
    except OSError:
        return None  # the child reports what is wrong with it
    if any(line.strip() and not line.lstrip().startswith(b"#") for line in data.splitlines()):
        return None  # code, or something the child will explain: no parse per submission
    try:
        if parse_tree(data).body:
            return None
    except (SyntaxError, ValueError):
        return None
    return f"{module.display}: the file is empty (no code in it yet)"


ONLY = N_("only {exercises} checked: the score counts these exercises alone")


def _selection_note(assignment: Assignment) -> list[str]:
    """A result narrowed to some exercises (``--exercise``) says so: its total is not the
    assignment's."""
    return [ONLY.format(exercises=", ".join(assignment.selection))] if assignment.selection \
        else []


def judge_submission(assignment: Assignment, display: str, submission_id: str, scope: Scope,
                     student: Observations, reference: Observations, duration: float,
                     level: Level, notebook: NotebookRun | None = None,
                     findings: SourceFindings | None = None) -> SubmissionResult:
    """The result of a submission from its observations and the reference's, and from
    what its source shows (:mod:`grader.judging.static`)."""
    checks: list[CheckResult] = []
    here = host.current()
    for spec in assignment.checks_in(scope):
        checks.extend(judge_check(spec, student, reference, display))
    findings = findings or SourceFindings()
    error = student.load_failure
    if not error:
        checks = mark_knock_ons(apply_breaches(checks, findings.breaches), findings.uses)
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
        hidden_checks_not_run=0 if scope == "all" else len(assignment.hidden_checks()),
        output=CapturedOutput(
            stdout=student.stdout, stderr=student.stderr,
            stdout_bytes=student.stdout_bytes, stderr_bytes=student.stderr_bytes,
            truncated=student.truncated,
        ),
        environment=Environment(
            grader_version=__version__,
            torch_version=torch.__version__,
            python_version=platform.python_version(),
            sandbox=level,
            cuda_device=reference.cuda_device,
            references="recorded" if reference.recorded else "computed",
            host=here.name,
            missing_guarantees=here.missing(),
        ),
        notes=[*student.notes, *reference.notes, *_selection_note(assignment)],
        notebook=notebook,
        error_summary=student.load_failure_summary if error else None,
        integrity=list(findings.flags),
    )
