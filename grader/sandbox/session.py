"""A session: every run of one module, in sandboxed children, into :class:`Observations`.

Each child is forked from a warm zygote (:mod:`grader.sandbox.pool`,
:mod:`grader.sandbox.zygote`) that already imported torch and the grader, so a child costs
milliseconds rather than the seconds a fresh interpreter and torch take. The child
(:mod:`grader.sandbox.child`) gets its own work dir holding only the module's files, a
scrubbed environment, stdin from ``/dev/null``, its own session, and resource limits it sets
on itself before any submitted code is imported; at the strict level the zygote and its
children live inside bubblewrap (:mod:`grader.sandbox.jail`). Observations come back over a
private pipe, never stdout (:mod:`grader.sandbox.supervisor` reads it). The grader enforces
the wall clock: per run (the check's time limit plus a grace), for the import, and for the
whole submission. A child that crashes, exits or hangs is killed with its whole session; the
run in flight becomes an ``error`` or ``timeout`` and a fresh child carries on with the runs
that remain, so every result already produced survives.

A session is given a :class:`SessionJob`: the module, a :class:`~grader.model.plan.Plan` (the
check files' text, the runs, each check's limits) and the level. It never sees the live
assignment, and never raises for anything the module does.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.intake.submissions import ModuleUnderTest
from grader.model.limits import Limits
from grader.model.plan import Plan, RunKey
from grader.sandbox import host, jail, pool
from grader.sandbox.jail import Level
from grader.sandbox.outcomes import OVER_TIME_LIMIT, Observations, RunFailure
from grader.sandbox.protocol import ChildJob
from grader.sandbox.supervisor import Collector, Supervisor


@dataclass(frozen=True)
class SessionJob:
    """Everything a session needs, and nothing it should not see."""

    plan: Plan
    module: ModuleUnderTest
    level: Level
    allow_cuda: bool = True


Executor = Callable[[SessionJob], Observations]
"""What runs a session: :func:`run_session` in the sandbox; tests may give the judging
stages another that needs no child process."""


def run_session(job: SessionJob) -> Observations:
    """Run every run of ``job`` in children (restarting after a crash).

    Runs of checks that override limits go to children of their own, started with those
    limits: a limit is set once, before the module is imported, and cannot be raised again.
    """
    started = time.monotonic()
    if job.module.problem is not None:  # a notebook that cannot be read: nothing to run
        return Observations(load_failure=job.module.problem,
                            load_failure_summary=job.module.problem, notes=job.module.notes)
    collector = Collector()
    deadline = started + job.plan.limits.wall_s
    launcher = _Launcher(job.level, job.allow_cuda)
    try:
        for limits, runs in _group_by_limits(job.plan):
            _run_group(job, limits, runs, launcher, deadline, collector)
            if collector.load_failed:
                break
    finally:
        launcher.close()
    return collector.freeze(time.monotonic() - started, job.module.notes)


class _Launcher:
    """Children for one session, forked from a warm zygote lent by the pool; a zygote that
    a submission killed is replaced for the children that remain."""

    def __init__(self, level: Level, allow_cuda: bool) -> None:
        self.level, self.allow_cuda = level, allow_cuda
        self.zygote: pool.Parent | None = None

    def current(self, scratch_mb: int) -> pool.Parent:
        """A live zygote whose writable places hold ``scratch_mb`` (at the strict level they
        are made when it starts: runs under another size need another zygote)."""
        if self.zygote is not None and not self.zygote.alive():
            self.zygote.close()
            self.zygote = None
        if (self.zygote is not None and self.level == "strict"
                and self.zygote.scratch_mb != scratch_mb):
            pool.POOL.release(self.zygote)
            self.zygote = None
        if self.zygote is None:
            try:
                self.zygote = pool.POOL.acquire(self.level, self.allow_cuda, scratch_mb)
            except (pool.ZygoteGone, OSError) as exc:
                raise GraderError(f"cannot start a grading process: {exc}") from None
        return self.zygote

    def workdir(self, scratch_mb: int) -> Path:
        return self.current(scratch_mb).root / "job"

    def close(self) -> None:
        if self.zygote is not None:
            pool.POOL.release(self.zygote)
            self.zygote = None


def _group_by_limits(plan: Plan) -> list[tuple[Limits, tuple[RunKey, ...]]]:
    """The runs in the plan's order, cut where the limits they need change: each piece is
    one child's. The order is kept whole because it is a promise: a plan lists the public
    checks' runs before the hidden ones', so no public run happens in a process that has
    already run a hidden check (whose inputs it could quote in a public check's message)."""
    groups: list[tuple[Limits, list[RunKey]]] = []
    for key in plan.runs:
        limits = plan.by_id[key.check].limits
        if not groups or groups[-1][0] != limits:
            groups.append((limits, []))
        groups[-1][1].append(key)
    return [(limits, tuple(runs)) for limits, runs in groups]


def _run_group(job: SessionJob, limits: Limits, runs: tuple[RunKey, ...], launcher: _Launcher,
               deadline: float, collector: Collector) -> None:
    """Run ``runs`` in as many children as crashes make necessary."""
    time_limits = {c.id: c.time_limit_s for c in job.plan.checks}
    pending = list(runs)
    while pending:
        pending = _skip_timed_out_exercises(pending, collector)
        if not pending:
            return
        if time.monotonic() >= deadline:
            for key in pending:
                collector.outcomes[key] = RunFailure(
                    "timeout", f"not run: the submission used up its {limits.wall_s:g} s "
                               "time limit")
            return
        workdir = launcher.workdir(limits.scratch_mb)
        _prepare_workdir(workdir, job.module)
        child = Supervisor(_child_job(job, pending, limits, workdir), pending, job.module, limits,
                           time_limits, deadline, collector)
        child.run(launcher.current(limits.scratch_mb))
        done = [k for k in pending if k in collector.outcomes]
        pending = [k for k in pending if k not in collector.outcomes]
        if collector.load_failed:
            return
        if pending and not done and time.monotonic() < deadline:
            collector.outcomes[pending[0]] = RunFailure("error", child.exit_description())
            pending = pending[1:]


_OVER_TIME_LIMIT = OVER_TIME_LIMIT.split("{", 1)[0]


def _exercise(check_id: str) -> str:
    return check_id.split("/", 1)[0]


def _skip_timed_out_exercises(pending: list[RunKey], collector: Collector) -> list[RunKey]:
    """``pending`` without the runs of exercises where a run was stopped at its time limit,
    which are reported as ``timeout`` without running: one endless loop costs its own exercise one
    check's time limit, not the others' share of the submission's wall clock."""
    culprits: dict[str, str] = {}
    for key, outcome in collector.outcomes.items():
        if (isinstance(outcome, RunFailure) and outcome.status == "timeout"
                and outcome.message.startswith(_OVER_TIME_LIMIT)):
            culprits.setdefault(_exercise(key.check), key.check)
    if not culprits:
        return pending
    left = []
    for key in pending:
        culprit = culprits.get(_exercise(key.check))
        if culprit is None:
            left.append(key)
        else:
            collector.outcomes[key] = RunFailure(
                "timeout", f"not run: {culprit} ran out of time first, so the rest of "
                           f"{_exercise(key.check)} was skipped (its other checks would "
                           "likely loop too)")
    return left


def _child_job(job: SessionJob, runs: list[RunKey], limits: Limits, workdir: Path) -> ChildJob:
    plan, module = job.plan, job.module
    child: ChildJob = {
        "assignment": plan.assignment,
        "checks": plan.key,
        "sources": [{"kind": s.kind, "filename": s.filename, "source": s.source}
                    for s in plan.sources],
        "module": module.name,
        "path": str(workdir / module.file_name),
        "cells": [{"number": c.number, "source": c.source, "mode": c.mode,
                   "dropped": c.dropped} for c in module.cells],
        "display": module.display,
        "workdir": str(workdir),
        "environment": jail.child_environment(workdir),
        "limits": asdict(limits),
        "allow_cuda": job.allow_cuda,
        "host": host.current().as_job(),
        "runs": [{"check": k.check, "device": k.device, "hint": k.hint,
                  "time_limit_s": plan.by_id[k.check].time_limit_s,
                  "seed": plan.by_id[k.check].seed} for k in runs],
    }
    if job.level == "strict":
        child["scratch"] = jail.SCRATCH_WORKDIR
        child["environment"] = jail.child_environment(Path(jail.SCRATCH_WORKDIR))
    return child


def _prepare_workdir(workdir: Path, module: ModuleUnderTest) -> None:
    """A fresh copy of the module's files: what a crashed child wrote or deleted is undone."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(mode=0o700)
    for rel, src in module.extra_files:
        dest = workdir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    shutil.copyfile(module.source, workdir / module.file_name)
