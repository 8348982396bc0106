"""The Markdown summary of ``grade ci``: what a pull request's job summary shows.

It leads with one line per assignment (points and status), then per assignment a table of
exercises and the failing checks: the first line of each message with its hints, a message
shared by several checks written once with all of their names (one mistake often fails
several checks alike). GitHub renders job summaries as GitHub-flavoured Markdown with
HTML allowed, so everything that comes from a submission is escaped: ``|`` would split a
table cell, a newline would end the row, backticks and ``<`` could start code or markup.

The summary is written in a :class:`~grader.i18n.Translator`'s language (English by
default); failing checks are grouped by their English messages, then translated.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from grader.i18n import ENGLISH, N_, Translator
from grader.reports import first_line, for_students, format_points, localize
from grader.results import CheckResult, SubmissionResult, write_atomic

MAX_FAILURES = 20
_STATUS = {"passed": ("✅", N_("passed")), "failed": ("❌", N_("failed")),
           "skipped": ("⏭️", N_("skipped"))}
_CHECK_STATUS = {"passed": N_("passed"), "failed": N_("failed"), "error": N_("error"),
                 "timeout": N_("timeout"), "skipped": N_("skipped")}
NOT_STARTED = "⏸️ " + N_("not started (the stub is untouched; not graded)")
HINT = "Hint: "


def _cell(text: str) -> str:
    """Text safe inside a table cell or a list item: one line, no markup."""
    flat = " ".join(text.split())
    return html.escape(flat, quote=False).replace("|", "\\|").replace("`", "&#96;") \
        .replace("*", "\\*").replace("_", "\\_").replace("[", "\\[")



def _row(*cells: str) -> str:
    return f"| {' | '.join(cells)} |"


def _status(status: str, tr: Translator) -> str:
    mark, word = _STATUS[status]
    return f"{mark} {tr.text(word)}"


def _not_started(tr: Translator) -> str:
    mark, _, words = NOT_STARTED.partition(" ")
    return f"{mark} {tr.text(words)}"


def summary_markdown(results: Sequence[SubmissionResult],
                     not_started: Sequence[str] = (), tr: Translator = ENGLISH) -> str:
    """The summary of ``results`` (one per assignment checked), as students may read them
    (:func:`grader.reports.for_students`), in ``tr``'s language; ``not_started`` names the
    assignments left out because their file is the untouched stub."""
    english = [for_students(r) for r in results]
    results = [localize(r, tr) for r in english]
    out: list[str] = []
    total = sum(r.score for r in results)
    most = sum(r.max_score for r in results)
    passed = all(r.passed for r in results)
    if results:
        out.append("## " + tr("grade: {score} / {max_score}", score=format_points(total),
                              max_score=format_points(most)) + f" {'✅' if passed else '❌'}")
    else:
        out.append("## " + tr("grade: no assignment started yet") + " ✅")
    out.append("")
    out.append(_row(tr("Assignment"), tr("Points"), tr("Status")))
    out.append("|---|---:|---|")
    for result in results:
        out.append(f"| {_cell(result.assignment)} | {format_points(result.score)} / "
                   f"{format_points(result.max_score)} | {_assignment_status(result, tr)} |")
    for name in not_started:
        out.append(f"| {_cell(name)} | – | {_not_started(tr)} |")
    out.append("")
    for result, record in zip(results, english, strict=True):
        title = f" — {_cell(result.title)}" if result.title and result.title != result.assignment \
            else ""
        out.append(f"### {_cell(result.assignment)}{title}: {format_points(result.score)} / "
                   f"{format_points(result.max_score)}")
        out.append("")
        if result.status == "error":
            out.append("**" + tr("Could not be graded:") + f"** {_cell(result.error or '')}")
            out.append("")
        for note in result.notes:
            out.append(f"> {_cell(note)}")
            out.append("")
        out.append(_row(tr("Exercise"), tr("Points"), tr("Status")))
        out.append("|---|---:|---|")
        for exercise, (got, best) in result.exercise_scores().items():
            ran = [c for c in result.checks if c.exercise == exercise and c.status != "skipped"]
            bad = [c for c in ran if c.status in NOT_PASSED]
            if bad:
                status = "❌ " + tr("{n} of {m} checks failed", n=len(bad), m=len(ran))
            elif not ran:
                status = _status("skipped", tr)
            else:
                status = _status("passed", tr)
            out.append(f"| {_cell(exercise)} | {format_points(got)} / {format_points(best)} "
                       f"| {status} |")
        out.append("")
        # grouped by their English messages (hints are found by their English start)
        failing = [c for c in record.checks if c.status in NOT_PASSED]
        if failing and result.status != "error":
            out.append(tr("Failing checks:"))
            out.append("")
            groups = _alike(failing)
            for (text, hints), checks in groups[:MAX_FAILURES]:
                names = ", ".join(f"**{_cell(tr.text(c.title) or c.id)}** ({_cell(c.id)}, "
                                  f"{c.device}, {tr.text(_CHECK_STATUS.get(c.status, c.status))})"
                                  for c in checks)
                hint = "".join(f" — {_cell(tr.text(h))}" for h in hints)
                said = tr.text(text) if first_line(checks[0].message) \
                    else tr.text(_CHECK_STATUS.get(text, text))
                out.append(f"- {names}: {_cell(said)}{hint}")
            if len(groups) > MAX_FAILURES:
                out.append("- " + tr("… and {n} more in the HTML report",
                                     n=len(groups) - MAX_FAILURES))
            out.append("")
    return "\n".join(out)


NOT_PASSED = ("failed", "error", "timeout")


def _assignment_status(result: SubmissionResult, tr: Translator = ENGLISH) -> str:
    if result.status == "error":
        return "❌ " + tr("could not be graded")
    ran = [c for c in result.checks if c.status != "skipped"]
    bad = [c for c in ran if c.status in NOT_PASSED]
    if bad:
        return "❌ " + tr("{n} of {m} checks failed", n=len(bad), m=len(ran))
    return _status("passed" if ran else "skipped", tr)


def _alike(checks: Sequence[CheckResult]) -> list[tuple[tuple[str, tuple[str, ...]],
                                                         list[CheckResult]]]:
    """Failing checks grouped by what they say (the message's first line and its hints),
    in the order each message first appears."""
    groups: dict[tuple[str, tuple[str, ...]], list[CheckResult]] = {}
    for c in checks:
        lines = [line.strip() for line in (c.message or c.status).splitlines()]
        hints = tuple(line for line in lines[1:] if line.startswith(HINT))
        groups.setdefault((first_line(c.message) or c.status, hints), []).append(c)
    return list(groups.items())


def write_summary(results: Sequence[SubmissionResult], path: Path,
                  not_started: Sequence[str] = (), tr: Translator = ENGLISH) -> str:
    text = summary_markdown(results, not_started, tr)
    write_atomic(path, text)
    return text
