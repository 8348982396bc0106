"""The class view of ``grade batch``: one self-contained ``summary.html`` for the instructor.

The page answers "how did the class do, and where does it struggle" from the results alone:
a score histogram, pass rates per exercise and per check (hardest first), the most frequent
failure messages, the submissions that errored or timed out, the slowest, and a sortable
table of every student. It needs no network: CSS, SVG charts and the few lines of sorting
JavaScript are inline, and no student text is ever placed inside the script.

Student-controlled text (ids, messages, exception text) reaches the page only through Jinja's
autoescaping, charts included: this module computes layout numbers and groups results into
small dataclasses, and the template draws the SVG, so nothing here is ever marked safe.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from grader.reports import first_line, format_points
from grader.reports.html import template_environment
from grader.results import CheckResult, SubmissionResult, write_atomic

__all__ = ["SummaryRow", "render_summary_page", "report_href", "write_summary_page"]

TEMPLATE = "summary.html.j2"
HISTOGRAM_BINS = 10
TOP_MESSAGES = 10
EXAMPLES_PER_MESSAGE = 3
SLOWEST = 10
LABEL_CHARS = 44

_HIST_W, _HIST_H, _HIST_TOP, _HIST_BOTTOM = 860, 200, 18, 24
_RATE_LABEL_W, _RATE_BAR_W, _RATE_ROW_H = 330, 430, 22


@dataclass(frozen=True)
class SummaryRow:
    """One submission on the class page: its result and the relative URL of its report.

    ``report_href`` is a URL, not a file path: build it with :func:`report_href` so that an
    id with spaces or ``#`` still links to its folder.
    """

    result: SubmissionResult
    report_href: str


def report_href(submission: str, page: str = "report.html") -> str:
    """The relative link from ``DIR/summary.html`` to ``DIR/<submission>/<page>``."""
    return f"{quote(submission, safe='')}/{quote(page)}"


def render_summary_page(assignment_title: str, rows: Sequence[SummaryRow]) -> str:
    """The class view of ``rows`` as one HTML document.

    Raises ValueError when a row's report link is not relative: the page is meant to be
    moved around with the folder of reports it sits in.
    """
    for row in rows:
        _check_relative(row.report_href)
    ordered = sorted(rows, key=lambda r: (r.result.submission.casefold(), r.result.submission))
    most = max((r.result.max_score for r in rows), default=0.0)
    return template_environment().get_template(TEMPLATE).render(
        title=assignment_title,
        headline=_headline(rows, most),
        histogram=_histogram([r.result.score for r in rows], most),
        exercises=_exercise_rates(rows),
        checks=_check_rates(rows),
        failures=_failures(ordered),
        problems=_problems(ordered),
        flagged=[r for r in ordered if r.result.integrity],
        slowest=sorted(ordered, key=lambda r: -r.result.duration_s)[:SLOWEST],
        students=[_student(r) for r in ordered],
    )


def write_summary_page(assignment_title: str, rows: Sequence[SummaryRow], path: Path) -> None:
    """Render the class view and write it to ``path`` atomically, creating parent folders."""
    write_atomic(path, render_summary_page(assignment_title, rows))


@dataclass(frozen=True)
class Headline:
    count: int
    graded: int
    errors: int
    timeouts: int
    full_marks: int
    max_score: float
    mean: float | None
    median: float | None


@dataclass(frozen=True)
class HistogramBin:
    label: str  # "7.5–10"
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    bins: list[HistogramBin]
    width: int = _HIST_W
    height: int = _HIST_H
    baseline: int = _HIST_H - _HIST_BOTTOM


@dataclass(frozen=True)
class RateBar:
    label: str  # possibly shortened to fit; ``name`` is whole
    name: str
    note: str  # "hidden", devices, mean points: for the tooltip and the text description
    passed: int
    counted: int
    percent: float
    tone: str  # "full", "part" or "none"
    y: int
    width: float


@dataclass(frozen=True)
class RateChart:
    bars: list[RateBar]
    width: int = _RATE_LABEL_W + _RATE_BAR_W + 70
    label_w: int = _RATE_LABEL_W
    bar_w: int = _RATE_BAR_W
    row_h: int = _RATE_ROW_H

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * self.row_h


@dataclass(frozen=True)
class Example:
    submission: str
    href: str


@dataclass(frozen=True)
class FailureMessage:
    text: str
    students: int
    checks: list[str]
    examples: list[Example]


@dataclass(frozen=True)
class Problem:
    row: SummaryRow
    kind: str  # "error" or "timeout"
    message: str


@dataclass(frozen=True)
class StudentLine:
    row: SummaryRow
    status: str  # "graded", "error", or "graded, timeout"
    timed_out: bool


def _check_relative(href: str) -> None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("/"):
        raise ValueError(f"report link {href!r} is not a relative link")


def _timed_out(result: SubmissionResult) -> list[CheckResult]:
    return [c for c in result.checks if c.status == "timeout"]


def _headline(rows: Sequence[SummaryRow], most: float) -> Headline:
    scores = [r.result.score for r in rows]
    return Headline(
        count=len(rows),
        graded=sum(r.result.status == "graded" for r in rows),
        errors=sum(r.result.status == "error" for r in rows),
        timeouts=sum(bool(_timed_out(r.result)) for r in rows),
        full_marks=sum(most > 0 and r.result.score >= most for r in rows),
        max_score=most,
        mean=statistics.fmean(scores) if scores else None,
        median=statistics.median(scores) if scores else None,
    )


def _histogram(scores: Iterable[float], most: float) -> Histogram:
    """Ten equal bins over 0..max; the last one includes the maximum itself."""
    span = most if most > 0 else 1.0
    counts = [0] * HISTOGRAM_BINS
    for score in scores:
        ratio = score / span if math.isfinite(score) else 0.0
        index = math.floor(ratio * HISTOGRAM_BINS + 1e-9)
        counts[max(0, min(HISTOGRAM_BINS - 1, index))] += 1
    tallest = max(counts) or 1
    inner_h = _HIST_H - _HIST_TOP - _HIST_BOTTOM
    slot = _HIST_W / HISTOGRAM_BINS
    bins = []
    for i, count in enumerate(counts):
        height = inner_h * count / tallest
        low, high = span * i / HISTOGRAM_BINS, span * (i + 1) / HISTOGRAM_BINS
        bins.append(HistogramBin(
            label=f"{format_points(low)}–{format_points(high)}",
            count=count,
            x=round(i * slot + 3, 1),
            y=round(_HIST_H - _HIST_BOTTOM - height, 1),
            width=round(slot - 6, 1),
            height=round(height, 1),
        ))
    return Histogram(bins)


def _tone(fraction: float) -> str:
    return "full" if fraction >= 0.8 else "part" if fraction >= 0.5 else "none"


def _shorten(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _chart(entries: list[tuple[str, str, int, int]]) -> RateChart:
    bars = []
    for n, (name, note, passed, counted) in enumerate(entries):
        fraction = passed / counted if counted else 0.0
        bars.append(RateBar(
            label=_shorten(name), name=name, note=note, passed=passed, counted=counted,
            percent=100.0 * fraction, tone=_tone(fraction), y=n * _RATE_ROW_H,
            width=round(_RATE_BAR_W * fraction, 1),
        ))
    return RateChart(bars)


def _counted(checks: Iterable[CheckResult]) -> list[CheckResult]:
    return [c for c in checks if c.status != "skipped"]


def _exercise_order(rows: Sequence[SummaryRow]) -> list[str]:
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r.result.exercises))
    for r in rows:
        names.update(dict.fromkeys(c.exercise for c in r.result.checks))
    return list(names)


def _exercise_rates(rows: Sequence[SummaryRow]) -> RateChart:
    """A student passes an exercise when every check entry of it that ran passed; one whose
    checks of it were all skipped (or who has none: a submission that did not load) is not
    counted."""
    entries = []
    for name in _exercise_order(rows):
        passed = counted = 0
        got = most = 0.0
        for r in rows:
            ran = _counted(c for c in r.result.checks if c.exercise == name)
            if not ran:
                continue
            counted += 1
            passed += all(c.status == "passed" for c in ran)
            got += sum(c.score for c in ran)
            most += sum(c.max_score for c in ran)
        if counted:
            note = f"mean {format_points(got / counted)} / {format_points(most / counted)} points"
            entries.append((name, note, passed, counted))
    return _chart(entries)


def _check_rates(rows: Sequence[SummaryRow]) -> RateChart:
    """A check passes for a student when all its entries that ran (one per device) passed;
    the hardest check (lowest pass rate) comes first, ties in the assignment's order."""
    tally: dict[str, tuple[int, int, set[str], bool]] = {}
    for r in rows:
        by_id: dict[str, list[CheckResult]] = {}
        for c in r.result.checks:
            by_id.setdefault(c.id, []).append(c)
        for check_id, runs in by_id.items():
            passed, counted, devices, hidden = tally.get(check_id, (0, 0, set(), False))
            ran = _counted(runs)
            devices.update(c.device for c in ran)
            hidden = hidden or any(c.hidden for c in runs)
            if ran:
                counted += 1
                passed += all(c.status == "passed" for c in ran)
            tally[check_id] = (passed, counted, devices, hidden)
    order = sorted(
        (item for item in tally.items() if item[1][1] > 0),
        key=lambda item: item[1][0] / item[1][1],
    )
    entries = []
    for check_id, (passed, counted, devices, hidden) in order:
        note = ", ".join([*(["hidden"] if hidden else []), *sorted(devices)])
        entries.append((check_id, note, passed, counted))
    return _chart(entries)



def _failures(rows: Sequence[SummaryRow]) -> list[FailureMessage]:
    """Messages of checks that did not pass, by first line; counted once per student."""
    seen: dict[str, tuple[dict[str, None], dict[str, SummaryRow]]] = {}
    for r in rows:
        for c in r.result.checks:
            if c.status in ("passed", "skipped"):
                continue
            text = first_line(c.message) or f"({c.status}, no message)"
            checks, students = seen.setdefault(text, ({}, {}))
            checks[c.id] = None
            students.setdefault(r.result.submission, r)
    ranked = sorted(seen.items(), key=lambda item: -len(item[1][1]))[:TOP_MESSAGES]
    return [
        FailureMessage(
            text=text,
            students=len(students),
            checks=list(checks),
            examples=[Example(row.result.submission, row.report_href)
                      for row in list(students.values())[:EXAMPLES_PER_MESSAGE]],
        )
        for text, (checks, students) in ranked
    ]


def _problems(rows: Sequence[SummaryRow]) -> list[Problem]:
    problems = []
    for r in rows:
        if r.result.status == "error":
            problems.append(Problem(r, "error", r.result.error or "no error message recorded"))
        late = _timed_out(r.result)
        if late:
            first = late[0]
            more = f" (and {len(late) - 1} more)" if len(late) > 1 else ""
            detail = first_line(first.message)
            message = f"{first.id} [{first.device}]{more}" + (f": {detail}" if detail else "")
            problems.append(Problem(r, "timeout", message))
    return problems


def _student(row: SummaryRow) -> StudentLine:
    timed_out = bool(_timed_out(row.result))
    status = row.result.status + (", timeout" if timed_out else "") + (
        ", review" if row.result.integrity else "")
    return StudentLine(row, status, timed_out)
