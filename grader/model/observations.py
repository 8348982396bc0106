"""The values a scenario's observation is made of, as the grader's process sees them.

An observation is a tree of ``None``, ``bool``, ``int``, ``float``, ``str``, lists, tuples,
dicts with string keys, :class:`TensorValue`, :class:`Raised`, :class:`Identity` and
:class:`Opaque`. A child
produces it, :mod:`grader.sandbox.codec` carries it, :mod:`grader.judging.compare` judges it;
check authors read it in hints and judges (``from grader import Raised, TensorValue``), which
is why these types live with the model and not with the sandbox that transports them.
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass
from types import TracebackType

import torch

MAX_MESSAGE = 2000
MAX_FRAMES = 40


@dataclass(frozen=True)
class TraceFrame:
    """One entry of a traceback: where an exception passed."""

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
    frames: tuple[TraceFrame, ...] = ()

    @classmethod
    def from_exception(cls, exc: BaseException) -> Raised:
        try:
            message = str(exc)
        except BaseException:  # a student's __str__ may itself raise
            message = "<unprintable exception>"
        names = tuple(getattr(k, "__name__", "?") for k in type(exc).__mro__)
        return cls(names[0], names, message[:MAX_MESSAGE], _frames(exc.__traceback__))

    def is_a(self, type_name: str) -> bool:
        """True when this exception is of class ``type_name`` or derives from it."""
        return type_name in self.lineage

    @property
    def not_implemented(self) -> bool:
        """True for a stub's own marker: the student has not filled this in yet."""
        return self.is_a(NotImplementedError.__name__)

    def summary(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type


def _frames(tb: TracebackType | None) -> tuple[TraceFrame, ...]:
    """The last :data:`MAX_FRAMES` entries of a traceback: file, line number, function and
    source line. Read directly rather than through ``traceback.extract_tb``, which also works
    out each entry's columns from the code's position table: a third of a millisecond per
    exception, and a stub raises in every check of every child."""
    entries = []
    while tb is not None:
        entries.append((tb.tb_frame.f_code, tb.tb_lineno))
        tb = tb.tb_next
    return tuple(TraceFrame(code.co_filename, lineno or 0, code.co_name,
                            linecache.getline(code.co_filename, lineno or 0).strip())
                 for code, lineno in entries[-MAX_FRAMES:])


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
class Identity:
    """Which object (or which tensor storage) a value was, as a label: the first distinct
    object an observation names is 0, the next 1, and so on, in the order the observation
    lists them. Two values are the same object when their labels are; the labels are
    assigned as the observation is encoded, so that a recording holds no address."""

    label: int
