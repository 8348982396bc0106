"""The report of ``grade mutate``: ``mutation.json`` (:class:`MutationReport` as JSON) and
``mutation.html``, the page an instructor reads to strengthen the checks: the score, the
mutants per operator, and each survivor's diff with the checks that missed it and the lines
to paste into ``mutants-equivalent.toml`` where it computes what the solution computes.

Everything on the page comes from the course's own solution and checks; it is still rendered
with autoescaping like every page of grade.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from grader.reports.html import template_environment
from grader.results import write_atomic

Verdict = Literal["killed", "survived", "equivalent"]
OPERATORS = ("arithmetic", "comparison", "boolean", "constant", "negation", "statement",
             "argument", "method", "in-place", "copy")
"""The mutation operators, in the order they are documented (:mod:`grader.batch.mutants`)."""


@dataclass(frozen=True)
class MutantOutcome:
    """One mutant graded."""

    id: str
    operator: str
    line: int
    description: str
    diff: str
    verdict: Verdict
    killed_by: list[str] = field(default_factory=list)
    """The checks that failed, erred or timed out on it (``check [device]: status``), or the
    reason it could not be graded."""
    passed: list[str] = field(default_factory=list)
    """The checks that ran and passed: for a survivor, the checks that missed it."""
    reason: str | None = None
    """Why it is equivalent (from the equivalents file)."""


@dataclass
class MutationReport:
    """What ``grade mutate`` found: ``mutation.json`` is this, as JSON."""

    assignment: str
    seed: int
    salt: int
    generated: int
    """Mutants of the solution, before ``--limit``."""
    outcomes: list[MutantOutcome]
    stale_equivalents: list[str] = field(default_factory=list)
    killed_equivalents: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    graded_now: int = 0
    reused: int = 0
    """Mutants whose grading an earlier run of the same folder had stored (a resumed run)."""
    operators: tuple[str, ...] = OPERATORS

    def count(self, verdict: Verdict) -> int:
        return sum(1 for o in self.outcomes if o.verdict == verdict)

    @property
    def score(self) -> float:
        """Killed over the mutants that are not equivalent, in percent (100 when none)."""
        judged = len(self.outcomes) - self.count("equivalent")
        return 100.0 * self.count("killed") / judged if judged else 100.0

    def to_json(self) -> str:
        data = asdict(self)
        data["score"] = round(self.score, 2)
        data["killed"], data["survived"], data["equivalent"] = (
            self.count("killed"), self.count("survived"), self.count("equivalent"))
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class OperatorRow:
    operator: str
    total: int
    killed: int
    survived: int
    equivalent: int


def operator_rows(report: MutationReport) -> list[OperatorRow]:
    counts: dict[str, Counter[str]] = {}
    for o in report.outcomes:
        counts.setdefault(o.operator, Counter())[o.verdict] += 1
    order = [op for op in report.operators if op in counts] + sorted(
        op for op in counts if op not in report.operators)
    return [OperatorRow(op, sum(counts[op].values()), counts[op]["killed"],
                        counts[op]["survived"], counts[op]["equivalent"]) for op in order]


def write_mutation_report(report: MutationReport, folder: Path) -> tuple[Path, Path]:
    """Write ``mutation.json`` and ``mutation.html`` into ``folder``; their paths."""
    json_path, html_path = folder / "mutation.json", folder / "mutation.html"
    write_atomic(json_path, report.to_json())
    page = template_environment().get_template("mutation.html.j2").render(
        report=report, rows=operator_rows(report),
        survivors=[o for o in report.outcomes if o.verdict == "survived"],
        equivalents=[o for o in report.outcomes if o.verdict == "equivalent"])
    write_atomic(html_path, page)
    return json_path, html_path
