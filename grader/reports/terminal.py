"""The terminal summary of ``grade check``: what a student reads to know what to fix next."""

from __future__ import annotations

from pathlib import Path

import click

from grader.reports import for_students
from grader.reports import format_points as points
from grader.results import CheckResult, SubmissionResult
from grader.sandbox.jail import BASIC_WARNING

MARKS = {"passed": "✓", "failed": "✗", "error": "✗", "timeout": "⧗", "skipped": "·"}
COLORS = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow",
          "skipped": "bright_black"}


def render_line(result: SubmissionResult, report: Path | None, color: bool) -> str:
    """One assignment in one line: its status, total and report (``grade check`` over
    several assignments)."""
    result = for_students(result)
    if result.status == "error":
        status, mark = "error", MARKS["error"]
    else:
        status = "passed" if result.passed else "failed"
        mark = MARKS[status]
    text = f"{mark} {result.assignment} — {points(result.score)} / {points(result.max_score)}"
    if result.status == "error":
        text += f"  could not grade: {result.error}"
    else:
        bad = [c for c in result.checks if c.status in ("failed", "error", "timeout")]
        if bad:
            text += f"  {len({c.id for c in bad})} checks failed"
    if report:
        text += f"   {report}"
    return click.style(text, fg=COLORS[status]) if color else text


def render_summary(result: SubmissionResult, report: Path | None, color: bool,
                   wall_s: float | None = None) -> str:
    """What a student reads in the terminal (hidden checks as
    :func:`grader.reports.for_students` has them); the time is ``wall_s`` (the command's)
    where given, else the submission's grading time."""
    result = for_students(result)

    def style(text: str, status: str, bold: bool = False) -> str:
        return click.style(text, fg=COLORS[status], bold=bold) if color else text

    lines = []
    if result.hidden_checks_not_run:
        scope = (f" on public checks ({result.hidden_checks_not_run} more hidden checks run "
                 "when graded)")
    else:
        scope = ""
    head = f"{result.assignment} — {points(result.score)} / {points(result.max_score)}{scope}"
    lines.append(click.style(head, bold=True) if color else head)
    if result.status == "error":
        lines.append(style(f"  ✗ could not grade: {result.error}", "error"))
    for note in result.notes:
        first, *rest = note.splitlines()
        lines.append(style(f"  ! {first}", "timeout"))
        lines.extend(f"    {line.strip()}" for line in rest)
    width = max((len(e) for e in result.exercises), default=10)
    skipped: dict[str, str] = {}
    for exercise, (got, most) in result.exercise_scores().items():
        checks = [c for c in result.checks if c.exercise == exercise]
        bad = [c for c in checks if c.status in ("failed", "error", "timeout")]
        status = "failed" if bad else "passed"
        lines.append(style(f"  {MARKS[status]} {exercise:<{width}}  "
                           f"{points(got)} / {points(most)}", status))
        if result.status == "error":
            continue
        shown: set[str] = set()
        for c in bad:
            lines.extend(_check_lines(c, style, shown))
        for c in checks:
            if c.status == "skipped":
                skipped.setdefault(c.device, c.message)
    for device, why in skipped.items():
        lines.append(style(f"  · {device} checks skipped: {why}", "skipped"))
    if result.environment is not None and result.environment.sandbox == "basic":
        lines.append(style(f"  · {BASIC_WARNING}", "skipped"))
        missing = result.environment.missing_guarantees
        if missing:
            lines.append(style(f"  · on {result.environment.host}, also: {'; '.join(missing)}",
                               "skipped"))
    tail = f"Report: {report}   " if report else ""
    lines.append(f"{tail}({wall_s if wall_s is not None else result.duration_s:.1f} s)")
    return "\n".join(lines)


def _check_lines(c: CheckResult, style: object, shown: set[str]) -> list[str]:
    """A failed check's lines; a hint already printed for this exercise says so instead of
    being repeated (one mistake often fails several checks with the same hint)."""
    assert callable(style)
    first, *rest = (c.message or c.status).splitlines() or [c.status]
    label = c.title or c.id
    out = [f"      {style(MARKS[c.status], c.status)} {label} [{c.device}]  {first}"]
    for line in (line.strip() for line in rest):
        if line.startswith("Hint: ") and line in shown:
            line = "Hint: as above"
        elif line.startswith("Hint: "):
            shown.add(line)
        out.append(f"        {line}")
    return out
