"""One exercise at a time: how long a student waits for `grade check --exercise NAME`
(without and with its warm server) and for a notebook's `checker.check("NAME")` once its
worker is warm.

    python bench/exercise_latency.py [--assignment 04_custom_function] [--exercise MyReLU]
                                     [--repeat 5]

With `--no-warm` each command is a fresh process (an interpreter, torch and a zygote to
start); by default the first command starts the warm server (grader.warm) and the others
hand it their work; the notebook checker keeps one worker with a warm zygote between checks.
The target is under a second once warm. Prints every time and the medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="04_custom_function")
    parser.add_argument("--exercise", default="MyReLU")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="grade-exercise-"))
    try:
        folder = scratch / args.assignment
        shutil.copytree(ROOT / "assignments" / args.assignment, folder,
                        ignore=shutil.ignore_patterns("mutants-equivalent.toml"))
        notebook = next(folder.glob("*.ipynb"))
        env = {**os.environ, "XDG_RUNTIME_DIR": str(scratch), "GRADE_WARM": "1"}
        timings: dict[str, list[float]] = {"--no-warm": [], "--warm": []}
        for flag, times in timings.items():
            for _ in range(args.repeat + (flag == "--warm")):
                started = time.monotonic()
                subprocess.run([sys.executable, "-m", "grader", "check", str(notebook),
                                "--exercise", args.exercise, "--out", str(scratch / "out"),
                                flag], cwd=scratch, env=env, capture_output=True, check=False)
                times.append(time.monotonic() - started)
        os.environ["XDG_RUNTIME_DIR"] = str(scratch)
        from grader import warm

        warm.stop("auto")
        from grader.notebook import Checker

        started = time.monotonic()
        checker = Checker(notebook, lang="en")
        checker.check(args.exercise)
        first = time.monotonic() - started
        warm = []
        for _ in range(args.repeat):
            started = time.monotonic()
            checker.check(args.exercise)
            warm.append(time.monotonic() - started)
        checker.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{args.assignment} --exercise {args.exercise} (notebook stub)")
    cold, served = timings["--no-warm"], timings["--warm"]
    print(f"  grade check --no-warm, a fresh process each: {', '.join(f'{t:.2f}' for t in cold)}"
          f" s; median {statistics.median(cold):.2f} s")
    print(f"  grade check, the first starting the warm server: {served[0]:.2f} s; then "
          f"{', '.join(f'{t:.2f}' for t in served[1:])} s; median "
          f"{statistics.median(served[1:]):.2f} s (target: under 1 s)")
    print(f"  notebook checker, first check (worker and zygote start): {first:.2f} s")
    print(f"  notebook checker, warm: {', '.join(f'{t:.2f}' for t in warm)} s; "
          f"median {statistics.median(warm):.2f} s (target: under 1 s)")


if __name__ == "__main__":
    main()
