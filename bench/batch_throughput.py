"""Submissions per second of ``grade batch`` for ``--workers 1`` and ``--workers 2``.

Generates N submissions of one assignment (the reference solution, the untouched stub and
the bundled two-bug example in turn, each made unique by a comment, so none is skipped as
unchanged), grades them all with public and hidden checks into a fresh output folder for
each worker count, and prints the rate of each run. Every run starts with a fresh gradebook;
the reference observations are computed once per run, as a batch does.

    python bench/batch_throughput.py [--n 24] [--assignment 04_custom_function] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import api  # noqa: E402
from grader.model.assignments import load_assignment  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=24)
    parser.add_argument("--assignment", default="04_custom_function")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    assignment = load_assignment(ROOT / "assignments" / args.assignment)
    assert assignment.solution is not None
    sources = [assignment.solution.read_text(), assignment.stub.read_text()]
    example = ROOT / "examples" / "alice" / f"{assignment.module}.py"
    if example.is_file():
        sources.append(example.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "submissions"
        subs.mkdir()
        for i in range(args.n):
            (subs / f"student{i:04d}.py").write_text(sources[i % len(sources)] + f"\n# {i}\n")
        print(f"{args.assignment}: {args.n} submissions, public and hidden checks")
        for workers in args.workers:
            started = time.perf_counter()
            report = api.batch(subs, args.assignment, Path(tmp) / f"out{workers}", cwd=ROOT,
                               workers=workers)
            elapsed = time.perf_counter() - started
            assert report.graded_now == args.n
            print(f"  --workers {workers}: {elapsed:6.1f} s  {args.n / elapsed:5.2f} "
                  f"submissions/s  (sandbox {report.level})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
