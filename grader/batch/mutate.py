"""``grade mutate``: would the checks notice if a student got this wrong?

The reference solution's one-change mutants (:mod:`grader.batch.mutants`) are graded like a
batch of submissions (:mod:`grader.batch.run`: public and hidden checks, in parallel, on
secret inputs, resumable through the batch's gradebook), and each is *killed* when any check
fails, errs or times out on it (or it cannot be graded at all), or *survives* when every
check passes. A survivor is either a mistake the checks let through, to be caught by a
stronger check, or an *equivalent* mutant that computes what the solution computes, which
the instructor marks in ``assignments/NN/mutants-equivalent.toml`` with the reason::

    [[equivalent]]
    id = "constant-433341d1f28b"
    reason = "masked_fill's value: grad_output is 0 there already ..."

The score is ``killed / (total - equivalent)``. The file is reviewed like code; an entry
whose id no mutant has any more (the solution changed) is reported as stale, and an entry
for a mutant the checks kill is reported too (it was not equivalent after all).
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.batch.mutants import Mutant, mutants, sample
from grader.batch.progress import Progress
from grader.batch.run import SALT_BITS, BatchRequest, run_batch
from grader.errors import UsageError
from grader.model.assignments import MUTANTS_EQUIVALENT, Assignment
from grader.reports.mutation import MutantOutcome, MutationReport, Verdict
from grader.results import SubmissionResult, write_atomic
from grader.sandbox.jail import Level

EQUIVALENTS = MUTANTS_EQUIVALENT
_NOT_PASSED = ("failed", "error", "timeout")


@dataclass(frozen=True)
class MutateRequest:
    assignment: Assignment
    out: Path
    level: Level
    sandbox: str = "auto"
    workers: int = 1
    limit: int | None = None
    seed: int = 0


def load_equivalents(assignment: Assignment) -> dict[str, str]:
    """The marked equivalent mutants of ``assignment``: id → reason. Raises
    :class:`UsageError` for a file that does not say what it must."""
    path = assignment.root / EQUIVALENTS
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read: {exc}") from None
    entries = data.get("equivalent", [])
    if not isinstance(entries, list):
        raise UsageError(f"{path}: 'equivalent' must be a list of tables ([[equivalent]])")
    found: dict[str, str] = {}
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise UsageError(f"{path}: entry {n} has no id")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"{path}: {entry['id']} has no reason (say why it computes what "
                             "the solution computes)")
        found[entry["id"]] = reason.strip()
    return found


def mutation_salt(seed: int) -> int:
    """The secret inputs of a mutation run, derived from its seed: the same seed grades the
    same mutants on the same inputs (so a resumed run is one run)."""
    digest = hashlib.sha256(f"grade-mutate:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (1 << SALT_BITS)


def run_mutation(request: MutateRequest,
                 on_progress: Callable[[Progress], None] | None = None) -> MutationReport:
    """Generate, write and grade the mutants; the verdicts, not yet written anywhere."""
    assignment = request.assignment
    if assignment.solution is None:
        raise UsageError(f"{assignment.name} has no solution to mutate "
                         f"(solutions/{assignment.name}/{assignment.module}.py)")
    equivalents = load_equivalents(assignment)
    source = assignment.solution.read_text(encoding="utf-8")
    every = mutants(source, f"{assignment.module}.py")
    chosen = sample(every, request.limit, request.seed)
    folder = request.out / "mutants"
    _write_mutants(folder, chosen)
    salt = mutation_salt(request.seed)
    batch = run_batch(BatchRequest(folder, assignment, request.out / "batch", request.level,
                                   request.workers, sandbox=request.sandbox, salt=salt),
                      on_progress)
    results = {r.submission: r for r in batch.results}
    outcomes = [_outcome(m, results.get(m.id), equivalents.get(m.id)) for m in chosen]
    ids = {m.id for m in every}
    report = MutationReport(
        assignment.name, request.seed, salt, len(every), outcomes,
        stale_equivalents=sorted(i for i in equivalents if i not in ids),
        killed_equivalents=sorted(o.id for o in outcomes
                                  if o.reason is not None and o.killed_by),
        warnings=list(batch.warnings), graded_now=batch.graded_now, reused=batch.reused)
    return report


def _write_mutants(folder: Path, chosen: list[Mutant]) -> None:
    """One file per mutant, named by its id (the batch's submission id); files of mutants
    not chosen this time are removed, so the batch grades exactly these."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"{m.id}.py": m for m in chosen}
    for entry in folder.iterdir():
        if entry.name not in wanted:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    for name, mutant in wanted.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != mutant.source:
            write_atomic(path, mutant.source)


def _outcome(mutant: Mutant, result: SubmissionResult | None,
             reason: str | None) -> MutantOutcome:
    if result is None:
        killed_by = ["not graded (see the batch's warnings)"]
        passed: list[str] = []
    elif result.status == "error":
        killed_by = [f"could not be graded: {result.error}"]
        passed = []
    else:
        killed_by = [f"{c.id} [{c.device}]: {c.status}" for c in result.checks
                     if c.status in _NOT_PASSED]
        passed = [f"{c.id} [{c.device}]" for c in result.checks if c.status == "passed"]
    verdict: Verdict = "killed" if killed_by else (
        "equivalent" if reason is not None else "survived")
    return MutantOutcome(mutant.id, mutant.operator, mutant.line, mutant.description,
                         mutant.diff, verdict, killed_by, passed, reason)
