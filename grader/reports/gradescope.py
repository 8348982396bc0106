"""A graded submission in Gradescope's autograder format (``results.json``).

Gradescope shows each entry of ``tests`` as a box with a name, points and an output. Here
every check that ran on a device is one test, numbered ``exercise.check`` in the
assignment's exercise order. What students may see, and when:

- A public check is ``visible``; a hidden check is ``after_published``, so its name, verdict
  and message reach students only when the instructor publishes the grades. (Gradescope
  then also hides the total until publication, which is what hidden checks call for.)
- The top-level ``output`` summarises the public checks only, and never the student's
  captured stdout/stderr: a submission could print what hidden checks feed it.
- A ``skipped`` entry (a device this machine does not have; 0 of 0 points) is left out of
  ``tests``: Gradescope knows only ``passed`` and ``failed``, and either would misstate a
  check that did not run. The top-level ``output`` says which device was skipped and why,
  and ``extra_data.skipped`` counts the entries left out.
- ``error`` and ``timeout`` checks are ``failed`` tests with their message; the original
  status stays in the test's ``extra_data``. A submission that could not be loaded (status
  ``error``) carries only such checks, each worth 0, so it scores 0, lists every test as
  failed and has its error message as the top-level ``output``.

The format is written down as data (:data:`RESULTS_FIELDS`, :data:`TEST_FIELDS`,
:data:`LEADERBOARD_FIELDS`); :func:`validate_gradescope` checks a document against it and
:func:`to_gradescope` never returns a document that fails it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from grader.reports import for_students, format_points
from grader.results import SCHEMA, CheckResult, SubmissionResult, write_atomic

__all__ = [
    "LEADERBOARD_FIELDS", "OUTPUT_FORMATS", "RESULTS_FIELDS", "TEST_FIELDS", "TEST_STATUSES",
    "VISIBILITIES", "to_gradescope",
    "validate_gradescope", "write_gradescope",
]

# --- The format, as Gradescope documents it ("Autograder Specifications", Output format) ---

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")
TEST_STATUSES = ("passed", "failed")
LEADERBOARD_ORDERS = ("asc", "desc")

Kind = Literal["number", "integer", "string", "object", "strings", "number or string",
               "objects"]


@dataclass(frozen=True)
class Field:
    """What one key of a ``results.json`` object must hold: a JSON kind, for strings
    optionally one of ``choices``, for lists of objects the fields of each item."""

    kind: Kind
    choices: tuple[str, ...] = ()
    items: Mapping[str, Field] | None = None
    required: tuple[str, ...] = ()  # keys each item of an ``objects`` list must have


TEST_FIELDS: Mapping[str, Field] = {
    "score": Field("number"),
    "max_score": Field("number"),
    "status": Field("string", TEST_STATUSES),
    "name": Field("string"),
    "name_format": Field("string", OUTPUT_FORMATS),
    "number": Field("string"),
    "output": Field("string"),
    "output_format": Field("string", OUTPUT_FORMATS),
    "tags": Field("strings"),
    "visibility": Field("string", VISIBILITIES),
    "extra_data": Field("object"),
}

LEADERBOARD_FIELDS: Mapping[str, Field] = {
    "name": Field("string"),
    "value": Field("number or string"),
    "order": Field("string", LEADERBOARD_ORDERS),
}

RESULTS_FIELDS: Mapping[str, Field] = {
    "score": Field("number"),  # overrides the tests' total; needed unless every test has one
    "execution_time": Field("integer"),  # seconds
    "output": Field("string"),
    "output_format": Field("string", OUTPUT_FORMATS),
    "test_output_format": Field("string", OUTPUT_FORMATS),
    "test_name_format": Field("string", OUTPUT_FORMATS),
    "visibility": Field("string", VISIBILITIES),
    "stdout_visibility": Field("string", VISIBILITIES),
    "extra_data": Field("object"),
    "tests": Field("objects", items=TEST_FIELDS),
    "leaderboard": Field("objects", items=LEADERBOARD_FIELDS, required=("name", "value")),
}

_KIND_NAMES: Mapping[Kind, str] = {
    "number": "a finite number", "integer": "an integer", "string": "a string",
    "object": "an object", "strings": "a list of strings",
    "number or string": "a finite number or a string", "objects": "a list of objects",
}


def _is_number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _has_kind(value: object, kind: Kind) -> bool:
    if kind == "number":
        return _is_number(value)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "strings":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "number or string":
        return isinstance(value, str) or _is_number(value)
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _check_object(data: Mapping[str, Any], fields: Mapping[str, Field], where: str) -> None:
    for key, value in data.items():
        path = f"{where}.{key}" if where else str(key)
        field = fields.get(key)
        if field is None:
            raise ValueError(f"gradescope results: unknown key {path!r} "
                             f"(allowed: {', '.join(fields)})")
        if not _has_kind(value, field.kind):
            raise ValueError(f"gradescope results: {path} must be {_KIND_NAMES[field.kind]}, "
                             f"got {type(value).__name__} {value!r:.60}")
        if field.choices and value not in field.choices:
            raise ValueError(f"gradescope results: {path} must be one of "
                             f"{', '.join(field.choices)}; got {value!r:.60}")
        if field.kind == "object":
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"gradescope results: {path} must hold only JSON values "
                                 f"({exc})") from None
        if field.items is not None:
            for index, item in enumerate(value):
                missing = [k for k in field.required if k not in item]
                if missing:
                    raise ValueError(f"gradescope results: {path}[{index}] lacks "
                                     f"{', '.join(missing)}")
                _check_object(item, field.items, f"{path}[{index}]")


def validate_gradescope(data: dict[str, Any]) -> None:
    """Raise ``ValueError`` naming the first key of ``data`` that Gradescope's format does
    not allow: an unknown key, a value of the wrong type or outside its choices, a test
    scoring above its ``max_score``, or no score at all (neither top-level nor on every
    test)."""
    if not isinstance(data, dict):
        raise ValueError(f"gradescope results: must be an object, got {type(data).__name__}")
    _check_object(data, RESULTS_FIELDS, "")
    tests: list[dict[str, Any]] = data.get("tests", [])
    for index, test in enumerate(tests):
        if "score" in test and "max_score" in test and test["score"] > test["max_score"]:
            raise ValueError(f"gradescope results: tests[{index}].score {test['score']} is "
                             f"above its max_score {test['max_score']}")
    if "score" not in data and (not tests or any("score" not in t for t in tests)):
        raise ValueError("gradescope results: needs a top-level score, or a score on every "
                         "test")


# --- From a SubmissionResult ---

_FALLBACK_OUTPUT = {"failed": "failed", "error": "error", "timeout": "timed out"}


def to_gradescope(result: SubmissionResult) -> dict[str, Any]:
    """``result`` as a Gradescope ``results.json`` document (see the module's docstring for
    what students see); raises ``ValueError`` where ``result`` cannot make a valid one (a
    check scoring above its maximum, a score that is not a finite number). A hidden check
    reads as :func:`grader.reports.for_students` has it."""
    result = for_students(result)
    ran = [c for c in result.checks if c.status != "skipped"]
    order = list(dict.fromkeys([*result.exercises, *(c.exercise for c in ran)]))
    ran.sort(key=lambda c: order.index(c.exercise))  # stable: check order within an exercise
    seen: dict[str, int] = {}
    tests = []
    for check in ran:
        seen[check.exercise] = seen.get(check.exercise, 0) + 1
        number = f"{order.index(check.exercise) + 1}.{seen[check.exercise]}"
        tests.append(_test(check, number))
    environment = result.environment
    data: dict[str, Any] = {
        "score": result.score,
        "execution_time": (math.ceil(result.duration_s)
                           if math.isfinite(result.duration_s) and result.duration_s > 0
                           else 0),
        "output": _overview(result),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "schema": SCHEMA,
            "assignment": result.assignment,
            "submission": result.submission,
            "status": result.status,
            "max_score": result.max_score,
            "sandbox": environment.sandbox if environment else None,
            "grader_version": environment.grader_version if environment else None,
            "skipped": len(result.checks) - len(ran),
        },
        "tests": tests,
    }
    validate_gradescope(data)
    return data


def _test(check: CheckResult, number: str) -> dict[str, Any]:
    name = check.title or check.id.rpartition("/")[2]
    return {
        "score": check.score,
        "max_score": check.max_score,
        "status": "passed" if check.status == "passed" else "failed",
        "name": f"{check.exercise} › {name} [{check.device}]",
        "number": number,
        "output": check.message or _FALLBACK_OUTPUT.get(check.status, ""),
        "tags": [check.exercise, check.device, "hidden" if check.hidden else "public"],
        "visibility": "after_published" if check.hidden else "visible",
        "extra_data": {"id": check.id, "device": check.device, "status": check.status,
                       "hidden": check.hidden},
    }


def _overview(result: SubmissionResult) -> str:
    """The text above the tests: nothing in it depends on a hidden check's outcome."""
    if result.status == "error":
        return "\n".join([result.error or "the submission could not be graded",
                          *result.notes])
    public = [c for c in result.checks if not c.hidden]
    hidden = [c for c in result.checks if c.hidden]
    lines = [result.title or result.assignment,
             f"Public checks: {format_points(sum(c.score for c in public))} / "
             f"{format_points(sum(c.max_score for c in public))} points"]
    if hidden:
        lines.append(f"Hidden checks: {format_points(sum(c.max_score for c in hidden))} "
                     "points, shown when grades are published")
    if result.hidden_checks_not_run:
        lines.append(f"{result.hidden_checks_not_run} hidden checks were not run")
    lines.extend(result.notes)
    skipped: dict[str, str] = {}
    for check in result.checks:
        if check.status == "skipped":
            skipped.setdefault(check.device, check.message)
    for device, why in skipped.items():
        lines.append(f"{device} checks skipped: {why or 'not run here'} (no points here)")
    return "\n".join(lines)


def write_gradescope(result: SubmissionResult, path: Path, indent: int | None = 2) -> None:
    """Write ``to_gradescope(result)`` to ``path`` as JSON, atomically, creating its folder.
    Non-ASCII text is escaped, so any message, however odd, makes a valid file.
    ``indent=None`` writes it compactly, several times faster (the C encoder), as a batch
    does for every student."""
    write_atomic(path, json.dumps(to_gradescope(result), indent=indent, allow_nan=False) + "\n")
