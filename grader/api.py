"""The library behind the command line: everything a ``grade`` command does, from Python."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from grader.batch.mutate import MutateRequest, run_mutation
from grader.batch.progress import Progress
from grader.batch.run import SALT_BITS, BatchReport, BatchRequest, run_batch
from grader.course.build import BuildOutcome
from grader.course.build import build as build_assignment
from grader.course.gradescope import Autograder, write_autograder
from grader.course.release import ReleaseOutcome
from grader.course.release import release as make_release
from grader.course.translations import CatalogueOutcome, update_catalogue
from grader.errors import AssignmentError, UsageError
from grader.i18n import ENGLISH, Translator, translator
from grader.i18n import parse as parse_lang
from grader.intake.batch_inputs import compile_id_pattern
from grader.intake.stubs import untouched
from grader.intake.submissions import ModuleUnderTest, module_from_path
from grader.judging.pipeline import Grading
from grader.model.assignments import POINT_ELSEWHERE, Assignment, load_assignment, locate_course
from grader.model.plan import Scope
from grader.references.store import recorded_stubs
from grader.reports.html import write_report
from grader.reports.junit import write_junit
from grader.reports.markdown import write_summary
from grader.reports.mutation import MutationReport, write_mutation_report
from grader.results import SubmissionResult, write_atomic
from grader.sandbox.jail import Level, choose_level
from grader.sandbox.notebook_parse import sandboxed_parser


@dataclass(frozen=True)
class CheckOutcome:
    """One assignment checked: its result and where its files were written."""

    result: SubmissionResult
    result_json: Path
    report_html: Path
    tr: Translator = ENGLISH
    """The language its reports were written in, with the assignment's own words: what
    the terminal renders it with."""


@dataclass(frozen=True)
class Target:
    """What to grade: an assignment and the student's module for it."""

    assignment: Assignment
    module: ModuleUnderTest
    submission_id: str


def resolve_targets(path: Path | None, assignment: str | None, cwd: Path,
                    level: Level | None = None, course: Path | None = None) -> list[Target]:
    """Turn ``grade check [PATH] [--assignment NAME] [--course DIR]`` into assignments and
    modules; with a sandbox ``level``, a notebook is read in the sandbox (else in this
    process). Assignments are looked for in the course folder (:func:`locate_course`)."""
    if path is None:
        in_course = locate_course(course, cwd)
        if assignment is not None:
            roots = [in_course.find(assignment)]
        else:
            roots = in_course.discover()
            if not roots:
                raise UsageError(f"no assignments in {in_course.where}; name a PATH to check, or "
                                 f"{POINT_ELSEWHERE}")
        return [_target(load_assignment(r), r, level) for r in roots]
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    home = path if path.is_dir() else path.parent
    if assignment is not None:
        root = locate_course(course, cwd).find(assignment)
    elif (home / "assignment.toml").is_file():
        root = home
    else:
        raise UsageError(f"cannot tell which assignment {path} is for: pass --assignment NAME")
    return [_target(load_assignment(root), path, level)]


def _target(assignment: Assignment, path: Path, level: Level | None) -> Target:
    parser = sandboxed_parser(level, assignment.limits) if level is not None else None
    module = module_from_path(path, assignment, parser, recorded_stubs(assignment))
    resolved = path.resolve()
    if resolved.is_file():  # alice/custom_function.py is alice's; alice.py is too
        name = resolved.parent.name if resolved.stem == assignment.module else resolved.stem
    else:
        name = resolved.name
    return Target(assignment, module, name)


def check(
    path: Path | None = None,
    assignment: str | None = None,
    out: Path = Path("reports"),
    cwd: Path | None = None,
    scope: Scope = "public",
    sandbox: str = "auto",
    run_notebook: bool = False,
    course: Path | None = None,
    lang: str = "en",
    exercises: Sequence[str] = (),
    read_here: bool = False,
) -> list[CheckOutcome]:
    """Grade a student's working copy against the public checks and write its reports.

    ``out`` takes the place of ``reports/``: ``out/<assignment>/result.json`` and
    ``report.html`` are written for each assignment checked. With ``run_notebook``, a
    notebook submission is also run from top to bottom (:mod:`grader.sandbox.notebook_run`)
    and its cells' outputs appear in the result and the report. ``course`` names the course
    folder (default: ``$GRADE_COURSE``, else ``cwd``). ``lang`` is the reports' language
    (:data:`grader.i18n.LANGS`; ``result.json`` stays English); ``exercises`` narrows each
    assignment to those exercises' checks (``--exercise``). With ``read_here``, a notebook
    is read in this process rather than in a sandboxed reader of its own (a fresh process,
    seconds): for a student's own notebook on the student's own machine (the notebook
    checker), where a hostile file would only attack its author; its cells still run in the
    sandbox.
    """
    cwd = cwd or Path.cwd()
    path = path if path is None or path.is_absolute() else cwd / path
    grading = Grading(choose_level(sandbox))  # an unavailable strict level: refused here
    _one_assignment_for(exercises, path, assignment, cwd, course)
    targets = _narrowed(resolve_targets(path, assignment, cwd,
                                        None if read_here else grading.level, course),
                        exercises)
    return _check_targets(targets, grading, out, cwd, scope, run_notebook, lang)


ONE_ASSIGNMENT = "--exercise needs one assignment: name its folder, file or --assignment"


def _one_assignment_for(exercises: Sequence[str], path: Path | None, assignment: str | None,
                        cwd: Path, course: Path | None) -> None:
    """``--exercise`` over the whole course is refused before any submission is read."""
    if exercises and path is None and assignment is None \
            and len(locate_course(course, cwd).discover()) > 1:
        raise UsageError(ONE_ASSIGNMENT)


def _narrowed(targets: list[Target], exercises: Sequence[str]) -> list[Target]:
    """Each target's assignment cut down to ``exercises`` (all of them when none)."""
    if not exercises:
        return targets
    if len(targets) > 1:
        raise UsageError(ONE_ASSIGNMENT)
    return [replace(t, assignment=t.assignment.only(exercises)) for t in targets]


def translator_for(assignments: Sequence[Assignment], lang: str) -> Translator:
    """The grader's catalogue in ``lang`` with the words of ``assignments`` on top."""
    lang = parse_lang(lang)
    if lang == "en":  # the records' own language: no catalogue to read
        return ENGLISH
    return translator(lang, [a.translations(lang) for a in assignments])


def _check_targets(targets: list[Target], grading: Grading, out: Path, cwd: Path,
                   scope: Scope = "public", run_notebook: bool = False,
                   lang: str = "en") -> list[CheckOutcome]:
    out = out if out.is_absolute() else cwd / out
    outcomes = []
    for target in targets:
        result = grading.grade(target.assignment, target.module, target.submission_id, scope,
                               notebook=run_notebook)
        folder = out / target.assignment.name
        result_json, report_html = folder / "result.json", folder / "report.html"
        tr = translator_for([target.assignment], lang)
        try:
            write_atomic(result_json, result.to_json() + "\n")
            write_report(result, report_html, tr=tr)
        except OSError as exc:
            raise UsageError(f"cannot write reports to {folder}: {exc.strerror}") from None
        outcomes.append(CheckOutcome(result, result_json, report_html, tr))
    return outcomes


@dataclass(frozen=True)
class CiOutcome:
    """``grade ci``: the checks, and where the JUnit XML and the Markdown summary went."""

    outcomes: list[CheckOutcome]
    junit_xml: Path
    summary_md: Path
    step_summary: Path | None
    not_started: tuple[str, ...] = ()
    """Assignments left out because their file is the untouched stub."""


def ci(
    path: Path | None = None,
    assignment: str | None = None,
    out: Path = Path("reports"),
    cwd: Path | None = None,
    sandbox: str = "auto",
    step_summary: Path | None = None,
    course: Path | None = None,
    lang: str = "en",
    exercises: Sequence[str] = (),
) -> CiOutcome:
    """:func:`check` of the assignments a student has started, plus ``out/junit.xml`` and
    ``out/summary.md``; the summary is also appended to ``step_summary``
    (``$GITHUB_STEP_SUMMARY`` on GitHub Actions) when given.

    Without ``path``, an assignment whose file is still the untouched stub
    (:mod:`grader.intake.stubs`) is not graded: it is listed as not started, and fails
    nothing; a path given is graded whatever it holds. CI is green until a student
    starts, and then says what the started work lacks.
    """
    cwd = cwd or Path.cwd()
    path = path if path is None or path.is_absolute() else cwd / path
    grading = Grading(choose_level(sandbox))
    _one_assignment_for(exercises, path, assignment, cwd, course)
    targets = _narrowed(resolve_targets(path, assignment, cwd, grading.level, course),
                        exercises)
    started: list[Target] = []
    not_started: list[str] = []
    for target in targets:
        if path is None and untouched(target.module.source, recorded_stubs(target.assignment)):
            not_started.append(target.assignment.name)
        else:
            started.append(target)
    outcomes = _check_targets(started, grading, out, cwd, lang=lang)
    out = out if out.is_absolute() else cwd / out
    results = [o.result for o in outcomes]
    junit_path, summary_path = out / "junit.xml", out / "summary.md"
    try:
        write_junit(results, junit_path, not_started)
        text = write_summary(results, summary_path, not_started,
                             tr=translator_for([t.assignment for t in targets], lang))
        if step_summary is not None:
            with step_summary.open("a", encoding="utf-8") as handle:
                handle.write(text + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write the CI summary: {exc.strerror}: "
                         f"{exc.filename}") from None
    return CiOutcome(outcomes, junit_path, summary_path, step_summary,
                     tuple(not_started))


def _assignments(assignment: str | None, cwd: Path, course: Path | None) -> list[Assignment]:
    in_course = locate_course(course, cwd)
    if assignment is not None:
        return [load_assignment(in_course.find(assignment))]
    roots = in_course.discover()
    if not roots:
        raise UsageError(f"no assignments in {in_course.where}; {POINT_ELSEWHERE}")
    return [load_assignment(r) for r in roots]


def build(assignment: str | None = None, cwd: Path | None = None, sandbox: str = "auto",
          on_built: Callable[[BuildOutcome], None] | None = None,
          course: Path | None = None) -> list[BuildOutcome]:
    """``grade build``: verify and record references for one assignment or all of them
    (:mod:`grader.course.build`); an assignment refused does not stop the others."""
    chosen = _assignments(assignment, cwd or Path.cwd(), course)
    grading = Grading(choose_level(sandbox))  # an unavailable strict level: refused here
    outcomes = []
    for loaded in chosen:
        outcome = build_assignment(loaded, grading)
        if on_built is not None:
            on_built(outcome)
        outcomes.append(outcome)
    return outcomes


def release(out: Path, assignment: str | None = None, cwd: Path | None = None,
            grader_requirement: str | None = None,
            course: Path | None = None) -> ReleaseOutcome:
    """``grade release``: the students' copy of the course (:mod:`grader.course.release`)."""
    cwd = cwd or Path.cwd()
    out = out if out.is_absolute() else cwd / out
    chosen = _assignments(assignment, cwd, course)
    resolved = out.resolve()
    for a in chosen:
        if resolved == a.root.resolve() or a.root.resolve() in resolved.parents:
            raise UsageError(f"--out {out} is inside assignment {a.name}; choose a folder "
                             "outside the course's assignments")
    return make_release(chosen, out, grader_requirement)


def gradescope(assignment: str, out: Path = Path("autograder.zip"), cwd: Path | None = None,
               course: Path | None = None) -> Autograder:
    """``grade gradescope``: the Gradescope autograder zip of ``assignment``
    (:mod:`grader.course.gradescope`)."""
    cwd = cwd or Path.cwd()
    out = out if out.is_absolute() else cwd / out
    loaded = load_assignment(locate_course(course, cwd).find(assignment))
    return write_autograder(loaded, out)


def translate(assignment: str | None = None, lang: str = "zh_CN", cwd: Path | None = None,
              course: Path | None = None) -> list[CatalogueOutcome]:
    """``grade translate``: bring each assignment's ``locale/<lang>.po`` in step with its
    checks (:mod:`grader.course.translations`)."""
    return [update_catalogue(a, parse_lang(lang))
            for a in _assignments(assignment, cwd or Path.cwd(), course)]


def batch(
    submissions: Path,
    assignment: str,
    out: Path,
    cwd: Path | None = None,
    workers: int | None = None,
    regrade: bool = False,
    sandbox: str = "auto",
    dask: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    salt: int | None = None,
    flagged: str = "keep",
    course: Path | None = None,
    id_pattern: str | None = None,
    lang: str = "en",
) -> BatchReport:
    """Grade every submission in ``submissions`` with public and hidden checks into ``out``
    (``grade batch``); see :mod:`grader.batch.run`. ``salt`` replays a graded run's
    secret inputs (kept in its gradebook); by default a new one is drawn. ``id_pattern``
    (``--id-pattern``) takes each entry's id from its name instead of the naming rules of
    :mod:`grader.intake.batch_inputs`. ``lang`` is the language of each student's
    report.html (the records and the class summary stay English)."""
    cwd = cwd or Path.cwd()
    root = locate_course(course, cwd).find(assignment)
    pattern = compile_id_pattern(id_pattern) if id_pattern is not None else None
    if not submissions.is_absolute():
        submissions = cwd / submissions
    if not submissions.is_dir():
        raise UsageError(f"{submissions} is not a folder of submissions")
    out = out if out.is_absolute() else cwd / out
    if workers is not None and workers < 1:
        raise UsageError("--workers must be at least 1")
    if flagged not in ("keep", "zero"):
        raise UsageError(f"--flagged must be keep or zero, got {flagged!r}")
    if salt is not None and not 0 <= salt < 2**SALT_BITS:
        raise UsageError(f"--salt must be a whole number from 0 to 2**{SALT_BITS} - 1")
    level = choose_level(sandbox) if dask is None else "basic"  # Dask workers choose their own
    loaded = load_assignment(root)
    request = BatchRequest(submissions, loaded, out, level,
                           workers or os.cpu_count() or 1, regrade, sandbox, dask, salt,
                           flagged, pattern, translator_for([loaded], lang))
    return run_batch(request, on_progress)


@dataclass(frozen=True)
class MutateOutcome:
    """``grade mutate``: the report and where it was written."""

    report: MutationReport
    mutation_json: Path
    mutation_html: Path


def mutate(
    assignment: str,
    out: Path | None = None,
    cwd: Path | None = None,
    workers: int | None = None,
    sandbox: str = "auto",
    limit: int | None = None,
    seed: int = 0,
    course: Path | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> MutateOutcome:
    """Grade the one-change mutants of ``assignment``'s solution with its checks and write
    ``mutation.json`` and ``mutation.html`` into ``out`` (default ``mutation/<assignment>``);
    see :mod:`grader.batch.mutate`. ``limit`` grades that many, drawn with ``seed``."""
    cwd = cwd or Path.cwd()
    loaded = load_assignment(locate_course(course, cwd).find(assignment))
    out = out or Path("mutation") / loaded.name
    out = out if out.is_absolute() else cwd / out
    if workers is not None and workers < 1:
        raise UsageError("--workers must be at least 1")
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    request = MutateRequest(loaded, out, choose_level(sandbox), sandbox,
                            workers or os.cpu_count() or 1, limit, seed)
    report = run_mutation(request, on_progress)
    json_path, html_path = write_mutation_report(report, out)
    return MutateOutcome(report, json_path, html_path)


__all__ = ["AssignmentError", "Autograder", "BuildOutcome", "CheckOutcome", "CiOutcome",
           "MutateOutcome", "ReleaseOutcome",
           "Target", "batch", "build", "check", "ci", "gradescope", "mutate", "release",
           "resolve_targets"]
