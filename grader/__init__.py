"""grade: an autograding harness for PyTorch exercises.

Instructors write checks with :func:`check` (see :mod:`grader.authoring`); the grader runs
each check against the student's module and the reference solution in isolated children
and judges the difference in its own process. :mod:`grader.api` is the library behind the
``grade`` command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.authoring import Hint, capture, check

__version__ = "0.1.0"

__all__ = ["Hint", "capture", "check", "__version__"]


def __getattr__(name: str) -> Any:
    """``Hint``, ``capture`` and ``check`` on first use: they import torch, and the command
    line starts its sandbox before it pays for that (``grade check`` is a student's loop)."""
    if name in ("Hint", "capture", "check"):
        from grader import authoring

        return getattr(authoring, name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
