"""``grade batch``: a class's submissions graded in parallel, resumable, with class outputs.

The coordinating process discovers the entries (:mod:`grader.intake.batch_inputs`), asks the
gradebook which results still stand, and hands the rest to workers: threads here, each
driving its own warm zygote, or a Dask cluster (:mod:`grader.batch.cluster`). Locally the
workers only observe — the reference's session is the first job among the students' — and
this thread judges each submission as its observations arrive, writes the student's files
and commits the result, while the workers go on with the next ones. Class outputs
(``summary.html``, ``grades.csv``) are written from the gradebook at the end, so they always
describe every submission, however many runs it took.
"""

from __future__ import annotations

import re
import secrets
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.batch.gradebook import Gradebook
from grader.batch.progress import Progress
from grader.batch.task import Task, assignment_version, module_for
from grader.i18n import ENGLISH, Translator
from grader.intake.batch_inputs import discover_entries
from grader.judging.pipeline import Grading, judge_submission
from grader.judging.static import SourceFindings, examine
from grader.model.assignments import Assignment
from grader.reports.grades import grades_csv
from grader.reports.gradescope import write_gradescope
from grader.reports.html import write_report
from grader.reports.summary import SummaryRow, report_href, write_summary_page
from grader.results import SubmissionResult, write_atomic
from grader.sandbox import pool
from grader.sandbox.jail import Level
from grader.sandbox.outcomes import Observations

GRADEBOOK = "gradebook.sqlite"


@dataclass(frozen=True)
class BatchRequest:
    submissions: Path
    assignment: Assignment
    out: Path
    level: Level
    """The sandbox level this machine grades at (resolved once, by the command)."""
    workers: int = 1
    regrade: bool = False
    sandbox: str = "auto"
    """The level asked for, which each Dask worker resolves on its own machine."""
    dask: str | None = None
    """A Dask scheduler's address; None grades on this machine."""
    salt: int | None = None
    """The secret the graded inputs are drawn from; None draws a new one for this run."""
    flagged: str = "keep"
    """What a submission the integrity audit flags scores: ``keep`` (its score, flagged for
    review) or ``zero``."""
    id_pattern: re.Pattern[str] | None = None
    """``--id-pattern``: where each entry's id is in its name (None: the naming rules)."""
    tr: Translator = ENGLISH
    """The language of each student's report.html (``--lang``); the records stay English."""


@dataclass
class BatchReport:
    """What a batch did, for the summary line and the exit status."""

    level: str
    results: list[SubmissionResult] = field(default_factory=list)
    graded_now: int = 0
    reused: int = 0
    warnings: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    salt: int = 0
    """The salt of the submissions graded in this run."""
    refused: list[str] = field(default_factory=list)
    """One line per entry of SUBMISSIONS not graded, saying why (``Discovery.refused``)."""

    @property
    def errors(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.status == "error"]

    @property
    def timeouts(self) -> int:
        return sum(any(c.status == "timeout" for c in r.checks) for r in self.results)


def run_batch(request: BatchRequest,
              on_progress: Callable[[Progress], None] | None = None) -> BatchReport:
    """Grade every submission under ``request.submissions`` that is new or changed."""
    started = time.monotonic()
    assignment = request.assignment
    salt = request.salt if request.salt is not None else draw_salt()
    warming = _warm_workers(request)
    report = BatchReport(level=request.level, salt=salt)
    discovery = discover_entries(request.submissions, assignment.module, request.id_pattern)
    tasks = [Task(e.id, e) for e in discovery.entries]
    tasks += [Task(p.id, None, p.message) for p in discovery.problems if p.id is not None]
    report.refused = list(discovery.refused)
    report.warnings += [f"skipped {p.name}: not a .py, .ipynb, .zip or folder"
                        for p in discovery.ignored]
    tasks.sort(key=lambda t: t.id)

    version = assignment_version(assignment)
    run = uuid.uuid4().hex[:12]
    request.out.mkdir(parents=True, exist_ok=True)
    with Gradebook(request.out / GRADEBOOK) as book:
        book.forget_except(assignment.name, {t.id for t in tasks})
        pending: list[tuple[Task, str]] = []
        results: dict[str, SubmissionResult] = {}  # the gradebook's rows, once all are in
        for task in tasks:
            digest = task.content_hash()
            stored = None if request.regrade else book.current(
                assignment.name, task.id, digest, version)
            if stored is None:
                pending.append((task, digest))
            else:
                report.reused += 1
                results[task.id] = stored.result
                if not (request.out / task.id / "result.json").is_file():
                    _write_student_files(stored.result, request.out, request.tr)
        total = len(pending)
        if on_progress:
            on_progress(Progress(0, total, started))
        hashes = {task.id: digest for task, digest in pending}
        graded = _grade_all([t for t, _ in pending], request, salt, warming)
        for done, result in enumerate(graded, 1):
            if request.flagged == "zero" and result.integrity:
                result = zero_flagged(result)
            text = _write_student_files(result, request.out, request.tr)
            book.record(result, hashes[result.submission], version, run, text, salt)
            results[result.submission] = result
            report.graded_now += 1
            if on_progress:
                on_progress(Progress(done, total, started, result))
        report.results = [results[key] for key in sorted(results)]
    write_class_outputs(assignment, report.results, request.out)
    report.duration_s = time.monotonic() - started
    return report


def zero_flagged(result: SubmissionResult) -> SubmissionResult:
    """``--flagged zero``: a flagged submission scores nothing until it is reviewed; its
    checks keep what they observed, for the review."""
    rules = sorted({f.rule for f in result.integrity})
    note = (f"score set to 0 for review: the integrity audit flagged {', '.join(rules)} "
            "(see the flags in result.json)")
    return replace(result, score=0.0, notes=[*result.notes, note])


def draw_salt() -> int:
    """A graded run's secret: from the operating system's random source, never from a
    generator a submission could seed or predict."""
    return secrets.randbits(SALT_BITS)


SALT_BITS = 63


def _warm_workers(request: BatchRequest) -> threading.Thread | None:
    """Start (or warm) a zygote per worker while the batch reads its submissions."""
    if request.dask is not None:
        return None
    def prepare() -> None:
        try:
            pool.POOL.prepare(request.level, True, request.workers, warm=True,
                              optimizers=request.assignment.uses_optimizers,
                              scratch_mb=request.assignment.limits.scratch_mb)
        except (pool.ZygoteGone, OSError):  # the sessions start their own, and say why not
            pass

    thread = threading.Thread(target=prepare, name="grade-warm-workers", daemon=True)
    thread.start()
    return thread


def _grade_all(tasks: list[Task], request: BatchRequest, salt: int,
               warming: threading.Thread | None) -> Iterator[SubmissionResult]:
    if not tasks:
        return
    if request.dask is not None:
        from grader.batch.cluster import grade_on_dask

        yield from grade_on_dask(tasks, request.assignment, request.sandbox, request.dask, salt)
        return
    assignment, workers = request.assignment, max(1, request.workers)
    grading = Grading(request.level, salt=salt)
    if warming is not None:
        warming.join()  # else the first sessions would start cold zygotes of their own
    with tempfile.TemporaryDirectory(prefix="grade-batch-") as tmp, \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grade-worker") as pool_, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="grade-audit") as audits:
        workspace = Path(tmp)
        reference = pool_.submit(grading.references.get, assignment, "all")

        def observe(task: Task) -> tuple[Task, str, Observations, float, SourceFindings]:
            began = time.monotonic()
            module = module_for(task, assignment, workspace, request.level)
            try:
                # The source is read while the child runs (this thread only waits for its
                # frames then), not before it: a few ms of each submission's latency.
                findings = audits.submit(examine, assignment, module)
                observed = grading.observe(assignment, module, "all")
                return task, module.display, observed, time.monotonic() - began, \
                    findings.result()
            finally:
                shutil.rmtree(workspace / task.id, ignore_errors=True)

        queue = iter(tasks)
        running: set[Future[tuple[Task, str, Observations, float, SourceFindings]]] = set()
        # Two tasks per worker in flight: one it is on and one it takes while this thread
        # judges and writes; a kill loses no more than those.
        for task in queue:
            running.add(pool_.submit(observe, task))
            if len(running) >= 2 * workers:
                break
        while running:
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                following = next(queue, None)
                if following is not None:
                    running.add(pool_.submit(observe, following))
                task, display, student, duration, findings = future.result()
                yield judge_submission(assignment, display, task.id, "all", student,
                                       reference.result(), duration, request.level,
                                       findings=findings)


def _write_student_files(result: SubmissionResult, out: Path, tr: Translator = ENGLISH) -> str:
    """The student's three files; returns the result's JSON for the gradebook."""
    folder = out / result.submission
    text = result.to_json(indent=None)
    write_atomic(folder / "result.json", text + "\n")
    write_report(result, folder / "report.html", tr=tr)
    write_gradescope(result, folder / "gradescope.json", indent=None)
    return text


def write_class_outputs(assignment: Assignment, results: list[SubmissionResult],
                        out: Path) -> None:
    """``summary.html`` and ``grades.csv`` for every result of the batch."""
    rows = [SummaryRow(r, report_href(r.submission)) for r in results]
    write_summary_page(assignment.title or assignment.name, rows, out / "summary.html")
    write_atomic(out / "grades.csv", grades_csv(assignment.exercises, results))


def summary_line(report: BatchReport) -> str:
    results = report.results
    scores = [r.score for r in results]
    most = max((r.max_score for r in results), default=0.0)
    errors, timeouts = len(report.errors), report.timeouts
    extra = ", ".join(p for p in (f"{errors} error{'s' * (errors != 1)}" if errors else "",
                                  f"{timeouts} with timeouts" if timeouts else "") if p)
    head = f"done: {len(results)} graded" + (f" ({extra})" if extra else "")
    if report.reused:
        head += f", {report.reused} unchanged since the last run"
    stats = (f" — mean {statistics.mean(scores):.1f}/{most:g}, "
             f"median {statistics.median(scores):g}") if scores else ""
    line = f"{head} in {report.duration_s:.1f} s{stats}"
    if report.graded_now:
        line += (f"\nsalt {report.salt}: the graded inputs' secret, kept in the gradebook "
                 "(--salt regrades with the very same inputs)")
    return line
