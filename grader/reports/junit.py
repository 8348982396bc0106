"""JUnit XML for CI: one ``<testsuite>`` per assignment, one ``<testcase>`` per check.

CI systems (GitHub Actions reporters, GitLab, Jenkins) read this format to list what failed;
its common schema is the Ant/Jenkins one: ``testsuites > testsuite > testcase`` with
``failure``, ``error`` or ``skipped`` inside. A check is one test case whatever the devices
it ran on: its verdict is the worst of theirs (a failed run is a ``failure``; one that
errored or timed out, or a submission that could not be loaded, an ``error``), and each
device's status is a ``<property>`` of the case, so a CUDA run that could not run on a
runner without a GPU is said there, not counted as a second, skipped test. A check that ran
on no device here is ``skipped`` with the reason.

Messages come from student code (exception texts, printed values), so characters that XML 1.0
cannot hold (NUL, escape sequences) are replaced before writing, and the document is built
with :mod:`xml.etree.ElementTree`, which escapes the rest.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from grader.reports import first_line, for_students, format_points
from grader.results import CheckResult, SubmissionResult, write_atomic

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_KINDS = {"failed": "failure", "error": "error", "timeout": "error", "skipped": "skipped"}


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)



_SEVERITY = {"skipped": 0, "passed": 1, "failed": 2, "timeout": 3, "error": 3}


def _by_check(checks: Sequence[CheckResult]) -> list[list[CheckResult]]:
    """The results of each check (one per device), in the order of their first appearance."""
    grouped: dict[str, list[CheckResult]] = {}
    for check in checks:
        grouped.setdefault(check.id, []).append(check)
    return list(grouped.values())


def worst(runs: Sequence[CheckResult]) -> CheckResult:
    """The run that decides a check's verdict: an error or time-out over a failure over a
    pass; skipped only when no device ran it."""
    return max(runs, key=lambda c: _SEVERITY.get(c.status, 0))


def junit_xml(results: Sequence[SubmissionResult], not_started: Sequence[str] = ()) -> str:
    """The document for ``results`` (one per assignment checked), as students may read
    them (:func:`grader.reports.for_students`); each of ``not_started`` (an untouched stub,
    not graded) is a suite of one skipped case."""
    results = [for_students(r) for r in results]
    when = datetime.now(UTC).replace(microsecond=0).isoformat()
    host = socket.gethostname()
    root = ET.Element("testsuites", name="grade")
    totals: dict[str, int] = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    time_total = 0.0
    for result in results:
        suite = ET.SubElement(root, "testsuite", name=result.assignment, timestamp=when,
                              hostname=host, time=f"{result.duration_s:.3f}")
        props = ET.SubElement(suite, "properties")
        for name, value in (("score", format_points(result.score)),
                            ("max_score", format_points(result.max_score)),
                            ("status", result.status)):
            ET.SubElement(props, "property", name=name, value=value)
        counts: dict[str, int] = dict.fromkeys(totals, 0)
        for runs in _by_check(result.checks):
            first = runs[0]
            case = ET.SubElement(suite, "testcase",
                                 classname=f"{result.assignment}.{first.exercise}",
                                 name=first.id, time=f"{sum(c.duration_s for c in runs):.3f}")
            props = ET.SubElement(case, "properties")
            for run in runs:
                value = run.status if run.status != "skipped" else \
                    f"skipped: {first_line(run.message) or 'not run here'}"
                ET.SubElement(props, "property", name=run.device, value=_clean(value))
            counts["tests"] += 1
            check = worst(runs)
            kind = _KINDS.get(check.status)
            if kind is None:
                continue
            message = check.message or check.status
            if len(runs) > 1 and kind != "skipped":
                message = f"[{check.device}] {message}"
            if result.status == "error" and result.error:
                message = f"the submission could not be graded: {result.error}"
            element = ET.SubElement(case, kind, message=_clean(first_line(message)))
            if kind != "skipped":
                element.set("type", check.status)
                element.text = _clean(message)
            counts[{"failure": "failures", "error": "errors"}.get(kind, kind)] += 1
        if result.output.stdout:
            ET.SubElement(suite, "system-out").text = _clean(result.output.stdout)
        if result.output.stderr:
            ET.SubElement(suite, "system-err").text = _clean(result.output.stderr)
        for key, count in counts.items():
            suite.set(key, str(count))
            totals[key] += count
        time_total += result.duration_s
    for name in not_started:
        suite = ET.SubElement(root, "testsuite", name=name, timestamp=when, hostname=host,
                              time="0.000", tests="1", failures="0", errors="0", skipped="1")
        case = ET.SubElement(suite, "testcase", classname=name, name="not started", time="0.000")
        ET.SubElement(case, "skipped", message="not started: the stub is untouched; not graded")
        totals["tests"] += 1
        totals["skipped"] += 1
    for key, total in totals.items():
        root.set(key, str(total))
    root.set("time", f"{time_total:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(results: Sequence[SubmissionResult], path: Path,
                not_started: Sequence[str] = ()) -> None:
    write_atomic(path, junit_xml(results, not_started))
