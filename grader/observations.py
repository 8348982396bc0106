"""What a child process reports about one run of a scenario, as plain values.

An observation is a tree of ``None``, ``bool``, ``int``, ``float``, ``str``, lists, tuples,
dicts with string keys, :class:`TensorValue`, :class:`Raised` and :class:`Opaque`. The child
produces it, :mod:`grader.wire` carries it, :mod:`grader.compare` judges it.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

MAX_MESSAGE = 2000
MAX_FRAMES = 40


@dataclass(frozen=True)
class Frame:
    """One traceback frame: where an exception passed."""

    filename: str
    lineno: int
    name: str
    line: str


@dataclass(frozen=True)
class Raised:
    """An exception that a scenario (or the student's code under it) raised.

    ``lineage`` holds the names of the exception's classes, most derived first, so that the
    parent can compare exception types by name without importing anything the child defined.
    """

    type: str
    lineage: tuple[str, ...]
    message: str
    frames: tuple[Frame, ...] = ()

    @classmethod
    def from_exception(cls, exc: BaseException) -> Raised:
        try:
            message = str(exc)
        except BaseException:  # a student's __str__ may itself raise
            message = "<unprintable exception>"
        names = tuple(getattr(k, "__name__", "?") for k in type(exc).__mro__)
        frames = tuple(
            Frame(f.filename, f.lineno or 0, f.name, (f.line or "").strip())
            for f in traceback.extract_tb(exc.__traceback__)[-MAX_FRAMES:]
        )
        return cls(names[0], names, message[:MAX_MESSAGE], frames)

    def is_a(self, type_name: str) -> bool:
        """True when this exception is of class ``type_name`` or derives from it."""
        return type_name in self.lineage

    @property
    def not_implemented(self) -> bool:
        """True for a stub's own marker: the student has not filled this in yet."""
        return self.is_a(NotImplementedError.__name__)

    def summary(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type


@dataclass(frozen=True)
class TensorValue:
    """A tensor as observed in the child: its values on the CPU and the device it was on."""

    values: torch.Tensor
    device: str

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)

    @property
    def dtype(self) -> torch.dtype:
        return self.values.dtype


@dataclass(frozen=True)
class Opaque:
    """A value of a type the wire does not carry; only its type name and a short repr travel."""

    type: str
    repr: str


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


Outcome = Observed | RunFailure


@dataclass(frozen=True)
class RunKey:
    """Which run: a check on a device, optionally under a hint's patch (reference side only)."""

    check: str
    device: str
    hint: int | None = None


@dataclass
class RunReport:
    """Everything one child session (with its restarts) produced."""

    outcomes: dict[RunKey, Outcome] = field(default_factory=dict)
    load_error: Raised | None = None
    load_message: str | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    cuda_device: str | None = None
    duration_s: float = 0.0
    current_cell: int | None = None
    """The notebook cell the child last started, while it loads one."""
    notes: list[str] = field(default_factory=list)
    """What the student should know that is not a check's verdict (a notebook cell failed)."""
    recorded: bool = False
    """True for a reference read from ``grade build``'s files rather than run just now."""
