"""The Markdown summary of ``grade ci``: what a pull request's job summary shows.

It leads with one line per assignment (points and status), then per assignment a table of
exercises and the failing checks: the first line of each message with its hints, a message
shared by several checks written once with all of their names (one mistake often fails
several checks alike). GitHub renders job summaries as GitHub-flavoured Markdown with
HTML allowed, so everything that comes from a submission is escaped: ``|`` would split a
table cell, a newline would end the row, backticks and ``<`` could start code or markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from grader.reports import first_line, for_students, format_points
from grader.results import CheckResult, SubmissionResult, write_atomic

MAX_FAILURES = 20
_STATUS = {"passed": "✅ passed", "failed": "❌ failed", "skipped": "⏭️ skipped"}
NOT_STARTED = "⏸️ not started (the stub is untouched; not graded)"


def _cell(text: str) -> str:
    """Text safe inside a table cell or a list item: one line, no markup."""
    flat = " ".join(text.split())
    return html.escape(flat, quote=False).replace("|", "\\|").replace("`", "&#96;") \
        .replace("*", "\\*").replace("_", "\\_").replace("[", "\\[")



def summary_markdown(results: Sequence[SubmissionResult],
                     not_started: Sequence[str] = ()) -> str:
    """The summary of ``results`` (one per assignment checked), as students may read them
    (:func:`grader.reports.for_students`); ``not_started`` names the assignments left out
    because their file is the untouched stub."""
    results = [for_students(r) for r in results]
    out: list[str] = []
    total = sum(r.score for r in results)
    most = sum(r.max_score for r in results)
    passed = all(r.passed for r in results)
    if results:
        out.append(f"## grade: {format_points(total)} / {format_points(most)} "
                   f"{'✅' if passed else '❌'}")
    else:
        out.append("## grade: no assignment started yet ✅")
    out.append("")
    out.append("| Assignment | Points | Status |")
    out.append("|---|---:|---|")
    for result in results:
        out.append(f"| {_cell(result.assignment)} | {format_points(result.score)} / "
                   f"{format_points(result.max_score)} | {_assignment_status(result)} |")
    for name in not_started:
        out.append(f"| {_cell(name)} | – | {NOT_STARTED} |")
    out.append("")
    for result in results:
        title = f" — {_cell(result.title)}" if result.title and result.title != result.assignment \
            else ""
        out.append(f"### {_cell(result.assignment)}{title}: {format_points(result.score)} / "
                   f"{format_points(result.max_score)}")
        out.append("")
        if result.status == "error":
            out.append(f"**Could not be graded:** {_cell(result.error or '')}")
            out.append("")
        for note in result.notes:
            out.append(f"> {_cell(note)}")
            out.append("")
        out.append("| Exercise | Points | Status |")
        out.append("|---|---:|---|")
        for exercise, (got, best) in result.exercise_scores().items():
            ran = [c for c in result.checks if c.exercise == exercise and c.status != "skipped"]
            bad = [c for c in ran if c.status in NOT_PASSED]
            if bad:
                status = f"❌ {len(bad)} of {len(ran)} checks failed"
            elif not ran:
                status = _STATUS["skipped"]
            else:
                status = _STATUS["passed"]
            out.append(f"| {_cell(exercise)} | {format_points(got)} / {format_points(best)} "
                       f"| {status} |")
        out.append("")
        failing = [c for c in result.checks if c.status in NOT_PASSED]
        if failing and result.status != "error":
            out.append("Failing checks:")
            out.append("")
            groups = _alike(failing)
            for (text, hints), checks in groups[:MAX_FAILURES]:
                names = ", ".join(f"**{_cell(c.title or c.id)}** ({_cell(c.id)}, {c.device}, "
                                  f"{c.status})" for c in checks)
                hint = "".join(f" — {_cell(h)}" for h in hints)
                out.append(f"- {names}: {_cell(text)}{hint}")
            if len(groups) > MAX_FAILURES:
                out.append(f"- … and {len(groups) - MAX_FAILURES} more in the HTML report")
            out.append("")
    return "\n".join(out)


NOT_PASSED = ("failed", "error", "timeout")


def _assignment_status(result: SubmissionResult) -> str:
    if result.status == "error":
        return "❌ could not be graded"
    ran = [c for c in result.checks if c.status != "skipped"]
    bad = [c for c in ran if c.status in NOT_PASSED]
    if bad:
        return f"❌ {len(bad)} of {len(ran)} checks failed"
    return _STATUS["passed"] if ran else _STATUS["skipped"]


def _alike(checks: Sequence[CheckResult]) -> list[tuple[tuple[str, tuple[str, ...]],
                                                         list[CheckResult]]]:
    """Failing checks grouped by what they say (the message's first line and its hints),
    in the order each message first appears."""
    groups: dict[tuple[str, tuple[str, ...]], list[CheckResult]] = {}
    for c in checks:
        lines = [line.strip() for line in (c.message or c.status).splitlines()]
        hints = tuple(line for line in lines[1:] if line.startswith("Hint: "))
        groups.setdefault((first_line(c.message) or c.status, hints), []).append(c)
    return list(groups.items())


def write_summary(results: Sequence[SubmissionResult], path: Path,
                  not_started: Sequence[str] = ()) -> str:
    text = summary_markdown(results, not_started)
    write_atomic(path, text)
    return text
