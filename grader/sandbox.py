"""Run a module's scenarios in an isolated child process and collect what it observed.

Each child is forked from a warm zygote (:mod:`grader.forkserver`, :mod:`grader.zygote`)
that already imported torch and the grader, so a child costs milliseconds rather than the
second a fresh interpreter and torch take. The child (:mod:`grader.child`) gets its own
work dir holding only the submission's files, a scrubbed environment, stdin from
``/dev/null``, its own session, and resource limits it sets on itself before any submitted
code is imported; at the strict level the zygote and its children live inside bubblewrap.
Observations come back over a private pipe, never stdout. This parent enforces the wall
clock: per run (the check's time limit plus a grace), for the import, and for the whole
submission. A child that crashes, exits or hangs is killed with its whole session; the run
in flight becomes an ``error`` or ``timeout`` and a fresh child carries on with the runs
that remain, so every result already produced survives.
"""

from __future__ import annotations

import functools
import hashlib
import os
import selectors
import shutil
import signal
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from grader import forkserver, jail
from grader.assignments import Assignment, CheckSource
from grader.errors import GraderError
from grader.limits import Limits
from grader.notebooks import NotebookCell, cell_failure
from grader.observations import Observed, RunFailure, RunKey, RunReport
from grader.wire import FrameReader, WireError, decode_raised, decode_value

GRACE_S = 2.0


@dataclass(frozen=True)
class ModuleUnderTest:
    """The module a child loads: a student's file (with the files beside it) or a solution.

    A notebook travels as its cells (:mod:`grader.notebooks`), run one by one in the child;
    one that cannot be read at all has a ``problem`` instead, and no child is started.
    """

    name: str
    source: Path
    display: str
    extra_files: tuple[tuple[str, Path], ...] = ()
    cells: tuple[NotebookCell, ...] = ()
    notes: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def file_name(self) -> str:
        """Its name in the work dir: the module's for a .py file, the notebook's own."""
        return self.source.name if self.cells else f"{self.name}.py"


@dataclass(frozen=True)
class SessionJob:
    """Everything a child session needs, and nothing it should not see."""

    assignment: Assignment
    module: ModuleUnderTest
    runs: tuple[RunKey, ...]
    include_hidden: bool
    limits: Limits
    allow_cuda: bool = True
    level: str = "basic"  # "strict": inside bubblewrap (grader.jail)


def run_session(job: SessionJob) -> RunReport:
    """Run every run of ``job`` in children (restarting after a crash); never raises for
    anything the module under test does.

    Runs of checks that override limits go to children of their own, started with those
    limits: a limit is set once, before the module is imported, and cannot be raised again.
    """
    report = RunReport()
    started = time.monotonic()
    deadline = started + job.limits.wall_s
    launcher = _Launcher(job.level, job.allow_cuda)
    try:
        for limits, runs in _group_by_limits(job):
            _run_group(replace(job, limits=limits, runs=runs), launcher, deadline, report)
            if report.load_error or report.load_message:
                break
    finally:
        launcher.close()
    report.duration_s = time.monotonic() - started
    return report


class _Launcher:
    """Children for one session, forked from a warm zygote lent by the pool; a zygote that
    a submission killed is replaced for the children that remain."""

    def __init__(self, level: str, allow_cuda: bool) -> None:
        self.level, self.allow_cuda = level, allow_cuda
        self.zygote: forkserver.Zygote | None = None

    def current(self) -> forkserver.Zygote:
        if self.zygote is not None and not self.zygote.alive():
            self.zygote.close()
            self.zygote = None
        if self.zygote is None:
            try:
                self.zygote = forkserver.POOL.acquire(self.level, self.allow_cuda)
            except (forkserver.ZygoteGone, OSError) as exc:
                raise GraderError(f"cannot start a grading process: {exc}") from None
        return self.zygote

    def workdir(self) -> Path:
        return self.current().root / "job"

    def close(self) -> None:
        if self.zygote is not None:
            forkserver.POOL.release(self.zygote)
            self.zygote = None


def _group_by_limits(job: SessionJob) -> list[tuple[Limits, tuple[RunKey, ...]]]:
    """The runs by the limits they need, in order of first appearance."""
    groups: dict[Limits, list[RunKey]] = {}
    for key in job.runs:
        limits = job.limits.for_check(job.assignment.check(key.check).limits)
        groups.setdefault(limits, []).append(key)
    return [(limits, tuple(runs)) for limits, runs in groups.items()]


def _run_group(job: SessionJob, launcher: _Launcher, deadline: float,
               report: RunReport) -> None:
    """Run ``job.runs`` in as many children as crashes make necessary."""
    pending = list(job.runs)
    while pending:
        if time.monotonic() >= deadline:
            for key in pending:
                report.outcomes[key] = RunFailure(
                    "timeout", f"not run: the submission used up its {job.limits.wall_s:g} s "
                               "time limit")
            return
        workdir = launcher.workdir()
        _prepare_workdir(workdir, job.module)
        child = _Child(job, pending, workdir, deadline, report)
        child.run(launcher.current())
        done = [k for k in pending if k in report.outcomes]
        pending = [k for k in pending if k not in report.outcomes]
        if report.load_error or report.load_message:
            return
        if pending and not done and time.monotonic() < deadline:
            report.outcomes[pending[0]] = RunFailure("error", child.exit_description())
            pending = pending[1:]


def _prepare_workdir(workdir: Path, module: ModuleUnderTest) -> None:
    """A fresh copy of the module's files: what a crashed child wrote or deleted is undone."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(mode=0o700)
    for rel, src in module.extra_files:
        dest = workdir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    shutil.copyfile(module.source, workdir / module.file_name)


@functools.lru_cache(maxsize=64)
def checks_key(sources: tuple[CheckSource, ...]) -> str:
    """Names a set of check files by their content, for a zygote that loaded them already."""
    digest = hashlib.sha256()
    for source in sources:
        for text in (source.kind, source.filename, source.source):
            digest.update(text.encode() + b"\0")
    return digest.hexdigest()


class _Stream:
    """Captured output of one stream: the first ``limit`` bytes kept, the rest counted."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.kept = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += data[:room]

    def text(self) -> str:
        text = self.kept.decode("utf-8", errors="replace")
        if self.total > len(self.kept):
            text += f"\n[... output truncated: {self.total - len(self.kept)} more bytes ...]\n"
        return text


class _Child:
    """One child process and the loop that reads it until it is done, dead or out of time."""

    def __init__(self, job: SessionJob, runs: list[RunKey], workdir: Path, deadline: float,
                 report: RunReport) -> None:
        self.job, self.runs, self.workdir = job, runs, workdir
        self.expected = set(runs)
        self.time_limits = {c.id: c.time_limit_s for c in job.assignment.checks}
        self.deadline, self.report = deadline, report
        self.in_flight: RunKey | None = None
        self.in_flight_since = 0.0
        self._next = 0  # runs before this index have their outcome
        self.cuda = False  # what the child said of itself before the module was imported
        self.loaded = False
        self.killed_for: str | None = None
        self.channel_closed = False
        self.returncode: int | None = None

    def _job(self) -> dict[str, Any]:
        a, m = self.job.assignment, self.job.module
        sources = a.sources_for(self.job.include_hidden)
        return {
            "assignment": a.name,
            "checks": checks_key(sources),
            "sources": [asdict(s) for s in sources],
            "module": m.name,
            "path": str(self.workdir / m.file_name),
            "cells": [asdict(c) for c in m.cells],
            "display": m.display,
            "workdir": str(self.workdir),
            "environment": jail.child_environment(self.workdir),
            "limits": asdict(self.job.limits),
            "allow_cuda": self.job.allow_cuda,
            "runs": [{"check": k.check, "device": k.device, "hint": k.hint} for k in self.runs],
        }

    def run(self, zygote: forkserver.Zygote) -> None:
        self.report.current_cell = None
        try:
            forked = zygote.spawn(self._job())
        except forkserver.ZygoteGone as exc:
            self.killed_for = f"could not be started ({exc})"
            self._settle()
            return
        limit = self.job.limits.output_kb * 1024
        streams = {forked.stdout: _Stream("stdout", limit),
                   forked.stderr: _Stream("stderr", limit)}
        try:
            self._loop(forked.frames, streams)
        finally:
            status = zygote.wait(forked.pid, 1.0) if self.channel_closed else None
            if status is None:
                zygote.kill(forked.pid)
                status = zygote.wait(forked.pid, 5.0)
            os.close(forked.frames)
            self.returncode = status
            _drain(streams)
            self._store_output(streams)
        self._settle()

    def _store_output(self, streams: dict[int, _Stream]) -> None:
        for stream in streams.values():
            name = stream.name
            setattr(self.report, name, getattr(self.report, name) + stream.text())
            setattr(self.report, f"{name}_bytes",
                    getattr(self.report, f"{name}_bytes") + stream.total)

    def _loop(self, out_r: int, streams: dict[int, _Stream]) -> None:
        reader = FrameReader()
        sel = selectors.DefaultSelector()
        sel.register(out_r, selectors.EVENT_READ, "frames")
        for pipe in streams:
            sel.register(pipe, selectors.EVENT_READ, "output")
        spawned = time.monotonic()
        open_channels = 3
        try:
            while open_channels:
                wait = self._time_left(spawned)
                if wait <= 0:
                    self._on_time_out(spawned)
                    return
                for sk, _ in sel.select(timeout=min(wait, 0.5)):
                    data = os.read(sk.fd, 65536)
                    if not data:
                        sel.unregister(sk.fd)
                        open_channels -= 1
                        if sk.data == "frames":
                            self.channel_closed = True
                            return  # the child is gone (or closed its channel)
                        continue
                    if sk.data == "output":
                        streams[sk.fd].feed(data)
                        continue
                    try:
                        frames = reader.feed(data)
                        for frame in frames:
                            if self._on_frame(frame):
                                return
                    except (WireError, KeyError, TypeError, ValueError) as exc:
                        self.killed_for = f"sent a malformed observation ({exc})"
                        return
        finally:
            sel.close()

    def _time_left(self, spawned: float) -> float:
        now = time.monotonic()
        left = self.deadline - now
        if not self.loaded:
            left = min(left, spawned + self.job.limits.load_s - now)
        elif self.in_flight is not None:
            limit = self.time_limits[self.in_flight.check]
            left = min(left, self.in_flight_since + limit + GRACE_S - now)
        return left

    def _on_time_out(self, spawned: float) -> None:
        now = time.monotonic()
        if not self.loaded:
            if now >= self.deadline:
                self.report.load_message = (f"loading {self.job.module.display} used up the "
                                            f"submission's {self.job.limits.wall_s:g} s limit")
            elif self.report.current_cell is not None:
                self.report.load_message = (
                    f"{self.job.module.display}, cell {self.report.current_cell} was still "
                    f"running when the notebook's cells had used up their "
                    f"{self.job.limits.load_s:g} s (does it catch the interruption, or train "
                    "or download at top level?)")
            else:
                self.report.load_message = (
                    f"{self.job.module.display} took longer than {self.job.limits.load_s:g} s "
                    "to import (is there an endless loop or a long computation at top level?)")
            return
        if self.in_flight is not None:
            key = self.in_flight
            limit = self.time_limits[key.check]
            if now >= self.deadline:
                message = (f"stopped: the submission used up its {self.job.limits.wall_s:g} s "
                           "time limit during this check")
            else:
                message = f"took longer than {limit:g} s and was stopped (an endless loop?)"
            self.report.outcomes[key] = RunFailure("timeout", message, now - self.in_flight_since)
            self.in_flight = None

    def _on_frame(self, frame: dict[str, Any]) -> bool:
        """Handle one frame; True when the child is finished."""
        kind = frame["kind"]
        if kind == "hello":  # sent before the module is imported: no submission forges it
            if self.loaded:
                raise WireError("hello after the module was loaded")
            cuda = frame.get("cuda")
            self.cuda = bool(cuda)
            self.report.cuda_device = str(cuda)[:200] if cuda else None
            return False
        if kind == "loaded":
            self.loaded = True
            self._advance()
            return False
        if kind == "load_failed":
            self.report.load_error = decode_raised(frame["error"])
            return True
        if kind == "done":
            return True
        if kind in ("cell", "cell_failed") and not self.loaded:
            self._on_cell(frame)
            return False
        if not self.loaded:
            raise WireError(f"{kind} before the module was loaded")
        hint = frame.get("hint")
        key = RunKey(str(frame["check"]), str(frame["device"]),
                     hint if isinstance(hint, int) else None)
        if kind == "skipped":
            # Only a child without CUDA skips, and only CUDA runs: a forged skip on a GPU
            # machine would move a check's points to the CPU, dodging its CUDA failure.
            if (key not in self.expected or key in self.report.outcomes
                    or key.device != "cuda" or self.cuda):
                raise WireError(f"unexpected run {key}")
            self.report.outcomes[key] = RunFailure("skipped", str(frame.get("reason", ""))[:200])
        elif key != self.in_flight:
            raise WireError(f"unexpected run {key}")
        elif kind == "observed":
            duration = float(frame.get("duration_s", 0.0))
            self.report.outcomes[key] = Observed(decode_value(frame["value"]), duration)
        elif kind == "timeout":
            limit = self.time_limits[key.check]
            self.report.outcomes[key] = RunFailure(
                "timeout", f"took longer than {limit:g} s and was stopped (an endless loop?)",
                float(frame.get("duration_s", 0.0)))
        else:
            raise WireError(f"unknown frame kind {kind!r}")
        self._advance()
        return False

    def _advance(self) -> None:
        """The run the child is on now: it runs them in the order it was given, one after
        the other, so the first without an outcome is in flight from the moment the one
        before it (or the import) ended. No frame announces a run: one write fewer per run,
        and a child that dies between runs still has the next one blamed, as it would if
        the run had begun."""
        outcomes = self.report.outcomes
        while self._next < len(self.runs) and self.runs[self._next] in outcomes:
            self._next += 1
        self.in_flight = self.runs[self._next] if self._next < len(self.runs) else None
        self.in_flight_since = time.monotonic()

    def _on_cell(self, frame: dict[str, Any]) -> None:
        number = int(frame["cell"])
        if not any(c.number == number for c in self.job.module.cells):
            raise WireError(f"no code cell {number}")
        self.report.current_cell = number
        if frame["kind"] == "cell":
            return
        where = f"{self.job.module.display}, cell {number}"
        if frame.get("timeout"):
            note = (f"{where} took longer than {self.job.limits.cell_s:g} s and was stopped; "
                    "the other cells still ran")
        else:
            note = cell_failure(decode_raised(frame["error"]), where)
        if note not in self.report.notes:  # a restarted child runs the cells again
            self.report.notes.append(note)

    def _settle(self) -> None:
        """After the child is gone: give the run in flight (or the import) its verdict."""
        if self.report.load_error or self.report.load_message:
            return
        if not self.loaded:
            doing = f"importing {self.job.module.display}"
            if self.report.current_cell is not None:
                doing = f"running {self.job.module.display}, cell {self.report.current_cell}"
            self.report.load_message = f"the process ended while {doing}: " \
                                       f"{self.exit_description()}"
            return
        if self.in_flight is not None and self.in_flight not in self.report.outcomes:
            self.report.outcomes[self.in_flight] = RunFailure(
                "timeout" if self.returncode == -signal.SIGXCPU else "error",
                self.exit_description(), time.monotonic() - self.in_flight_since)

    def exit_description(self) -> str:
        if self.killed_for:
            return f"the process {self.killed_for}"
        code = self.returncode
        if code is None or code == -signal.SIGKILL:
            return ("the process was killed (SIGKILL), most likely for using more memory than "
                    f"the {self.job.limits.memory_mb} MiB limit")
        if code < 0:
            sig = -code
            reasons: dict[int, str] = {
                signal.SIGXCPU: f"used more than its {self.job.limits.cpu_s} s of CPU time",
                signal.SIGSEGV: "crashed (segmentation fault)",
                signal.SIGXFSZ: f"wrote a file larger than {self.job.limits.file_size_mb} MiB",
                signal.SIGABRT: "aborted (SIGABRT)",
            }
            name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else sig
            return f"the process {reasons.get(sig, f'was killed by signal {name}')}"
        return (f"the process exited with status {code} before finishing "
                "(does the code call os._exit() or exit()?)")


def _drain(streams: dict[int, _Stream]) -> None:
    """Read what the killed child left in its output pipes, then close them."""
    sel = selectors.DefaultSelector()
    for fd in streams:
        sel.register(fd, selectors.EVENT_READ)
    end = time.monotonic() + 0.5
    while sel.get_map() and time.monotonic() < end:
        for sk, _ in sel.select(timeout=0.1):
            data = os.read(sk.fd, 65536)
            if data:
                streams[sk.fd].feed(data)
            else:
                sel.unregister(sk.fd)
    sel.close()
    for fd in streams:
        os.close(fd)
