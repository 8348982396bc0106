"""How much the strict sandbox level slows down grading one well-behaved submission.

Grades the reference solution of an assignment as if it were a student's, alternately at the
basic and the strict level, and prints the wall-clock time of each level (median and mean of
the repetitions) and the strict level's overhead. The reference observations are computed
once beforehand, so the figures are the student's side only: one child importing torch,
loading the module and running every public check.

    python bench/sandbox_overhead.py [--assignment 04_custom_function] [--repeat 7]

The target is an overhead of at most 20 %.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.intake.submissions import ModuleUnderTest  # noqa: E402
from grader.judging.pipeline import Grading  # noqa: E402
from grader.model.assignments import load_assignment  # noqa: E402
from grader.sandbox.jail import strict_problem  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="04_custom_function")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    problem = strict_problem()
    if problem:
        print(f"the strict level is unavailable here: {problem}")
        return 1
    assignment = load_assignment(ROOT / "assignments" / args.assignment)
    assert assignment.solution is not None
    module = ModuleUnderTest(assignment.module, assignment.solution,
                             f"{assignment.module}.py")
    gradings = {"basic": Grading("basic"), "strict": Grading("strict")}
    for grading in gradings.values():
        grading.references.get(assignment, "public")
    times: dict[str, list[float]] = {"basic": [], "strict": []}
    for i in range(args.repeat + 1):
        for level in ("basic", "strict") if i % 2 else ("strict", "basic"):
            started = time.perf_counter()
            result = gradings[level].grade(assignment, module, "bench", "public")
            elapsed = time.perf_counter() - started
            if result.score != result.max_score:
                print(f"the solution lost points at the {level} level: {result.error}")
                return 1
            if i:  # the first round warms the file cache
                times[level].append(elapsed)
    checks = len(assignment.public_checks())
    print(f"{args.assignment}: {checks} public checks, {args.repeat} runs per level")
    for level, values in times.items():
        print(f"  {level:6s}  median {statistics.median(values):.3f} s  "
              f"mean {statistics.mean(values):.3f} s  min {min(values):.3f} s")
    overhead = statistics.median(times["strict"]) / statistics.median(times["basic"]) - 1
    print(f"  strict overhead (medians): {overhead * 100:+.1f} %  (target: at most +20 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
