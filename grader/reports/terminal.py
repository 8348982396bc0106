"""The terminal summary of ``grade check``: what a student reads to know what to fix next.

Both renderers take a :class:`~grader.i18n.Translator` ``tr`` (English by default): the
grader's words are written ``tr("...")``, and the result is shown as
:func:`grader.reports.localize` has it in ``tr``'s language."""

from __future__ import annotations

from pathlib import Path

import click

from grader.i18n import ENGLISH, N_, Translator
from grader.reports import for_students, localize
from grader.reports import format_points as points
from grader.results import CheckResult, SubmissionResult
from grader.sandbox.jail import BASIC_WARNING

MARKS = {"passed": "✓", "failed": "✗", "error": "✗", "timeout": "⧗", "skipped": "·"}
COLORS = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow",
          "skipped": "bright_black"}
STATUS_WORDS = {"passed": N_("passed"), "failed": N_("failed"), "error": N_("error"),
                "timeout": N_("timeout"), "skipped": N_("skipped")}
"""A check's status as a word, where a check has no message to show instead."""
HINT = "Hint: "
"""How a hint line of an (English) message starts: see :func:`_check_lines`."""


def render_line(result: SubmissionResult, report: Path | None, color: bool,
                tr: Translator = ENGLISH) -> str:
    """One assignment in one line: its status, total and report (``grade check`` over
    several assignments), in ``tr``'s language."""
    result = localize(for_students(result), tr)
    if result.status == "error":
        status, mark = "error", MARKS["error"]
    else:
        status = "passed" if result.passed else "failed"
        mark = MARKS[status]
    text = f"{mark} {result.assignment} — {points(result.score)} / {points(result.max_score)}"
    if result.status == "error":
        text += "  " + tr("could not grade: {error}", error=result.error)
    else:
        bad = [c for c in result.checks if c.status in ("failed", "error", "timeout")]
        if bad:
            text += "  " + tr("{n} checks failed", n=len({c.id for c in bad}))
    if report:
        text += f"   {report}"
    return click.style(text, fg=COLORS[status]) if color else text


def render_summary(result: SubmissionResult, report: Path | None, color: bool,
                   wall_s: float | None = None, tr: Translator = ENGLISH) -> str:
    """What a student reads in the terminal (hidden checks as
    :func:`grader.reports.for_students` has them), in ``tr``'s language; the time is
    ``wall_s`` (the command's) where given, else the submission's grading time."""
    english = for_students(result)
    result = localize(english, tr)

    def style(text: str, status: str, bold: bool = False) -> str:
        return click.style(text, fg=COLORS[status], bold=bold) if color else text

    lines = []
    if result.hidden_checks_not_run:
        scope = " " + tr("on public checks ({n} more hidden checks run when graded)",
                         n=result.hidden_checks_not_run)
    else:
        scope = ""
    head = f"{result.assignment} — {points(result.score)} / {points(result.max_score)}{scope}"
    lines.append(click.style(head, bold=True) if color else head)
    if result.status == "error":
        lines.append(style("  ✗ " + tr("could not grade: {error}", error=result.error),
                           "error"))
    for note in result.notes:
        first, *rest = note.splitlines()
        lines.append(style(f"  ! {first}", "timeout"))
        lines.extend(f"    {line.strip()}" for line in rest)
    width = max((len(e) for e in result.exercises), default=10)
    skipped: dict[str, str] = {}
    for exercise, (got, most) in result.exercise_scores().items():
        # the English checks: their hints are told apart before they are translated
        checks = [c for c in english.checks if c.exercise == exercise]
        bad = [c for c in checks if c.status in ("failed", "error", "timeout")]
        status = "failed" if bad else "passed"
        lines.append(style(f"  {MARKS[status]} {exercise:<{width}}  "
                           f"{points(got)} / {points(most)}", status))
        if result.status == "error":
            continue
        shown: set[str] = set()
        for c in bad:
            lines.extend(_check_lines(c, style, shown, tr))
        for c in checks:
            if c.status == "skipped":
                skipped.setdefault(c.device, tr.text(c.message))
    for device, why in skipped.items():
        lines.append(style("  · " + tr("{device} checks skipped: {reason}", device=device,
                                       reason=why), "skipped"))
    if result.environment is not None and result.environment.sandbox == "basic":
        lines.append(style(f"  · {tr.text(BASIC_WARNING)}", "skipped"))
        missing = result.environment.missing_guarantees
        if missing:
            also = tr("; ").join(tr.text(m) for m in missing)
            lines.append(style("  · " + tr("on {host}, also: {missing}",
                                           host=result.environment.host, missing=also),
                               "skipped"))
    tail = tr("Report: {path}", path=report) + "   " if report else ""
    seconds = wall_s if wall_s is not None else result.duration_s
    lines.append(tail + tr("({seconds} s)", seconds=format(seconds, ".1f")))
    return "\n".join(lines)


def _check_lines(c: CheckResult, style: object, shown: set[str],
                 tr: Translator = ENGLISH) -> list[str]:
    """A failed check's lines in ``tr``'s language; a hint already printed for this exercise
    says so instead of being repeated (one mistake often fails several checks with the same
    hint). ``c`` is the English check: its hint lines are found by their English start
    (``Hint: ``), then each line is translated."""
    assert callable(style)
    status = tr.text(STATUS_WORDS.get(c.status, c.status))
    first, *rest = c.message.splitlines() if c.message else [status]
    label = tr.text(c.title) or c.id
    out = [f"      {style(MARKS[c.status], c.status)} {label} [{c.device}]  "
           f"{tr.text(first) if c.message else first}"]
    for line in (line.strip() for line in rest):
        if line.startswith(HINT) and line in shown:
            line = tr("Hint: as above")
        elif line.startswith(HINT):
            shown.add(line)
            line = tr.text(line)
        else:
            line = tr.text(line)
        out.append(f"        {line}")
    return out
