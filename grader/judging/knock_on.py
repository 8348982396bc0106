"""Which exercises a submission's exercises use, and what that says about a failed check.

``relu_linear_grads`` is written on top of ``MyReLU``: when ``MyReLU``'s backward is wrong,
``relu_linear_grads`` fails too, though its own code may be right. Its message then says so,
so that a student fixes the bug once, where it is, instead of hunting it in a function that
has none. Read from the submission's syntax tree in the grader's process (a name of another
exercise inside an exercise's definition), never from what the submission says of itself.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace

from grader.i18n import N_
from grader.intake.syntax import ParsedUnit, bound_names, module_statements
from grader.results import CheckResult

NOT_PASSED = ("failed", "error", "timeout")
WITH_NOTE = N_("{message} ({note})")
AND = N_("{first} and {second}")


def exercise_uses(parsed: Sequence[ParsedUnit],
                  exercises: Sequence[str]) -> dict[str, frozenset[str]]:
    """For each exercise the submission defines at module level, the other exercises its
    final definition names (called, subclassed or referred to)."""
    names = set(exercises)
    final: dict[str, ast.stmt] = {}
    for unit in parsed:
        for statement in module_statements(unit.tree.body):
            for name in bound_names(statement):
                if name in names:
                    final[name] = statement
    uses: dict[str, frozenset[str]] = {}
    for exercise, statement in final.items():
        found = {node.id for node in ast.walk(statement)
                 if isinstance(node, ast.Name) and node.id in names and node.id != exercise}
        if found:
            uses[exercise] = frozenset(found)
    return uses


def mark_knock_ons(checks: list[CheckResult],
                   uses: Mapping[str, frozenset[str]]) -> list[CheckResult]:
    """Checks that did not pass, of an exercise that uses another exercise whose own checks
    did not pass either, with a sentence saying that the failure may come from there."""
    if not uses:
        return checks
    failing = {c.exercise for c in checks if c.status in NOT_PASSED}
    out = []
    for check in checks:
        culprits = sorted(uses.get(check.exercise, frozenset()) & failing)
        if check.status not in NOT_PASSED or not culprits:
            out.append(check)
            continue
        named = functools.reduce(lambda a, b: AND.format(first=a, second=b), culprits)
        note = N_("{exercise} uses {named}, which fails its own checks: fix {named} first, "
                  "this may be a knock-on of it").format(exercise=check.exercise, named=named)
        message = WITH_NOTE.format(message=check.message, note=note) if check.message else note
        summary = WITH_NOTE.format(message=check.summary, note=note) if check.summary else note
        out.append(replace(check, message=message, summary=summary))
    return out
