"""Batch throughput against the floor: how close isolated grading comes to calling the checks
in one warm process.

For each assignment, generates N submissions (the reference solution and one-bug variants
from tests/submissions in turn, each made unique), grades them with the batch library API
(public and hidden checks, references computed once) for each worker count, and prints:

- submissions per second; the grading time per submission (wall time / N: what a class
  costs per student) and per worker (wall time × workers / N: each worker's time for a
  submission, its latency), each with its ratio to the floor;
- the *floor*: the time the same checks take when the reference solution is called
  directly in this already-running process (median of 7 rounds, measured just before and
  just after each timed batch, while the zygotes are idle), and the ratio of the grading
  time to it; each worker count is timed ``--repeat`` times and the median ratio printed
  with all of them;
- peak resident memory per worker: its zygote and its largest child.

The first run of each worker count grades one submission of each kind: it starts the
zygotes, computes the references and warms the grader's own process; those seconds are
printed apart ("start") and left out of the rate.

    python bench/throughput.py [--n 40] [--workers 1 2] [--assignment NAME ...] [--repeat 3]

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

from grader.batch.run import BatchRequest, run_batch  # noqa: E402
from grader.model.assignments import Assignment, load_assignment, load_check_sources  # noqa: E402
from grader.sandbox import pool  # noqa: E402
from grader.sandbox.child import _load_module  # noqa: E402
from grader.sandbox.jail import choose_level  # noqa: E402

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


def floor_s(assignment: Assignment, rounds: int = 7) -> float:
    """Seconds the checks (public and hidden, CPU) take on the solution in this process:
    the median of ``rounds`` after one that warms up."""
    assert assignment.solution is not None
    specs = [c for c in load_check_sources(assignment.sources_in("all"), assignment.name)
             if any(c.id == kept.id for kept in assignment.checks)]
    module = _load_module(assignment.module, str(assignment.solution), "solution.py")
    times = []
    for _ in range(rounds + 1):
        started = time.perf_counter()
        for spec in specs:
            spec.scenario(module, "cpu", torch.Generator().manual_seed(spec.seed))
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


@dataclasses.dataclass
class Sample:
    """One timed batch and the floor measured just before and just after it."""

    elapsed: float
    floor: float
    n: int
    workers: int

    @property
    def per_submission(self) -> float:
        """The batch's time per submission: what a class of N costs, divided by N."""
        return self.elapsed / self.n

    @property
    def per_worker(self) -> float:
        """Each worker's time per submission it graded: a submission's latency."""
        return self.elapsed * self.workers / self.n

    @property
    def ratio(self) -> float:
        return self.per_submission / self.floor

    @property
    def worker_ratio(self) -> float:
        return self.per_worker / self.floor


LEVEL = choose_level("auto")


def measure(assignment: Assignment, n: int, workers: int, tmp: Path, repeat: int) -> None:
    subs = tmp / f"subs-{assignment.name}"
    if not subs.exists():
        subs.mkdir()
        sources = sources_for(assignment)
        for i in range(n):
            (subs / f"student{i:04d}.py").write_text(sources[i % len(sources)] + f"\n# {i}\n")
    pool.POOL.close()
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
    run_batch(BatchRequest(warm_subs, assignment, warm, LEVEL, workers=workers))
    start_s = time.perf_counter() - start
    samples = []
    for round_ in range(repeat):
        # The floor is measured right before and right after each batch, while the zygotes
        # are idle: on a shared machine the speed of both drifts from minute to minute, and
        # a ratio of figures taken minutes apart measures the drift as much as the grader.
        before = floor_s(assignment)
        started = time.perf_counter()
        report = run_batch(BatchRequest(subs, assignment,
                                        tmp / f"out-{assignment.name}-{workers}-{round_}",
                                        LEVEL, workers=workers))
        elapsed = time.perf_counter() - started
        assert report.graded_now == n, report.graded_now
        samples.append(Sample(elapsed, (before + floor_s(assignment)) / 2, n, workers))
    peaks = [z.stats() for z in pool.POOL.idle()]
    zygote_mib = max((p["zygote_peak_kib"] for p in peaks), default=0) / 1024
    child_mib = max((p["child_peak_kib"] for p in peaks), default=0) / 1024
    ratios = sorted(s.ratio for s in samples)
    worker_ratios = sorted(s.worker_ratio for s in samples)
    middle = sorted(samples, key=lambda s: s.ratio)[len(samples) // 2]
    print(f"  --workers {workers}: {n / middle.elapsed:5.1f} submissions/s   "
          f"floor {middle.floor * 1000:4.1f} ms   "
          f"per submission {middle.per_submission * 1000:5.1f} ms = {middle.ratio:3.1f}x floor "
          f"(of {len(ratios)}: {' '.join(f'{r:.1f}' for r in ratios)})   "
          f"per worker {middle.per_worker * 1000:5.1f} ms = {middle.worker_ratio:3.1f}x "
          f"(of {len(ratios)}: {' '.join(f'{r:.1f}' for r in worker_ratios)})   "
          f"peak memory per worker: zygote {zygote_mib:.0f} MiB, child {child_mib:.0f} MiB   "
          f"(start {start_s:.1f} s, sandbox {report.level})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--assignment", nargs="+", default=list(DEFAULTS))
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed batches per worker count; the median is printed")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.assignment:
            assignment = without(load_assignment(ROOT / "assignments" / name),
                                 DEFAULTS.get(name, ()))
            skipped = DEFAULTS.get(name, ())
            print(f"{name}: {args.n} submissions, {len(assignment.checks)} checks "
                  f"(public and hidden)" + (f", without {', '.join(skipped)}" if skipped else ""))
            for workers in args.workers:
                measure(assignment, args.n, workers, Path(tmp), args.repeat)
    pool.POOL.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
