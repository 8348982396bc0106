"""Batch throughput against the floor: how close isolated grading comes to calling the checks
in one warm process.

For each assignment, generates N submissions (the reference solution and one-bug variants
from tests/submissions in turn, each made unique), grades them with the batch library API
(public and hidden checks, references computed once) for each worker count, and prints:

- submissions per second, and the grading time per submission (wall time × workers / N);
- the *floor*: the time the same checks take when the reference solution is called
  directly in this already-running process (median of 15 rounds, measured once per
  assignment before any zygote runs), and the ratio of the grading time to it;
- peak resident memory per worker: its zygote and its largest child.

The first run of each worker count grades one submission of each kind: it starts the
zygotes, computes the references and warms the grader's own process; those seconds are
printed apart ("start") and left out of the rate.

    python bench/throughput.py [--n 40] [--workers 1 2] [--assignment NAME ...]

Default assignments: 04_custom_function, and 05_linear_regression without its training
exercise (train_model trains for seconds by design; its checks are not what is measured).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from grader import forkserver  # noqa: E402
from grader.assignments import Assignment, load_assignment, load_check_sources  # noqa: E402
from grader.batch import BatchRequest, run_batch  # noqa: E402
from grader.child import _load_module  # noqa: E402

DEFAULTS = {"04_custom_function": (), "05_linear_regression": ("train_model",)}


def without(assignment: Assignment, exercises: tuple[str, ...]) -> Assignment:
    return dataclasses.replace(assignment, checks=tuple(
        c for c in assignment.checks if c.exercise not in exercises))


def sources_for(assignment: Assignment) -> list[str]:
    """The solution, then each one-bug overlay on top of it."""
    assert assignment.solution is not None
    solution = assignment.solution.read_text()
    overlays = sorted((ROOT / "tests" / "submissions" / assignment.name).glob("bug_*.py"))
    return [solution] + [solution + "\n\n" + o.read_text() for o in overlays]


def floor_s(assignment: Assignment, rounds: int = 15) -> float:
    """Seconds the checks (public and hidden, CPU) take on the solution in this process."""
    assert assignment.solution is not None
    specs = [c for c in load_check_sources(assignment.sources_for(True), assignment.name)
             if any(c.id == kept.id for kept in assignment.checks)]
    module = _load_module(assignment.module, str(assignment.solution), "solution.py")
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for spec in specs:
            spec.scenario(module, "cpu", torch.Generator().manual_seed(spec.seed))
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def measure(assignment: Assignment, n: int, workers: int, tmp: Path, floor: float) -> None:
    subs = tmp / f"subs-{assignment.name}"
    if not subs.exists():
        subs.mkdir()
        sources = sources_for(assignment)
        for i in range(n):
            (subs / f"student{i:04d}.py").write_text(sources[i % len(sources)] + f"\n# {i}\n")
    forkserver.POOL.close()
    warm = tmp / f"warm-{assignment.name}-{workers}"
    start = time.perf_counter()
    # One submission of each kind starts the zygotes, computes the references and runs
    # every path of the grader's own process once (a mismatch's first message imports
    # parts of torch.testing that take a second), so that the rate measures the steady state.
    warm_subs = tmp / f"warm-subs-{assignment.name}"
    if not warm_subs.exists():
        warm_subs.mkdir()
        for i, source in enumerate(sources_for(assignment)):
            (warm_subs / f"w{i}.py").write_text(source)
    run_batch(BatchRequest(warm_subs, assignment, warm, workers=workers))
    start_s = time.perf_counter() - start
    started = time.perf_counter()
    report = run_batch(BatchRequest(subs, assignment, tmp / f"out-{assignment.name}-{workers}",
                                    workers=workers))
    elapsed = time.perf_counter() - started
    assert report.graded_now == n, report.graded_now
    per_submission = elapsed * workers / n
    peaks = [z.stats() for z in forkserver.POOL.idle()]
    zygote_mib = max((p["zygote_peak_kib"] for p in peaks), default=0) / 1024
    child_mib = max((p["child_peak_kib"] for p in peaks), default=0) / 1024
    print(f"  --workers {workers}: {n / elapsed:6.1f} submissions/s   "
          f"{per_submission * 1000:6.1f} ms per submission per worker   "
          f"floor {floor * 1000:5.1f} ms   ratio {per_submission / floor:4.1f}x   "
          f"peak memory per worker: zygote {zygote_mib:.0f} MiB, child {child_mib:.0f} MiB   "
          f"(start {start_s:.1f} s, sandbox {report.level})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--assignment", nargs="+", default=list(DEFAULTS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.assignment:
            assignment = without(load_assignment(ROOT / "assignments" / name),
                                 DEFAULTS.get(name, ()))
            skipped = DEFAULTS.get(name, ())
            print(f"{name}: {args.n} submissions, {len(assignment.checks)} checks "
                  f"(public and hidden)" + (f", without {', '.join(skipped)}" if skipped else ""))
            # Measured once, before any zygote runs beside it, so that every worker count
            # is compared with the same, undisturbed figure.
            floor = floor_s(assignment)
            for workers in args.workers:
                measure(assignment, args.n, workers, Path(tmp), floor)
    forkserver.POOL.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
