"""JUnit XML for CI: one ``<testsuite>`` per assignment, one ``<testcase>`` per check and device.

CI systems (GitHub Actions reporters, GitLab, Jenkins) read this format to list what failed;
its common schema is the Ant/Jenkins one: ``testsuites > testsuite > testcase`` with
``failure``, ``error`` or ``skipped`` inside. A failed check is a ``failure``; a check that
errored or timed out, or a submission that could not be loaded, is an ``error``; a device
absent on this machine is ``skipped`` with the reason.

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
from grader.results import SubmissionResult, write_atomic

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_KINDS = {"failed": "failure", "error": "error", "timeout": "error", "skipped": "skipped"}


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)



def junit_xml(results: Sequence[SubmissionResult]) -> str:
    """The document for ``results`` (one per assignment checked), as students may read
    them (:func:`grader.reports.for_students`)."""
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
        for check in result.checks:
            case = ET.SubElement(suite, "testcase",
                                 classname=f"{result.assignment}.{check.exercise}",
                                 name=f"{check.id}[{check.device}]",
                                 time=f"{check.duration_s:.3f}")
            counts["tests"] += 1
            kind = _KINDS.get(check.status)
            if kind is None:
                continue
            message = check.message or check.status
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
    for key, total in totals.items():
        root.set(key, str(total))
    root.set("time", f"{time_total:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(results: Sequence[SubmissionResult], path: Path) -> None:
    write_atomic(path, junit_xml(results))
