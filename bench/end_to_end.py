"""What an instructor and a student wait for: `grade batch` and `grade check` from the command
to its exit, start-up included, beside the in-process floor measured in the same run.

`grade batch` grades N generated submissions of one assignment (the reference solution, the
untouched stub and the bundled example in turn, each made unique so that none is skipped as
unchanged) with public and hidden checks into a fresh output folder, `--repeat` times. Each
run prints its wall time, submissions per second, the time to its first result (start-up:
the command's imports, the zygotes, the reference) and the rate after it (from the progress
lines, one per result when stderr is not a terminal). The floor is the time the same checks
take when the solution is called directly in this process (see throughput.py), measured
between the runs; the ratio is the batch's time per submission to it.

`grade check` runs on the assignment's untouched stub (every check "not implemented yet")
and on the bundled example (failures with hints), in this repository, `--repeat` times each.

    python bench/end_to_end.py [--n 200] [--workers 2] [--assignment 04_custom_function]
                               [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import floor_s  # noqa: E402

from grader.model.assignments import load_assignment  # noqa: E402


def grade(*args: str, cwd: Path) -> tuple[float, list[float], subprocess.CompletedProcess[str]]:
    """Run `grade ARGS`; its wall time and the moments (from the start) of its stderr lines."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "grader", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    moments, lines = [], []
    for line in proc.stderr:
        moments.append(time.perf_counter() - started)
        lines.append(line)
    out = proc.stdout.read() if proc.stdout is not None else ""
    proc.wait()
    elapsed = time.perf_counter() - started
    return elapsed, moments, subprocess.CompletedProcess(proc.args, proc.returncode, out,
                                                         "".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--assignment", default="04_custom_function")
    parser.add_argument("--repeat", type=int, default=3)
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
        print(f"grade batch: {args.n} submissions of {args.assignment}, public and hidden "
              f"checks, --workers {args.workers}")
        walls, floors = [], []
        for run in range(args.repeat):
            floors.append(floor_s(assignment))
            wall, moments, done = grade("batch", str(subs), "--assignment", args.assignment,
                                        "--out", str(Path(tmp) / f"out{run}"),
                                        "--workers", str(args.workers), cwd=ROOT)
            if done.returncode != 0:
                sys.exit(f"grade batch failed: {done.stderr.strip()[-500:]}")
            results = [m for m, line in zip(moments, done.stderr.splitlines(), strict=False)
                       if line.startswith("[")]
            first = results[0] if results else wall
            rest = (len(results) - 1) / (results[-1] - first) if len(results) > 1 else 0.0
            walls.append(wall)
            print(f"  run {run + 1}: {wall:5.2f} s = {args.n / wall:5.1f} submissions/s; "
                  f"first result after {first:4.2f} s, then {rest:5.1f}/s; "
                  f"{wall / args.n * 1000:5.1f} ms per submission = "
                  f"{wall / args.n / floors[-1]:4.1f}x the floor ({floors[-1] * 1000:.1f} ms)")
        print(f"  median {statistics.median(walls):.2f} s "
              f"({args.n / statistics.median(walls):.1f} submissions/s)")

        print(f"grade check, {args.assignment}, in this repository:")
        subjects = {"stub": [f"assignments/{args.assignment}"]}
        if example.is_file():
            subjects["example"] = [str(example), "--assignment", args.assignment]
        for label, target in subjects.items():
            times = []
            for run in range(args.repeat):
                wall, _, done = grade("check", *target, "--out", str(Path(tmp) / f"c{run}"),
                                      cwd=ROOT)
                if done.returncode not in (0, 1):
                    sys.exit(f"grade check failed: {done.stderr.strip()[-500:]}")
                times.append(wall)
            print(f"  {label:8s} median {statistics.median(times):.2f} s   "
                  f"({' '.join(f'{t:.2f}' for t in times)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
