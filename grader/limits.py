"""Resource limits for a child that runs student code, with defaults and per-assignment overrides.

The memory limit is address space *beyond* what the child uses once torch is imported:
torch maps a few hundred MiB of virtual memory at start, so an absolute RLIMIT_AS small
enough to stop a runaway allocation would also stop torch from starting.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from grader.errors import AssignmentError


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
    load_s: float = 30.0
    """Wall-clock seconds to start the child and import the submission."""

    def override(self, values: dict[str, Any], where: str) -> Limits:
        """These limits with ``values`` applied; unknown keys and bad types are refused."""
        known = {f.name: f.type for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise AssignmentError(f"{where}: unknown limit {key!r} (known: {', '.join(known)})")
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise AssignmentError(f"{where}: limit {key!r} must be a positive number")
        return replace(self, **values)
