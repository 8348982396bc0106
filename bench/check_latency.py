"""Wall-clock time of `grade check` on one assignment, from the command to its exit, as a
student runs it: in a copy made by `grade release` (recorded references, no solutions), on
the untouched stub and on the solution.

    python bench/check_latency.py [--assignment 04_custom_function] [--repeat 5] [--course]

`--course` runs in this repository instead (recorded references too, while they are fresh).
Prints every run's time and the median per submission; the target is under 3 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def grade(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, text=True,
                          capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="04_custom_function")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--course", action="store_true",
                        help="run in this repository instead of a student's release")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="grade-latency-"))
    try:
        if args.course:
            home = ROOT
        else:
            home = scratch / "release"
            done = grade("release", "--out", str(home), "--assignment", args.assignment,
                         cwd=ROOT)
            if done.returncode != 0:
                sys.exit(f"grade release failed: {done.stderr.strip()}")
        (solution,) = (ROOT / "solutions" / args.assignment).glob("*.py")
        work = scratch / "work" / solution.name
        work.parent.mkdir()
        shutil.copyfile(solution, work)
        subjects = {"stub": ["assignments/" + args.assignment],
                    "solution": [str(work), "--assignment", args.assignment]}
        print(f"grade check, {args.assignment}, in "
              f"{'the course repository' if args.course else 'a student release'}:")
        for label, target in subjects.items():
            times = []
            for i in range(args.repeat):
                started = time.perf_counter()
                done = grade("check", *target, "--out", str(scratch / f"out{i}"), cwd=home)
                times.append(time.perf_counter() - started)
                if done.returncode not in (0, 1):
                    sys.exit(f"grade check failed: {done.stderr.strip()}")
            runs = " ".join(f"{t:.2f}" for t in times)
            print(f"  {label:<8} median {statistics.median(times):.2f} s   runs: {runs}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
