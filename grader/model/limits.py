"""Resource limits for a child that runs student code: defaults, per-assignment overrides
(``[limits]`` in assignment.toml) and per-check overrides (``check(..., limits={...})``).

The memory limit is address space *beyond* what the child uses once torch is imported:
torch maps a few hundred MiB of virtual memory at start, so an absolute RLIMIT_AS small
enough to stop a runaway allocation would also stop torch from starting.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from grader.errors import AssignmentError

PER_CHECK = ("cpu_s", "memory_mb", "processes", "file_size_mb", "open_files", "output_kb",
             "scratch_mb")
"""The limits one check may override. A check's wall clock is its ``time_limit``; ``wall_s``
and ``load_s`` belong to the whole submission."""


@dataclass(frozen=True)
class Limits:
    """Limits for one submission's child process (a fresh child after a crash gets fresh ones)."""

    wall_s: float = 120.0
    """Wall-clock seconds for the whole submission, all checks together."""
    cpu_s: int = 120
    """CPU seconds for one child process once torch is imported (RLIMIT_CPU)."""
    memory_mb: int = 2048
    """Extra address space the child may map after importing torch (RLIMIT_AS)."""
    processes: int = 64
    """Processes and threads the child may add (RLIMIT_NPROC, above what its user already runs)."""
    file_size_mb: int = 16
    """Largest file the child may write (RLIMIT_FSIZE)."""
    open_files: int = 256
    """Open file descriptors (RLIMIT_NOFILE)."""
    output_kb: int = 64
    """Captured stdout and stderr kept per stream; the rest is read and thrown away."""
    scratch_mb: int = 256
    """At the strict level, the memory of every place a submission can write: ``/tmp``
    (which holds its work dir, three quarters) and ``/dev/shm`` (a quarter), together."""
    load_s: float = 30.0
    """Wall-clock seconds to start the child and import the submission (all of a notebook's
    cells together)."""
    cell_s: float = 10.0
    """Wall-clock seconds for one notebook cell's top-level code; the next cell then runs."""

    def override(self, values: dict[str, Any], where: str) -> Limits:
        """These limits with ``values`` applied; unknown keys and bad types are refused."""
        known = {f.name: f.type for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise AssignmentError(f"{where}: unknown limit {key!r} (known: {', '.join(known)})")
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise AssignmentError(f"{where}: limit {key!r} must be a positive number")
        return replace(self, **values)

    def for_check(self, overrides: tuple[tuple[str, float], ...]) -> Limits:
        """The limits a check runs under: these, with the check's own overrides."""
        values: dict[str, Any] = dict(overrides)
        return replace(self, **values) if overrides else self


def check_overrides(values: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    """A check's ``limits=`` as a hashable, validated tuple; raises ``ValueError`` for keys a
    check cannot override and for values that are not positive numbers."""
    for key, value in values.items():
        if key not in PER_CHECK:
            hint = (" (a check's wall clock is its time_limit=)"
                    if key in ("wall_s", "load_s") else "")
            raise ValueError(f"a check cannot override limit {key!r}{hint}; "
                             f"it can override {', '.join(PER_CHECK)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"limit {key!r} must be a positive number")
    return tuple(sorted(values.items()))
