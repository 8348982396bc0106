"""What the grader reads in a submission's source, in its own process, beside what the
sandbox observed: the exercise contracts (what the assignment asks to be written by hand,
:mod:`grader.intake.contracts`) and the integrity audit (what forging a verdict from inside
the process would need, :mod:`grader.intake.audit`).

Checks see values, not how they were computed: ``MyReLU.apply = torch.relu`` gives every
right value, and a submission that reads the grader's data structures in its process could
report values it never computed. Both are in the source, where the parent can read them
without running anything of the submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from grader.intake.audit import audit_parsed
from grader.intake.contracts import Breach, contract_breaches
from grader.intake.source_text import decode_source
from grader.intake.submissions import ModuleUnderTest
from grader.intake.syntax import SourceUnit, parse_units, resolve_aliases
from grader.judging.knock_on import exercise_uses
from grader.model.assignments import Assignment
from grader.results import CheckResult, IntegrityFlag

MAX_SOURCE_BYTES = 2 * 1024 * 1024
"""A unit larger than this is not parsed in the grader's process (a syntax tree costs many
times its text in memory); it is flagged for review instead."""


@dataclass(frozen=True)
class SourceFindings:
    """Breaches of the exercise contracts, and the audit's flags."""

    breaches: tuple[Breach, ...] = ()
    flags: tuple[IntegrityFlag, ...] = ()
    uses: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """The other exercises each exercise's definition names (:mod:`~.knock_on`)."""


def examine(assignment: Assignment, module: ModuleUnderTest) -> SourceFindings:
    """Read ``module``'s source (a file, or a notebook's code cells as they run); never
    raises for anything in it."""
    if module.problem is not None:
        return SourceFindings()
    units: list[SourceUnit] = []
    flags: list[IntegrityFlag] = []
    if module.cells:
        candidates = [(f"{module.display}, cell {c.number}", c.source) for c in module.cells
                      if c.mode != "skip"]
    else:
        try:
            # Decoded as the child decodes it: what is reviewed is what runs, line for line.
            text = decode_source(module.source.read_bytes(), module.display)
        except (OSError, SyntaxError):
            return SourceFindings()  # nothing runs either: the child reports why
        candidates = [(module.display, text)]
    for label, text in candidates:
        if len(text) > MAX_SOURCE_BYTES:
            flags.append(IntegrityFlag("unaudited", label, 0, f"over {MAX_SOURCE_BYTES >> 20} MiB "
                                       "of source: not read by the audit"))
        else:
            units.append(SourceUnit(label, text))
    parsed = parse_units(units)  # once, for the contracts and the audit
    aliases = resolve_aliases([u.tree for u in parsed], walked=[u.nodes for u in parsed])
    breaches = tuple(contract_breaches(parsed, aliases, assignment.contracts)) \
        if assignment.contracts else ()
    flags.extend(IntegrityFlag(f.rule, f.label, f.line, f.code)
                 for f in audit_parsed(parsed, aliases))
    return SourceFindings(breaches, tuple(flags), exercise_uses(parsed, assignment.exercises))


def apply_breaches(checks: list[CheckResult], breaches: tuple[Breach, ...]) -> list[CheckResult]:
    """Every check of an exercise whose contract the submission breaks fails, whatever it
    observed, with the breach as its message; the other exercises' checks stand."""
    if not breaches:
        return checks
    first: dict[str, Breach] = {}
    for breach in breaches:
        first.setdefault(breach.exercise, breach)
    out = []
    for check in checks:
        found = first.get(check.exercise)
        if found is None or check.status == "skipped":
            out.append(check)
            continue
        message = f"not accepted: {found.message}"
        out.append(replace(check, status="failed", score=0.0, message=message, summary=message,
                           diff=None, series=None))
    return out
