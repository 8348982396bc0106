"""Judging: a student's observations against the reference's, into :class:`CheckResult`\\ s.

Only this parent process judges. A check's points are split evenly among the devices it ran
on; a device that is absent gives a ``skipped`` entry worth 0 of 0, so ``max_score`` does not
depend on the hardware. A reference that fails to observe is the course's fault, never the
student's: it raises :class:`ReferenceFailure` instead of scoring anyone zero.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from grader.errors import ReferenceFailure
from grader.i18n import N_
from grader.judging.compare import Mismatch, compare
from grader.model.authoring import CheckSpec
from grader.model.observations import Raised
from grader.model.plan import RunKey
from grader.results import CheckResult, CheckStatus
from grader.sandbox.outcomes import Observations, Observed, RunFailure

MAX_STUDENT_FRAMES = 3


def is_students(filename: str, display: str) -> bool:
    """True for a frame of the student's file: ``work.py``, or a notebook's
    ``work.ipynb, cell 4``."""
    return filename == display or filename.startswith(f"{display}, cell ")


def student_traceback(exc: Raised, display: str) -> str:
    """The student's own frames of a traceback, innermost last; grader frames are dropped."""
    frames = [f for f in exc.frames if is_students(f.filename, display)][-MAX_STUDENT_FRAMES:]
    return "\n".join("  " + N_("{file}, line {line}, in {function}: {code}").format(
        file=f.filename, line=f.lineno, function=f.name, code=f.line) for f in frames)


def judge_check(
    spec: CheckSpec,
    student: Observations,
    reference: Observations,
    display: str,
) -> list[CheckResult]:
    """One result per device of ``spec``.

    A device counts when both sides ran there: recorded references may hold CUDA runs that a
    student's machine without a GPU skips, and the check's points then all go to the CPU.
    """
    ran = [d for d in spec.devices if _ran(reference, RunKey(spec.id, d), spec)
           and not _skipped(student.outcomes.get(RunKey(spec.id, d)))]
    load_message = student.load_failure
    results = []
    for device in spec.devices:
        key = RunKey(spec.id, device)
        if device not in ran:
            # The student's own skip says why on this machine ("no CUDA device here");
            # otherwise the reference's (e.g. no CUDA references were recorded).
            mine, reason = student.outcomes.get(key), reference.outcomes.get(key)
            if _skipped(mine):
                reason = mine
            message = reason.message if isinstance(reason, RunFailure) else N_("not run")
            results.append(_result(spec, device, 0.0, "skipped", message,
                                   OWN_WORDS["skipped"]))
            continue
        share = spec.points / len(ran)
        if load_message is not None:
            results.append(_result(spec, device, share, "error", load_message,
                                   N_("not run: the submission could not be loaded")))
            continue
        outcome = student.outcomes.get(key)
        if outcome is None:
            results.append(_result(spec, device, share, "error", N_("not run"), N_("not run")))
        elif isinstance(outcome, RunFailure):
            results.append(_result(spec, device, share, outcome.status, outcome.message,
                                   OWN_WORDS[outcome.status], duration_s=outcome.duration_s))
        else:
            expected = reference.outcomes[key]
            assert isinstance(expected, Observed)
            results.append(_judge_value(spec, _result(spec, device, share, "passed", "",
                                                      score=share,
                                                      duration_s=outcome.duration_s),
                                        outcome, expected, reference, display))
    return results


OWN_WORDS: dict[str, str] = {
    "error": N_("the check did not finish: the code raised or its process ended"),
    "timeout": N_("the check took longer than its time limit and was stopped"),
    "skipped": N_("not run on this machine"),
}
"""A check's outcome in words of the grader's alone: what students read of a hidden check,
where the full message (which may quote the submission's exceptions, output or values, and
so whatever its process saw of the hidden check) stays in the instructor's record."""


def _result(spec: CheckSpec, device: str, max_score: float, status: CheckStatus,
            message: str, summary: str = "", score: float = 0.0, duration_s: float = 0.0
            ) -> CheckResult:
    """Built once with every field (a batch judges thousands of checks)."""
    return CheckResult(id=spec.id, exercise=spec.exercise, device=device, hidden=spec.hidden,
                       status=status, score=score, max_score=max_score, message=message,
                       title=spec.title, duration_s=duration_s, summary=summary)


def _skipped(outcome: object) -> bool:
    return isinstance(outcome, RunFailure) and outcome.status == "skipped"


def _ran(reference: Observations, key: RunKey, spec: CheckSpec) -> bool:
    outcome = reference.outcomes.get(key)
    if isinstance(outcome, Observed):
        return True
    if isinstance(outcome, RunFailure) and outcome.status == "skipped":
        return False
    reason = outcome.message if isinstance(outcome, RunFailure) else "no observation"
    raise ReferenceFailure(f"the reference solution failed check {spec.id} on {key.device}: "
                           f"{reason}")


def _judge_value(spec: CheckSpec, passed: CheckResult, got: Observed, expected: Observed,
                 reference: Observations, display: str) -> CheckResult:
    """``passed`` if ``got`` matches, else a failure with the mismatch and any hints."""
    if spec.judge is not None and not isinstance(got.value, Raised):
        # A scenario that raised is reported as such, not handed to the judge.
        try:
            verdict = spec.judge(got.value, expected.value)
        except Exception as exc:  # a judge that cannot read a wrong answer: still a failure
            verdict = N_("unexpected result ({error})").format(error=f"{type(exc).__name__}: {exc}")
        if verdict is None:
            return passed
        mismatch = Mismatch("", str(verdict))
    else:
        found = compare(got.value, expected.value, spec.rtol, spec.atol)
        if found is None:
            return passed
        mismatch = found
    message = mismatch.text()
    if mismatch.raised is not None and not mismatch.raised.not_implemented:
        trace = student_traceback(mismatch.raised, display)
        if trace:
            message += "\n" + trace
    stub = mismatch.raised is not None and mismatch.raised.not_implemented
    hints = [] if stub else _matching_hints(spec, got.value, reference, passed.device)
    message += "".join("\n" + HINT.format(hint=hint) for hint in hints)
    if stub:
        summary = N_("not implemented yet")
    elif spec.judge is not None and mismatch.raised is None:
        summary = N_("the result does not meet what the check requires")
    elif mismatch.raised is not None:
        summary = N_("the code raised an exception where the reference solution did not")
    else:
        summary = N_("the result differs from the reference solution's")
    summary += "".join("\n" + HINT.format(hint=hint) for hint in hints)
    diff = replace(mismatch.diff, path=mismatch.path) if mismatch.diff else None
    return replace(passed, status="failed", score=0.0, message=message, diff=diff,
                   summary=summary)


HINT = N_("Hint: {hint}")
"""A hint's line under a check's message; reports find hints by its English prefix."""


def _matching_hints(spec: CheckSpec, got: Any, reference: Observations, device: str
                    ) -> list[str]:
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
