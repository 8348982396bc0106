"""One child watched from the grader's side: its frames read and checked, its clocks
enforced, its end explained.

The child's three pipes (stdout, stderr, observation channel) are read together until the
child says ``done``, closes its channel, dies or runs out of time. What it reports goes into
a :class:`Collector` that the session shares between the children a submission needed (a
crash ends one child; a fresh one carries on with the runs that remain); the session turns
it into :class:`~grader.sandbox.outcomes.Observations` when the last one is gone.
"""

from __future__ import annotations

import selectors
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grader.i18n import N_
from grader.intake.notebooks import cell_failure
from grader.intake.submissions import ModuleUnderTest
from grader.model.limits import Limits
from grader.model.observations import Raised
from grader.model.plan import RunKey
from grader.sandbox import host
from grader.sandbox.codec import decode_raised, decode_value
from grader.sandbox.outcomes import OVER_TIME_LIMIT, Observations, Observed, Outcome, RunFailure
from grader.sandbox.pipes import Readable, readable
from grader.sandbox.pool import Parent, ZygoteGone
from grader.sandbox.protocol import TAMPERED_EXIT, ChildFrame, ChildJob, parse_child_frame
from grader.sandbox.wire import FrameReader, WireError

GRACE_S = 2.0
MAX_MESSAGE_CHARS = 200


@dataclass
class Collector:
    """What a session's children reported so far; frozen into Observations at its end."""

    outcomes: dict[RunKey, Outcome] = field(default_factory=dict)
    load_error: Raised | None = None
    load_message: str | None = None
    load_summary: str | None = None
    """``load_message`` where it quotes something of the child's (how its process ended)."""
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    cuda_device: str | None = None
    current_cell: int | None = None
    """The notebook cell the child last started, while it loads one."""
    notes: list[str] = field(default_factory=list)

    @property
    def load_failed(self) -> bool:
        return self.load_error is not None or self.load_message is not None

    def freeze(self, duration_s: float, notes: tuple[str, ...] = ()) -> Observations:
        failure, summary = self.load_message, self.load_summary or self.load_message
        if failure is None and self.load_error is not None:
            failure = describe_load_error(self.load_error)
            summary = summarise_load_error(self.load_error)
        return Observations(
            outcomes=dict(self.outcomes), load_failure=failure, load_failure_summary=summary,
            stdout="".join(self.stdout), stderr="".join(self.stderr),
            stdout_bytes=self.stdout_bytes, stderr_bytes=self.stderr_bytes,
            cuda_device=self.cuda_device, duration_s=duration_s,
            notes=(*notes, *self.notes))


def describe_load_error(exc: Raised) -> str:
    """One line saying why a module raised while it was imported, with the student's file
    and line where there is one (``work.py, line 12: SyntaxError: '(' was never closed``)."""
    if exc.is_a("SyntaxError") or exc.is_a("IndentationError"):
        # str(SyntaxError) reads "'(' was never closed (custom_function.py, line 12)"
        message = exc.message
        if message.endswith(")") and ", line " in message and " (" in message:
            text, _, place = message[:-1].rpartition(" (")
            return f"{place}: {exc.type}: {text}"
        return f"{exc.type}: {message}"
    frames = [f for f in exc.frames if not f.filename.startswith("<")]
    where = f"{frames[-1].filename}, line {frames[-1].lineno}: " if frames else ""
    if exc.is_a("SystemExit"):
        return f"{where}the module called exit({exc.message}) while being imported; remove it"
    return f"{where}{exc.summary()} (while importing the module)"


def summarise_load_error(exc: Raised) -> str:
    """:func:`describe_load_error` in the grader's own words: a syntax error as the compiler
    put it (it read nothing but the student's file), anything else by its kind alone."""
    if exc.is_a("SyntaxError") or exc.is_a("IndentationError"):
        return describe_load_error(exc)
    if exc.is_a("SystemExit"):
        return N_("the module called exit() while being imported; remove it")
    return N_("the module raised an exception while being imported (grade check shows which)")


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


class Supervisor:
    """One child process and the loop that reads it until it is done, dead or out of time.

    ``runs`` are the ones this child makes, in order; ``time_limits`` the wall clock of each
    check; ``deadline`` the submission's. Nothing the child writes is trusted: a frame out
    of order, for a run not in flight, or with a field of the wrong type ends the child.
    """

    def __init__(self, job: ChildJob, runs: list[RunKey], module: ModuleUnderTest,
                 limits: Limits, time_limits: dict[str, float], deadline: float,
                 collector: Collector) -> None:
        self.job, self.runs, self.module, self.limits = job, runs, module, limits
        self.expected = set(runs)
        self.time_limits = time_limits
        self.deadline, self.collector = deadline, collector
        self.in_flight: RunKey | None = None
        self.in_flight_since = 0.0
        self._next = 0  # runs before this index have their outcome
        self.cuda = False  # what the child said of itself before the module was imported
        self.loaded = False
        self.killed_for: str | None = None
        self.channel_closed = False
        self.returncode: int | None = None

    def run(self, zygote: Parent) -> None:
        self.collector.current_cell = None
        try:
            forked = zygote.spawn(self.job)
        except ZygoteGone as exc:
            self.killed_for = f"could not be started ({exc})"
            self._settle()
            return
        limit = self.limits.output_kb * 1024
        pipes = readable([forked.frames, forked.stdout, forked.stderr],
                         pump=not host.current().select_pipes)
        frames, stdout, stderr = pipes.fds
        streams = {stdout: _Stream("stdout", limit), stderr: _Stream("stderr", limit)}
        try:
            self._loop(frames, streams, pipes.read)
        finally:
            status = zygote.wait(forked.pid, 1.0) if self.channel_closed else None
            if status is None:
                zygote.kill(forked.pid)
                status = zygote.wait(forked.pid, 5.0)
            pipes.close(frames)
            self.returncode = status
            _drain(streams, pipes)
            self._store_output(streams)
        self._settle()

    def _store_output(self, streams: dict[int, _Stream]) -> None:
        c = self.collector
        for stream in streams.values():
            if stream.name == "stdout":
                c.stdout.append(stream.text())
                c.stdout_bytes += stream.total
            else:
                c.stderr.append(stream.text())
                c.stderr_bytes += stream.total

    def _loop(self, out_r: int, streams: dict[int, _Stream],
              read: Callable[[int], bytes]) -> None:
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
                    data = read(sk.fd)
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
                        for message in reader.feed(data):
                            if self._on_frame(parse_child_frame(message)):
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
            left = min(left, spawned + self.limits.load_s - now)
        elif self.in_flight is not None:
            limit = self.time_limits[self.in_flight.check]
            left = min(left, self.in_flight_since + limit + GRACE_S - now)
        return left

    def _on_time_out(self, spawned: float) -> None:
        now = time.monotonic()
        c, display = self.collector, self.module.display
        if not self.loaded:
            if now >= self.deadline:
                c.load_message = (f"loading {display} used up the submission's "
                                  f"{self.limits.wall_s:g} s limit")
            elif c.current_cell is not None:
                c.load_message = (
                    f"{display}, cell {c.current_cell} was still running when the notebook's "
                    f"cells had used up their {self.limits.load_s:g} s (does it catch the "
                    "interruption, or train or download at top level?)")
            else:
                c.load_message = (
                    f"{display} took longer than {self.limits.load_s:g} s to import (is there "
                    "an endless loop or a long computation at top level?)")
            return
        if self.in_flight is not None:
            key = self.in_flight
            limit = self.time_limits[key.check]
            if now >= self.deadline:
                message = (f"stopped: the submission used up its {self.limits.wall_s:g} s "
                           "time limit during this check")
            else:
                message = OVER_TIME_LIMIT.format(limit=limit)
            c.outcomes[key] = RunFailure("timeout", message, now - self.in_flight_since)
            self.in_flight = None

    def _on_frame(self, frame: ChildFrame) -> bool:
        """Handle one frame; True when the child is finished."""
        c = self.collector
        if frame["kind"] == "hello":  # sent before the module is imported: no submission forges it
            if self.loaded:
                raise WireError("hello after the module was loaded")
            cuda = frame["cuda"]
            self.cuda = bool(cuda)
            c.cuda_device = cuda[:MAX_MESSAGE_CHARS] if cuda else None
            return False
        if frame["kind"] == "loaded":
            self.loaded = True
            self._advance()
            return False
        if frame["kind"] == "load_failed":
            c.load_error = decode_raised(frame["error"])
            return True
        if frame["kind"] == "done":
            return True
        if frame["kind"] in ("cell", "cell_failed"):
            if self.loaded:
                raise WireError(f"{frame['kind']} after the module was loaded")
            self._on_cell(frame)
            return False
        if not self.loaded:
            raise WireError(f"{frame['kind']} before the module was loaded")
        if frame["kind"] == "skipped":
            key = RunKey(frame["check"], frame["device"], frame["hint"])
            # Only a child without CUDA skips, and only CUDA runs: a forged skip on a GPU
            # machine would move a check's points to the CPU, dodging its CUDA failure.
            if (key not in self.expected or key in c.outcomes
                    or key.device != "cuda" or self.cuda):
                raise WireError(f"unexpected run {key}")
            c.outcomes[key] = RunFailure("skipped", frame["reason"][:MAX_MESSAGE_CHARS])
        elif frame["kind"] == "observed":
            key = self._in_flight(frame)
            c.outcomes[key] = Observed(decode_value(frame["value"]),
                                       float(frame["duration_s"]))
        elif frame["kind"] == "timeout":
            key = self._in_flight(frame)
            limit = self.time_limits[key.check]
            c.outcomes[key] = RunFailure(
                "timeout", OVER_TIME_LIMIT.format(limit=limit),
                float(frame["duration_s"]))
            # The exercise's other runs would likely loop too: the session reports them
            # without running them, and a fresh child carries on with the other exercises.
            return True
        self._advance()
        return False

    def _in_flight(self, frame: Any) -> RunKey:
        key = RunKey(frame["check"], frame["device"], frame["hint"])
        if key != self.in_flight:
            raise WireError(f"unexpected run {key}")
        return key

    def _advance(self) -> None:
        """The run the child is on now: it runs them in the order it was given, one after
        the other, so the first without an outcome is in flight from the moment the one
        before it (or the import) ended. No frame announces a run: one write fewer per run,
        and a child that dies between runs still has the next one blamed, as it would if
        the run had begun."""
        outcomes = self.collector.outcomes
        while self._next < len(self.runs) and self.runs[self._next] in outcomes:
            self._next += 1
        self.in_flight = self.runs[self._next] if self._next < len(self.runs) else None
        self.in_flight_since = time.monotonic()

    def _on_cell(self, frame: Any) -> None:
        number = frame["cell"]
        if not any(cell.number == number for cell in self.module.cells):
            raise WireError(f"no code cell {number}")
        c = self.collector
        c.current_cell = number
        if frame["kind"] == "cell":
            return
        where = f"{self.module.display}, cell {number}"
        if frame.get("timeout"):
            note = (f"{where} took longer than {self.limits.cell_s:g} s and was stopped; "
                    "the other cells still ran")
        else:
            note = cell_failure(decode_raised(frame.get("error")), where)
        if note not in c.notes:  # a restarted child runs the cells again
            c.notes.append(note)

    def _settle(self) -> None:
        """After the child is gone: give the run in flight (or the import) its verdict."""
        c = self.collector
        if c.load_failed:
            return
        if not self.loaded:
            doing = f"importing {self.module.display}"
            if c.current_cell is not None:
                doing = f"running {self.module.display}, cell {c.current_cell}"
            c.load_message = f"the process ended while {doing}: {self.exit_description()}"
            c.load_summary = f"the process ended while {doing}"
            return
        if self.in_flight is not None and self.in_flight not in c.outcomes:
            c.outcomes[self.in_flight] = RunFailure(
                "timeout" if self.returncode == -host.SIGXCPU else "error",
                self.exit_description(), time.monotonic() - self.in_flight_since)

    def exit_description(self) -> str:
        if self.killed_for:
            return f"the process {self.killed_for}"
        code = self.returncode
        if code == TAMPERED_EXIT:
            return ("the submission replaced the grader's own code in its process (the "
                    "encoder of what it reports), so nothing more from it was trusted")
        if code is None or code == -host.SIGKILL:
            return ("the process was killed (SIGKILL), most likely for using more memory than "
                    f"the {self.limits.memory_mb} MiB limit")
        if code < 0:
            sig = -code
            reasons: dict[int, str] = {
                host.SIGXCPU: f"used more than its {self.limits.cpu_s} s of CPU time",
                signal.SIGSEGV: "crashed (segmentation fault)",
                host.SIGXFSZ: f"wrote a file larger than {self.limits.file_size_mb} MiB",
                signal.SIGABRT: "aborted (SIGABRT)",
            }
            name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else sig
            return f"the process {reasons.get(sig, f'was killed by signal {name}')}"
        return (f"the process exited with status {code} before finishing "
                "(does the code call os._exit() or exit()?)")


def _drain(streams: dict[int, _Stream], pipes: Readable) -> None:
    """Read what the killed child left in its output pipes, then close them."""
    sel = selectors.DefaultSelector()
    for fd in streams:
        sel.register(fd, selectors.EVENT_READ)
    end = time.monotonic() + 0.5
    while sel.get_map() and time.monotonic() < end:
        for sk, _ in sel.select(timeout=0.1):
            data = pipes.read(sk.fd)
            if data:
                streams[sk.fd].feed(data)
            else:
                sel.unregister(sk.fd)
    sel.close()
    for fd in streams:
        pipes.close(fd)
