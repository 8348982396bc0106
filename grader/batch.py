"""``grade batch``: a class's submissions graded in parallel, resumable, with class outputs.

The coordinating process discovers the entries (:mod:`grader.batch_inputs`), asks the
gradebook which results still stand, hands the rest to workers — threads here, each driving
its own sandboxed children, or a Dask cluster (:mod:`grader.dask_workers`) — and, as each
result arrives, writes the student's files and commits the result before taking the next.
Class outputs (``summary.html``, ``grades.csv``) are written from the gradebook at the end,
so they always describe every submission, however many runs it took.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__
from grader.assignments import Assignment
from grader.batch_inputs import Entry, discover_entries, prepare
from grader.gradebook import Gradebook
from grader.grading import grade_module
from grader.jail import choose_level
from grader.references import ReferenceCache, fingerprint
from grader.reports.gradescope import write_gradescope
from grader.reports.html import write_report
from grader.reports.summary import SummaryRow, report_href, write_summary_page
from grader.results import SubmissionResult, write_atomic
from grader.sandbox import ModuleUnderTest
from grader.submissions import module_from_path

GRADEBOOK = "gradebook.sqlite"


@dataclass(frozen=True)
class BatchRequest:
    submissions: Path
    assignment: Assignment
    out: Path
    workers: int = 1
    regrade: bool = False
    sandbox: str = "auto"
    dask: str | None = None
    """A Dask scheduler's address; None grades on this machine."""


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    started: float
    last: SubmissionResult | None = None


@dataclass
class BatchReport:
    """What a batch did, for the summary line and the exit status."""

    level: str
    results: list[SubmissionResult] = field(default_factory=list)
    graded_now: int = 0
    reused: int = 0
    warnings: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def errors(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.status == "error"]

    @property
    def timeouts(self) -> int:
        return sum(any(c.status == "timeout" for c in r.checks) for r in self.results)


@dataclass(frozen=True)
class Task:
    """One submission to grade: what a worker needs, as plain data."""

    id: str
    entry: Entry | None
    problem: str | None = None
    """Why the entry cannot be graded at all (a duplicate id): an error result."""


def assignment_version(assignment: Assignment) -> str:
    """Changes whenever the checks, the solution or the grader change."""
    return hashlib.sha256(f"{fingerprint(assignment, True)}:{__version__}".encode()).hexdigest()


def content_hash(entry: Entry) -> str:
    """The entry's bytes and file names: a submission changes when any of its files does."""
    h = hashlib.sha256()
    paths = sorted(p for p in entry.source.rglob("*") if p.is_file()) if entry.source.is_dir() \
        else [entry.source]
    for path in paths:
        h.update(str(path.relative_to(entry.source.parent)).encode() + b"\0")
        if not path.is_symlink():
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def grade_task(task: Task, assignment: Assignment, references: ReferenceCache, level: str,
               workspace: Path) -> SubmissionResult:
    """Grade one submission with public and hidden checks; never raises for anything in it."""
    module = _module_for(task, assignment, workspace)
    try:
        return grade_module(assignment, module, task.id, include_hidden=True,
                            references=references, sandbox=level)
    finally:
        shutil.rmtree(workspace / task.id, ignore_errors=True)


def _module_for(task: Task, assignment: Assignment, workspace: Path) -> ModuleUnderTest:
    def problem(message: str) -> ModuleUnderTest:
        return ModuleUnderTest(assignment.module, workspace / task.id, task.id, problem=message)

    if task.problem is not None or task.entry is None:
        return problem(task.problem or "nothing to grade")
    prepared = prepare(task.entry, workspace, assignment.module)
    if prepared.problem is not None or prepared.path is None:
        return problem(prepared.problem or "nothing to grade")
    try:
        return module_from_path(prepared.path, assignment)
    except Exception as exc:  # a UsageError about the student's files is their result
        return problem(getattr(exc, "message", str(exc)))


def run_batch(request: BatchRequest,
              on_progress: Callable[[Progress], None] | None = None) -> BatchReport:
    """Grade every submission under ``request.submissions`` that is new or changed."""
    started = time.monotonic()
    assignment = request.assignment
    level = choose_level(request.sandbox)
    report = BatchReport(level=level)
    discovery = discover_entries(request.submissions, assignment.module)
    tasks = [Task(e.id, e) for e in discovery.entries]
    for problem in discovery.problems:
        if problem.id is not None:
            tasks.append(Task(problem.id, None, problem.message))
        else:
            report.warnings.append(problem.message)
    report.warnings += [f"skipped {p.name}: not a .py, .ipynb, .zip or folder"
                        for p in discovery.ignored]
    tasks.sort(key=lambda t: t.id)

    version = assignment_version(assignment)
    run = uuid.uuid4().hex[:12]
    request.out.mkdir(parents=True, exist_ok=True)
    with Gradebook(request.out / GRADEBOOK) as book:
        book.forget_except(assignment.name, {t.id for t in tasks})
        pending: list[tuple[Task, str]] = []
        for task in tasks:
            digest = content_hash(task.entry) if task.entry else _text_hash(task.problem)
            stored = None if request.regrade else book.current(
                assignment.name, task.id, digest, version)
            if stored is None:
                pending.append((task, digest))
            else:
                report.reused += 1
                if not (request.out / task.id / "result.json").is_file():
                    _write_student_files(stored.result, request.out)
        total = len(pending)
        if on_progress:
            on_progress(Progress(0, total, started))
        hashes = {task.id: digest for task, digest in pending}
        for done, result in enumerate(_grade_all([t for t, _ in pending], request, level), 1):
            text = _write_student_files(result, request.out)
            book.record(result, hashes[result.submission], version, run, text)
            report.graded_now += 1
            if on_progress:
                on_progress(Progress(done, total, started, result))
        report.results = book.results(assignment.name)
    write_class_outputs(assignment, report.results, request.out)
    report.duration_s = time.monotonic() - started
    return report


def _grade_all(tasks: list[Task], request: BatchRequest, level: str
               ) -> Iterator[SubmissionResult]:
    if not tasks:
        return
    if request.dask is not None:
        from grader.dask_workers import grade_on_dask

        yield from grade_on_dask(tasks, request.assignment, request.sandbox, request.dask)
        return
    references = ReferenceCache()
    references.get(request.assignment, True)  # once, before the workers share it
    with tempfile.TemporaryDirectory(prefix="grade-batch-") as tmp:
        workspace = Path(tmp)
        with ThreadPoolExecutor(max_workers=max(1, request.workers)) as pool:
            queue = iter(tasks)
            running: set[Future[SubmissionResult]] = set()
            # Keep only a worker's worth of tasks in flight: a kill loses no more than those.
            for task in queue:
                running.add(pool.submit(grade_task, task, request.assignment, references,
                                        level, workspace))
                if len(running) >= request.workers:
                    break
            while running:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    following = next(queue, None)  # keep the worker busy while we write
                    if following is not None:
                        running.add(pool.submit(grade_task, following, request.assignment,
                                                references, level, workspace))
                    yield future.result()


def _text_hash(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()


def _write_student_files(result: SubmissionResult, out: Path) -> str:
    """The student's three files; returns the result's JSON for the gradebook."""
    folder = out / result.submission
    text = result.to_json(indent=None)
    write_atomic(folder / "result.json", text + "\n")
    write_report(result, folder / "report.html")
    write_gradescope(result, folder / "gradescope.json", indent=None)
    return text


def write_class_outputs(assignment: Assignment, results: list[SubmissionResult],
                        out: Path) -> None:
    """``summary.html`` and ``grades.csv`` for every result of the batch."""
    rows = [SummaryRow(r, report_href(r.submission)) for r in results]
    write_summary_page(assignment.title or assignment.name, rows, out / "summary.html")
    write_atomic(out / "grades.csv", grades_csv(assignment, results))


def grades_csv(assignment: Assignment, results: list[SubmissionResult]) -> str:
    """``id,score,max_score,status`` and one column per exercise, for an LMS import."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "score", "max_score", "status", *assignment.exercises])
    for r in results:
        scores = r.exercise_scores()
        writer.writerow([_csv_safe(r.submission), _number(r.score), _number(r.max_score),
                         r.status, *(_number(scores.get(e, (0.0, 0.0))[0])
                                     for e in assignment.exercises)])
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{round(value, 6):g}"


def _csv_safe(text: str) -> str:
    """A spreadsheet must not read an id as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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
    return f"{head} in {report.duration_s:.1f} s{stats}"
