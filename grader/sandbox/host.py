"""What this machine offers a sandbox, and which guarantees go missing where it offers less.

The grader's isolation was built on Linux: a warm zygote that forks a child per submission
(:mod:`grader.sandbox.zygote`), rlimits set in the child (:mod:`resource`), ``/proc`` to
count a user's processes and a process's address space, ``SIGALRM`` to stop a check that
runs too long, sessions (``setsid``/``killpg``) to end everything a submission started.
Students also work on macOS and Windows:

- **macOS** has ``fork``, but forking a process that imported torch is unsafe there (the
  Objective-C runtime and Accelerate's threads), so each submission gets a freshly spawned
  interpreter (:mod:`grader.sandbox.spawned`). It has rlimits, but no ``/proc``: the caps
  on processes and on memory, which count from what exists already, are not set.
- **Windows** has no ``fork``, no :mod:`resource`, no ``SIGALRM``, no sessions, and its
  ``select`` takes no pipes: children are spawned, a check's time limit is kept by a
  watchdog thread that interrupts the main thread, a submission is ended with its process
  (what it started may outlive it), and a thread copies each of a child's pipes to a
  socket the grader can wait on.

Each missing piece is a flag of :class:`Host`. ``GRADE_SIMULATE_HOST=macos|windows`` makes
:func:`current` report that host's flags on Linux, so the code paths that run there are
tested where the test suite runs; nothing else about the process changes.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from dataclasses import asdict, dataclass
from typing import Literal

HostName = Literal["linux", "macos", "windows", "other"]

# Signals a child's end may be explained by; Windows has none of these (its exit codes are
# never negative, so the numbers, Linux's, are never matched there).
SIGKILL: int = getattr(signal, "SIGKILL", 9)
SIGXCPU: int = getattr(signal, "SIGXCPU", 24)
SIGXFSZ: int = getattr(signal, "SIGXFSZ", 25)
SIMULATE_ENV = "GRADE_SIMULATE_HOST"


@dataclass(frozen=True)
class Host:
    """The pieces of isolation this machine has (see the module's docstring)."""

    name: HostName
    fork_server: bool
    """A warm zygote may fork a child per submission (Linux only)."""
    rlimits: bool
    """:mod:`resource` is there: CPU time, file size, open files, core dumps are capped."""
    proc: bool
    """``/proc`` is there: the process and memory caps can be set (they count from now)."""
    alarm: bool
    """``signal.setitimer``: a check's time limit interrupts it by signal; else by a
    watchdog thread (which cannot interrupt a long call into C)."""
    sessions: bool
    """``setsid``/``killpg``: ending a submission ends every process it started."""
    select_pipes: bool = True
    """``select`` waits on pipes (not on Windows, where a thread copies each child pipe to
    a socket: :mod:`grader.sandbox.pipes`). The grader's side only: not sent to a child."""

    def as_job(self) -> dict[str, bool]:
        """What a child needs to know of it (it travels in the child's job)."""
        return {k: v for k, v in asdict(self).items()
                if isinstance(v, bool) and k != "select_pipes"}

    def missing(self) -> list[str]:
        """The guarantees of the basic level that this host cannot give, in words."""
        out = []
        if not self.rlimits:
            out.append("no CPU-time, memory, file-size or process limits (the wall-clock "
                       "limits still apply)")
        elif not self.proc:
            out.append("no memory or process-count limits")
        if not self.alarm:
            out.append("a check stuck inside a single long call into C runs until the "
                       "submission's time limit ends the process")
        if not self.sessions:
            out.append("processes a submission starts may outlive it")
        return out


_SIMULATED: dict[str, Host] = {
    "macos": Host("macos", fork_server=False, rlimits=True, proc=False, alarm=True,
                  sessions=True),
    "windows": Host("windows", fork_server=False, rlimits=False, proc=False, alarm=False,
                    sessions=False, select_pipes=False),
}


@functools.cache
def detect() -> Host:
    """This machine's host, as it is (asked once per process: every child's job carries
    it)."""
    name: HostName = ("linux" if sys.platform.startswith("linux") else
                      "macos" if sys.platform == "darwin" else
                      "windows" if sys.platform == "win32" else "other")
    try:
        import resource  # noqa: F401
        rlimits = True
    except ImportError:
        rlimits = False
    return Host(name,
                fork_server=name == "linux" and hasattr(os, "fork"),
                rlimits=rlimits,
                proc=os.path.isfile("/proc/self/status"),
                alarm=hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM"),
                sessions=hasattr(os, "setsid") and hasattr(os, "killpg"),
                select_pipes=name != "windows")


def current() -> Host:
    """The host to run as: this machine's, or the one ``GRADE_SIMULATE_HOST`` names."""
    simulated = os.environ.get(SIMULATE_ENV, "").strip().lower()
    if simulated in _SIMULATED:
        return _SIMULATED[simulated]
    return detect()


def from_job(flags: dict[str, bool] | None) -> Host:
    """The host a child was told it runs on (its job's ``host``); this machine's where the
    job says nothing."""
    if not flags:
        return detect()
    return Host(name="other", **{k: bool(flags.get(k, False)) for k in
                                 ("fork_server", "rlimits", "proc", "alarm", "sessions")})
