"""Renderers of results: terminal summary, HTML reports, class summary, CSV, Gradescope, JUnit
XML and Markdown.

What a student reads (the terminal, ``report.html``, ``gradescope.json``, JUnit XML and the
Markdown summary) is drawn from :func:`for_students`; what the instructor reads
(``result.json``, ``summary.html``, ``grades.csv``) from the result itself.
"""

import math
from dataclasses import replace

from grader.i18n import N_, Translator
from grader.results import SubmissionResult

LOAD_FAILED = N_("the submission could not be loaded")


def format_points(value: float) -> str:
    """A score with at most two decimals and no trailing zeros: 7.5, 13, 0.33."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def first_line(message: str) -> str:
    """A message's first non-blank line: what fits a table cell, a list or an XML attribute."""
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


GRADED_NOTE = N_("This is a graded run: each check is shown in the grader's own words (with "
                 "its hints), without what your program raised, printed or returned; run "
                 "`grade check` to see the full messages of the public checks.")


def for_students(result: SubmissionResult) -> SubmissionResult:
    """What a student may read of ``result``.

    A result graded with hidden checks shows every check in the grader's own words (its
    ``summary``: the status and the hints), with no exception text, output, value or tensor
    diff from the submission's process, and a load failure likewise. That process held the
    hidden checks (their code, titles and inputs are on its stack and in its memory while
    any check runs), so anything it wrote — in a hidden check's message or a public one's —
    could carry them out. ``result.json`` keeps everything for the instructor, and
    ``grade check`` shows the public checks' full messages. A result of public checks alone
    is shown whole.
    """
    if not any(c.hidden for c in result.checks):
        return result
    checks = [replace(c, message=c.summary, diff=None, series=None) for c in result.checks]
    error = (result.error_summary or LOAD_FAILED) if result.error is not None else None
    return replace(result, checks=checks, error=error, notes=[*result.notes, GRADED_NOTE])


def localize(result: SubmissionResult, tr: Translator) -> SubmissionResult:
    """``result`` as a student reads it in ``tr``'s language: titles, messages, hints, notes
    and errors translated (:meth:`Translator.text`); ids, exercise names and numbers are
    kept. Applied after :func:`for_students`, on what is shown, never on the record."""
    if tr.english:
        return result
    text = tr.text
    checks = [replace(c, title=text(c.title), message=text(c.message), summary=text(c.summary))
              for c in result.checks]
    return replace(result, checks=checks, title=text(result.title),
                   notes=[text(n) for n in result.notes],
                   error=text(result.error) if result.error else result.error,
                   error_summary=text(result.error_summary) if result.error_summary
                   else result.error_summary)
