"""The student's HTML report: one self-contained page per :class:`SubmissionResult`.

The page needs no network and no JavaScript: CSS is inline, bars are ``<div>``\\ s and loss
curves are inline SVG. Everything in it that a student controls (submission id, messages,
captured output, tensor cells) reaches the page only through Jinja's autoescaping; this
module computes layout numbers and groups checks, and never marks text safe.

The page is written in a :class:`~grader.i18n.Translator`'s language (English by default):
the template writes the grader's words as ``_("...", name=value)``. As with Jinja's own
i18n extension, a message's text (the grader's source or its catalogue) is markup and the
values filled into it are escaped.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from grader.i18n import ENGLISH, Translator
from grader.reports import for_students, format_points, localize
from grader.results import CheckResult, SubmissionResult, TensorDiff, write_atomic

__all__ = ["render_report", "template_environment", "write_report"]

TEMPLATE = "report.html.j2"
SERIES_COLOURS = ("#2563eb", "#9ca3af", "#d97706", "#059669", "#7c3aed")
_PLOT_W, _PLOT_H, _PLOT_PAD = 360, 150, 6


def render_report(result: SubmissionResult, tr: Translator = ENGLISH) -> str:
    """The report for ``result`` as one HTML document: a function of ``result.json`` alone.
    Where the result holds the student's notebook as it ran (``grade check
    --run-notebook``), it follows the checks. A result graded with hidden checks is shown as
    :func:`grader.reports.for_students` has it.

    A result graded with hidden checks shows none of the program's captured output: the
    hidden scenarios ran in the same process, and a submission that prints its arguments
    would otherwise read their inputs in its report (``result.json`` keeps the output for
    the instructor).

    The page is in ``tr``'s language, with the result as :func:`grader.reports.localize`
    has it."""
    result = localize(for_students(result), tr)
    exercises = _exercises(result)
    notebook = result.notebook
    if notebook is not None and notebook.problem:
        notebook = replace(notebook, problem=tr.text(notebook.problem))
    return _environment().get_template(TEMPLATE).render(
        _=_gettext(tr),
        lang=tr.lang,
        result=result,
        missing_guarantees=[tr.text(m) for m in result.environment.missing_guarantees]
        if result.environment is not None else [],
        hides_output=any(c.hidden for c in result.checks),
        notebook=notebook,
        heading=result.title or result.assignment,
        exercises=exercises,
        checks_passed=sum(c.status == "passed" for c in result.checks),
        checks_counted=sum(c.status != "skipped" for c in result.checks),
    )


def write_report(result: SubmissionResult, path: Path, tr: Translator = ENGLISH) -> None:
    """Render ``result`` in ``tr``'s language and write it to ``path`` atomically, creating
    parent folders."""
    write_atomic(path, render_report(result, tr))


def _gettext(tr: Translator) -> Callable[..., Markup]:
    """The template's ``_``: ``msgid`` translated by ``tr`` and filled with ``values``, each
    escaped (they may be a student's text); the message itself is the grader's markup."""

    def gettext(msgid: str, **values: object) -> Markup:
        return Markup(tr(msgid, **{k: escape(v) for k, v in values.items()}))  # noqa: S704

    return gettext


def template_environment() -> Environment:
    """The Jinja environment every HTML page of grade renders with, so that all pages share
    one escaping policy (autoescape on, undefined names an error) and the same filters
    (``points``, ``duration``, ``thousands``)."""
    return _environment()


def format_duration(seconds: float) -> str:
    """A duration a person reads at a glance: 35 ms, 1.24 s, 2 min 5 s."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


@dataclass(frozen=True)
class Cell:
    text: str
    bad: bool


@dataclass(frozen=True)
class DiffView:
    path: str
    expected: list[list[Cell]]
    got: list[list[Cell]]
    truncated: bool
    mismatched: int


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    points: str  # "x,y x,y ...", numbers only
    last: str


@dataclass(frozen=True)
class Plot:
    lines: list[Line]
    y_min: str
    y_max: str
    steps: int
    width: int = _PLOT_W
    height: int = _PLOT_H


@dataclass(frozen=True)
class CheckView:
    check: CheckResult
    diff: DiffView | None
    plot: Plot | None


@dataclass(frozen=True)
class SkippedGroup:
    device: str
    count: int
    message: str


@dataclass(frozen=True)
class ExerciseView:
    anchor: str
    name: str
    score: float
    max_score: float
    percent: float
    tone: str  # "full", "part" or "none": the colour of its bar
    checks: list[CheckView]
    skipped: list[SkippedGroup]


@functools.cache
def _environment() -> Environment:
    """One environment per process: it caches the compiled templates, which a batch would
    otherwise compile again for every student."""
    env = Environment(
        loader=PackageLoader("grader.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["points"] = format_points
    env.filters["duration"] = format_duration
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def _exercises(result: SubmissionResult) -> list[ExerciseView]:
    views = []
    for index, (name, (score, most)) in enumerate(result.exercise_scores().items(), start=1):
        checks = [c for c in result.checks if c.exercise == name]
        percent = 100.0 * score / most if most > 0 else 0.0
        tone = "full" if most > 0 and score >= most else "part" if score > 0 else "none"
        shown = [c for c in checks if not _grouped_skip(c)]
        views.append(ExerciseView(
            anchor=f"ex-{index}",
            name=name,
            score=score,
            max_score=most,
            percent=max(0.0, min(100.0, percent)),
            tone=tone,
            checks=[CheckView(c, _diff_view(c.diff), _plot(c.series)) for c in shown],
            skipped=_skipped_groups([c for c in checks if _grouped_skip(c)]),
        ))
    return views


def _grouped_skip(check: CheckResult) -> bool:
    """A check skipped for want of a device says nothing about the student: one line for all."""
    return check.status == "skipped" and check.device != "cpu" and check.max_score == 0


def _skipped_groups(checks: Sequence[CheckResult]) -> list[SkippedGroup]:
    groups: dict[tuple[str, str], int] = {}
    for c in checks:
        device = c.device.split(":", 1)[0]
        groups[(device, c.message)] = groups.get((device, c.message), 0) + 1
    return [SkippedGroup(device, count, message)
            for (device, message), count in groups.items()]


def _diff_view(diff: TensorDiff | None) -> DiffView | None:
    if diff is None:
        return None
    bad = {(int(r), int(c)) for r, c, *_ in diff.mismatched}

    def grid(rows: list[list[str]]) -> list[list[Cell]]:
        return [[Cell(text, (r, c) in bad) for c, text in enumerate(row)]
                for r, row in enumerate(rows)]

    return DiffView(diff.path, grid(diff.expected), grid(diff.got), diff.truncated, len(bad))


def _plot(series: dict[str, list[float]] | None) -> Plot | None:
    """Polylines for each named series on shared axes, or None if there is nothing to draw."""
    if not series:
        return None
    finite = [v for values in series.values() for v in values if math.isfinite(v)]
    steps = max(len(values) for values in series.values())
    if not finite or steps < 2:
        return None
    low, high = min(finite), max(finite)
    span = high - low or 1.0
    inner_w, inner_h = _PLOT_W - 2 * _PLOT_PAD, _PLOT_H - 2 * _PLOT_PAD

    def xy(i: int, v: float) -> str:
        x = _PLOT_PAD + inner_w * i / (steps - 1)
        y = _PLOT_PAD + inner_h * (1 - (v - low) / span)
        return f"{x:.1f},{y:.1f}"

    lines = []
    for n, (name, values) in enumerate(series.items()):
        points = " ".join(xy(i, v) for i, v in enumerate(values) if math.isfinite(v))
        last = next((v for v in reversed(values) if math.isfinite(v)), math.nan)
        lines.append(Line(name, SERIES_COLOURS[n % len(SERIES_COLOURS)], points, f"{last:.4g}"))
    return Plot(lines, f"{low:.4g}", f"{high:.4g}", steps)
