"""grade: an autograding harness for PyTorch exercises.

What instructors write checks with — :func:`check`, :class:`Hint`, :func:`capture`, the
observation types a hint or judge reads (:class:`Raised`, :class:`TensorValue`) and
:func:`compare`, the grader's structural comparison for judges — is importable from here
(see :mod:`grader.model.authoring`). :mod:`grader.api` is the library behind the ``grade``
command line; the README's "Architecture" section draws the packages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.judging.compare import compare
    from grader.model.authoring import (
        Hint,
        capture,
        changed,
        check,
        default_device_elsewhere,
        gradients,
        identity,
        lost_gradient,
        storage,
        unchanged,
        went_to_the_default_device,
    )
    from grader.model.observations import Identity, Raised, TensorValue

__version__ = "0.1.0"

__all__ = ["Hint", "Identity", "Raised", "TensorValue", "capture", "changed", "check",
           "compare", "default_device_elsewhere", "gradients", "identity", "lost_gradient",
           "storage", "unchanged", "went_to_the_default_device", "__version__"]

_LAZY = {**{name: "grader.model.authoring" for name in
            ("Hint", "capture", "changed", "check", "default_device_elsewhere", "gradients",
             "identity", "lost_gradient", "storage", "unchanged",
             "went_to_the_default_device")},
         **{name: "grader.model.observations" for name in ("Identity", "Raised", "TensorValue")},
         "compare": "grader.judging.compare"}


def __getattr__(name: str) -> Any:
    """The authoring API on first use: it imports torch, and the command line starts its
    sandbox before it pays for that (``grade check`` is a student's loop)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
