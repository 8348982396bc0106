"""The Markdown summary of ``grade ci``: what a pull request's job summary shows.

Per assignment, a table of exercises (points and status), then the failing checks with the
first line of their message. GitHub renders job summaries as GitHub-flavoured Markdown with
HTML allowed, so everything that comes from a submission is escaped: ``|`` would split a
table cell, a newline would end the row, backticks and ``<`` could start code or markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from grader.reports import first_line, for_students, format_points
from grader.results import SubmissionResult, write_atomic

MAX_FAILURES = 20
_STATUS = {"passed": "✅ passed", "failed": "❌ failed", "skipped": "⏭️ skipped"}


def _cell(text: str) -> str:
    """Text safe inside a table cell or a list item: one line, no markup."""
    flat = " ".join(text.split())
    return html.escape(flat, quote=False).replace("|", "\\|").replace("`", "&#96;") \
        .replace("*", "\\*").replace("_", "\\_").replace("[", "\\[")



def summary_markdown(results: Sequence[SubmissionResult]) -> str:
    """The summary of ``results`` (one per assignment checked), as students may read them
    (:func:`grader.reports.for_students`)."""
    results = [for_students(r) for r in results]
    out: list[str] = []
    total = sum(r.score for r in results)
    most = sum(r.max_score for r in results)
    passed = all(r.passed for r in results)
    out.append(f"## grade: {format_points(total)} / {format_points(most)} "
               f"{'✅' if passed else '❌'}")
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
            bad = [c for c in ran if c.status in ("failed", "error", "timeout")]
            if bad:
                status = f"❌ {len(bad)} of {len(ran)} checks failed"
            elif not ran:
                status = _STATUS["skipped"]
            else:
                status = _STATUS["passed"]
            out.append(f"| {_cell(exercise)} | {format_points(got)} / {format_points(best)} "
                       f"| {status} |")
        out.append("")
        failing = [c for c in result.checks if c.status in ("failed", "error", "timeout")]
        if failing and result.status != "error":
            out.append("Failing checks:")
            out.append("")
            for c in failing[:MAX_FAILURES]:
                label = c.title or c.id
                out.append(f"- **{_cell(label)}** ({_cell(c.id)}, {c.device}, {c.status}): "
                           f"{_cell(first_line(c.message) or c.status)}")
            if len(failing) > MAX_FAILURES:
                out.append(f"- … and {len(failing) - MAX_FAILURES} more in the HTML report")
            out.append("")
    return "\n".join(out)


def write_summary(results: Sequence[SubmissionResult], path: Path) -> str:
    text = summary_markdown(results)
    write_atomic(path, text)
    return text
