"""False failures: how often a correct solution loses a point to the graded runs' secret inputs.

Every graded run draws its inputs from a secret salt, so a check whose tolerance or premise
holds for the public seed but not for every salt would fail a correct student now and then.
For each assignment this grades the reference solution, public and hidden checks, against
itself under ``--salts`` different salts (derived from ``--seed``: the same command measures
the same inputs), and prints how many runs lost a point and which checks did.

    python bench/false_failures.py [--salts 200] [--slow-salts 20] [--seed 0]
                                   [--assignment NAME ...]

With ``--bugs``, it grades each one-bug variant of ``tests/submissions/<assignment>/``
instead, and counts the salts under which a variant's verdicts differ from its first salt's:
a bug that some secret inputs hide (all inputs positive, every unit dead) shows there.

``--slow-salts`` applies to 06_dnn_classifier, whose checks train networks (seconds per
run). The deterministic checks are held to 0 false failures; 06's statistical ones
(learnability, distributions) to the rates derived next to their tolerances in
``assignments/06_dnn_classifier/checks``: no run here can measure 1 in 10,000, so what it
prints for them is an upper bound of the observed rate, not a proof.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.intake.submissions import solution_module  # noqa: E402
from grader.judging.pipeline import Grading  # noqa: E402
from grader.model.assignments import load_assignment  # noqa: E402
from grader.sandbox.jail import choose_level  # noqa: E402

SLOW = {"06_dnn_classifier"}
NOT_PASSED = ("failed", "error", "timeout")


def salts(seed: int, count: int) -> list[int]:
    return [int.from_bytes(hashlib.sha256(f"false-failures:{seed}:{i}".encode()).digest()[:8],
                           "big") >> 1 for i in range(count)]


def measure(name: str, count: int, seed: int) -> tuple[int, dict[str, int], float]:
    """(runs with a lost point, how often each check failed, seconds) for ``count`` salts."""
    assignment = load_assignment(ROOT / "assignments" / name)
    module = solution_module(assignment)
    level = choose_level("auto")
    failed_runs, by_check = 0, {}
    started = time.monotonic()
    for salt in salts(seed, count):
        result = Grading(level, salt=salt).grade(assignment, module, f"salt-{salt}", "all")
        lost = {c.id for c in result.checks if c.status in NOT_PASSED}
        if result.status == "error":
            lost.add(f"(not graded: {result.error})")
        if lost:
            failed_runs += 1
            for check in lost:
                by_check[check] = by_check.get(check, 0) + 1
    return failed_runs, by_check, time.monotonic() - started


def bug_stability(name: str, count: int, seed: int) -> dict[str, int]:
    """For each one-bug variant of ``name``: under how many of ``count`` salts its verdicts
    (check, status) differ from those under the first salt."""
    sys.path.insert(0, str(ROOT / "tests"))
    from grader.intake.submissions import module_from_path
    from helpers import on_solution

    assignment = load_assignment(ROOT / "assignments" / name)
    level = choose_level("auto")
    moved = {}
    work = Path(tempfile.mkdtemp(prefix="grade-bugs-"))
    for bug in sorted((ROOT / "tests" / "submissions" / name).glob("bug_*.py")):
        path = work / bug.stem / f"{assignment.module}.py"
        path.parent.mkdir(parents=True)
        path.write_text(on_solution(bug))
        module = module_from_path(path, assignment)
        first, differ = None, 0
        for salt in salts(seed, count):
            result = Grading(level, salt=salt).grade(assignment, module, bug.stem, "all")
            verdicts = {(c.id, c.device): c.status for c in result.checks}
            first = first or verdicts
            differ += verdicts != first
        moved[bug.stem] = differ
    shutil.rmtree(work, ignore_errors=True)
    return moved


def upper_bound(failures: int, runs: int) -> float:
    """The 95 % upper bound of a failure rate after ``failures`` in ``runs`` (the rule of
    three for none: 3 / runs)."""
    if failures == 0:
        return 3 / runs
    p = failures / runs
    return p + 1.96 * math.sqrt(p * (1 - p) / runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--salts", type=int, default=200)
    parser.add_argument("--slow-salts", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--assignment", nargs="*")
    parser.add_argument("--bugs", action="store_true",
                        help="measure the one-bug variants' verdicts across salts instead")
    args = parser.parse_args()
    names = args.assignment or sorted(p.name for p in (ROOT / "assignments").iterdir()
                                      if (p / "assignment.toml").is_file())
    if args.bugs:
        for name in names:
            count = args.slow_salts if name in SLOW else args.salts
            for bug, differ in bug_stability(name, count, args.seed).items():
                print(f"{name:<22} {bug:<32} verdicts moved under {differ} of {count} salts")
        return
    print(f"{'assignment':<22} {'salts':>6} {'lost a point':>13} {'95% bound':>10} {'s':>7}")
    for name in names:
        count = args.slow_salts if name in SLOW else args.salts
        failed, by_check, seconds = measure(name, count, args.seed)
        print(f"{name:<22} {count:>6} {failed:>13} {upper_bound(failed, count):>10.4f} "
              f"{seconds:>7.1f}")
        for check, times in sorted(by_check.items(), key=lambda kv: -kv[1]):
            print(f"    {check}: {times}")


if __name__ == "__main__":
    main()
