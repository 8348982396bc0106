"""What a sandbox session produced: per run an observation or why there is none, and what
the submission printed, as one immutable record.

:class:`Observations` is built once, when a session ends (or when recorded references are
read back), and never changed after: judging reads it, a reference cache shares it between
threads, and a note added later (stale references) makes a new record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from grader.model.plan import RunKey


@dataclass(frozen=True)
class Observed:
    """A run that completed: the scenario's return value (or what it raised)."""

    value: Any
    duration_s: float = 0.0


@dataclass(frozen=True)
class RunFailure:
    """A run that produced no observation: the child crashed, hung, or the device is absent."""

    status: Literal["error", "timeout", "skipped"]
    message: str
    duration_s: float = 0.0


OVER_TIME_LIMIT = "took longer than {limit:g} s and was stopped (an endless loop?)"
"""A run stopped at its check's time limit (not at the CPU-time or the submission's limit):
the session then skips the rest of its exercise."""


Outcome = Observed | RunFailure


@dataclass(frozen=True)
class Observations:
    """Everything one session (with the children its crashes took) produced."""

    outcomes: Mapping[RunKey, Outcome] = field(default_factory=dict)
    load_failure: str | None = None
    """Why the module could not be loaded, in one line for the student; None when it was."""
    load_failure_summary: str | None = None
    """The same in words that carry nothing of what the module's process wrote, but the
    compiler's (a syntax error's file, line and text)."""
    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    cuda_device: str | None = None
    duration_s: float = 0.0
    notes: tuple[str, ...] = ()
    """What the student should know that is not a check's verdict (a notebook cell failed)."""
    recorded: bool = False
    """True for a reference read from ``grade build``'s files rather than run just now."""

    @property
    def truncated(self) -> bool:
        """Whether more output came than was kept."""
        return (self.stdout_bytes > len(self.stdout.encode())
                or self.stderr_bytes > len(self.stderr.encode()))
