"""Judging: a student's observations against the reference's, into :class:`CheckResult`\\ s.

Only this parent process judges. A check's points are split evenly among the devices it ran
on; a device that is absent gives a ``skipped`` entry worth 0 of 0, so ``max_score`` does not
depend on the hardware. A reference that fails to observe is the course's fault, never the
student's: it raises :class:`ReferenceFailure` instead of scoring anyone zero.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from grader.authoring import CheckSpec
from grader.compare import Mismatch, compare
from grader.errors import ReferenceFailure
from grader.observations import Observed, Raised, RunFailure, RunKey, RunReport
from grader.results import CheckResult

MAX_STUDENT_FRAMES = 3


def load_failure_message(report: RunReport) -> str | None:
    """One line saying why the submission could not be loaded, or None if it loaded."""
    if report.load_message:
        return report.load_message
    exc = report.load_error
    if exc is None:
        return None
    if exc.is_a("SyntaxError") or exc.is_a("IndentationError"):
        return _syntax_error_line(exc)
    where = _last_frame(exc, None)
    if exc.is_a("SystemExit"):
        return f"{where}the module called exit({exc.message}) while being imported; remove it"
    return f"{where}{exc.summary()} (while importing the module)"


def _syntax_error_line(exc: Raised) -> str:
    # str(SyntaxError) reads "'(' was never closed (custom_function.py, line 12)"
    message = exc.message
    if message.endswith(")") and ", line " in message and " (" in message:
        text, _, place = message[:-1].rpartition(" (")
        return f"{place}: {exc.type}: {text}"
    return f"{exc.type}: {message}"


def is_students(filename: str, display: str) -> bool:
    """True for a frame of the student's file: ``work.py``, or a notebook's
    ``work.ipynb, cell 4``."""
    return filename == display or filename.startswith(f"{display}, cell ")


def _last_frame(exc: Raised, display: str | None) -> str:
    frames = [f for f in exc.frames if display is None or is_students(f.filename, display)]
    frames = [f for f in frames if not f.filename.startswith("<")]
    if not frames:
        return ""
    f = frames[-1]
    return f"{f.filename}, line {f.lineno}: "


def student_traceback(exc: Raised, display: str) -> str:
    """The student's own frames of a traceback, innermost last; grader frames are dropped."""
    frames = [f for f in exc.frames if is_students(f.filename, display)][-MAX_STUDENT_FRAMES:]
    return "\n".join(f"  {f.filename}, line {f.lineno}, in {f.name}: {f.line}" for f in frames)


def judge_check(
    spec: CheckSpec,
    student: RunReport,
    reference: RunReport,
    display: str,
) -> list[CheckResult]:
    """One result per device of ``spec``."""
    ran = [d for d in spec.devices if _ran(reference, RunKey(spec.id, d), spec)]
    load_message = load_failure_message(student)
    results = []
    for device in spec.devices:
        key = RunKey(spec.id, device)
        base = CheckResult(id=spec.id, exercise=spec.exercise, device=device, hidden=spec.hidden,
                           status="skipped", score=0.0, max_score=0.0, title=spec.title)
        if device not in ran:
            reason = reference.outcomes.get(key)
            message = reason.message if isinstance(reason, RunFailure) else "not run"
            results.append(replace(base, message=message))
            continue
        share = spec.points / len(ran)
        base = replace(base, max_score=share)
        if load_message is not None:
            results.append(replace(base, status="error", message=load_message))
            continue
        outcome = student.outcomes.get(key)
        if outcome is None:
            results.append(replace(base, status="error", message="not run"))
        elif isinstance(outcome, RunFailure):
            results.append(replace(base, status=outcome.status, message=outcome.message,
                                   duration_s=outcome.duration_s))
        else:
            expected = reference.outcomes[key]
            assert isinstance(expected, Observed)
            results.append(_judge_value(spec, base, outcome, expected, reference, display))
    return results


def _ran(reference: RunReport, key: RunKey, spec: CheckSpec) -> bool:
    outcome = reference.outcomes.get(key)
    if isinstance(outcome, Observed):
        return True
    if isinstance(outcome, RunFailure) and outcome.status == "skipped":
        return False
    reason = outcome.message if isinstance(outcome, RunFailure) else "no observation"
    raise ReferenceFailure(f"the reference solution failed check {spec.id} on {key.device}: "
                           f"{reason}")


def _judge_value(spec: CheckSpec, base: CheckResult, got: Observed, expected: Observed,
                 reference: RunReport, display: str) -> CheckResult:
    base = replace(base, duration_s=got.duration_s)
    if spec.judge is not None and not isinstance(got.value, Raised):
        # A scenario that raised is reported as such, not handed to the judge.
        try:
            verdict = spec.judge(got.value, expected.value)
        except Exception as exc:  # a judge that cannot read a wrong answer: still a failure
            verdict = f"unexpected result ({type(exc).__name__}: {exc})"
        if verdict is None:
            return replace(base, status="passed", score=base.max_score)
        mismatch = Mismatch("", str(verdict))
    else:
        found = compare(got.value, expected.value, spec.rtol, spec.atol)
        if found is None:
            return replace(base, status="passed", score=base.max_score)
        mismatch = found
    message = mismatch.text()
    if mismatch.raised is not None and not mismatch.raised.not_implemented:
        trace = student_traceback(mismatch.raised, display)
        if trace:
            message += "\n" + trace
    stub = mismatch.raised is not None and mismatch.raised.not_implemented
    hints = [] if stub else _matching_hints(spec, got.value, reference, base.device)
    message += "".join(f"\nHint: {hint}" for hint in hints)
    diff = replace(mismatch.diff, path=mismatch.path) if mismatch.diff else None
    return replace(base, status="failed", message=message, diff=diff)


def _matching_hints(spec: CheckSpec, got: Any, reference: RunReport, device: str) -> list[str]:
    found = []
    for i, hint in enumerate(spec.hints):
        if hint.patch is not None:
            wrong = reference.outcomes.get(RunKey(spec.id, device, i))
            if isinstance(wrong, Observed) and compare(got, wrong.value, spec.rtol,
                                                       spec.atol) is None:
                found.append(hint.message)
        elif hint.when is not None:
            try:
                if hint.when(got):
                    found.append(hint.message)
            except Exception:  # a predicate that does not fit this wrong answer: no hint
                continue
    return found
