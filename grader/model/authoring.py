"""The check-authoring API: what an instructor writes in ``assignments/NN_name/checks/``.

A check is one *scenario*: a function ``(m, device, rng) -> observation`` that builds inputs,
calls the module under test ``m`` and returns plain data (tensors, numbers, booleans,
strings, lists, tuples, dicts). The grader runs it twice, in isolated children: against the
student's module and against the reference solution, with identically seeded ``rng``; the
parent compares the two observations. A scenario never asserts anything itself::

    from grader import check, Hint

    @check("MyReLU", points=1, hints=[Hint("gradient 1 at exactly 0: use input > 0",
                                            when=lambda got: got["grad"].values[1] == 1)])
    def grad_at_zero(m, device, rng):
        \"\"\"gradient at exactly 0 is 0\"\"\"
        x = torch.tensor([-1.0, 0.0, 2.0], device=device, requires_grad=True)
        m.MyReLU.apply(x).sum().backward()
        return {"grad": x.grad}

The first line of the docstring is the check's title in reports.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from grader.errors import CheckTimeout
from grader.model.limits import check_overrides
from grader.model.observations import Raised

Scenario = Callable[[Any, str, Any], Any]
Judge = Callable[[Any, Any], "str | None"]

DEVICES = ("cpu", "cuda")

# The checks declared while a checks file is being executed (see ``collecting``).
_declared: list[CheckSpec] | None = None


@dataclass(frozen=True)
class Hint:
    """A known wrong answer and what to tell a student whose observation matches it.

    Give either ``patch`` — names of the reference module replaced by buggy versions
    (``{"MyReLU": NotesReLU}``); the scenario is run against that patched reference and a
    student whose observation equals the result gets the message — or ``when``, a predicate
    on the student's observation (tensors arrive as :class:`grader.model.observations.TensorValue`).
    """

    message: str
    patch: Mapping[str, Any] | None = None
    when: Callable[[Any], bool] | None = None

    def __post_init__(self) -> None:
        if (self.patch is None) == (self.when is None):
            raise ValueError("a Hint needs exactly one of patch= or when=")


@dataclass(frozen=True)
class CheckSpec:
    """One check as declared by :func:`check`; the id is ``exercise/name``."""

    name: str
    exercise: str
    title: str
    points: float
    hidden: bool
    devices: tuple[str, ...]
    time_limit_s: float
    seed: int
    scenario: Scenario
    hints: tuple[Hint, ...] = ()
    rtol: float | None = None
    atol: float | None = None
    judge: Judge | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    limits: tuple[tuple[str, float], ...] = ()
    """Limits this check overrides (see :data:`grader.model.limits.PER_CHECK`)."""

    @functools.cached_property
    def id(self) -> str:  # looked up hundreds of times per submission: built once
        return f"{self.exercise}/{self.name}"


def check(
    exercise: str,
    points: float = 1.0,
    *,
    hidden: bool = False,
    devices: Sequence[str] = DEVICES,
    time_limit: float = 10.0,
    seed: int | None = None,
    hints: Sequence[Hint] = (),
    rtol: float | None = None,
    atol: float | None = None,
    judge: Judge | None = None,
    title: str | None = None,
    name: str | None = None,
    limits: Mapping[str, float] | None = None,
) -> Callable[[Scenario], Scenario]:
    """Declare a scenario function as a check of ``exercise`` worth ``points``.

    ``devices`` lists where it runs (a device absent at grading time is ``skipped``);
    ``time_limit`` is wall-clock seconds per device; ``seed`` seeds ``rng`` (default: derived
    from the check's id, so student and reference always see the same inputs); ``rtol`` and
    ``atol`` override the dtype-aware tolerances of ``torch.testing.assert_close``;
    ``judge(got, expected)`` replaces the structural comparison and returns ``None`` when the
    student's observation is acceptable, else a message. ``name`` (default: the function's
    name) makes the check's id ``exercise/name``; ``title`` defaults to the docstring's first line.
    ``limits`` overrides the assignment's resource limits for this check alone (``cpu_s``,
    ``memory_mb``, ``processes``, ``file_size_mb``, ``open_files``, ``output_kb``): its runs
    go to a child of their own, started with those limits.
    """
    unknown = set(devices) - set(DEVICES)
    if unknown or not devices:
        raise ValueError(f"devices must be a non-empty subset of {DEVICES}, got {devices!r}")
    if points < 0 or time_limit <= 0:
        raise ValueError("points must be >= 0 and time_limit > 0")
    overrides = check_overrides(dict(limits or {}))

    def decorate(fn: Scenario) -> Scenario:
        doc = (fn.__doc__ or "").strip().splitlines()
        check_name = name or fn.__name__
        spec = CheckSpec(
            name=check_name,
            exercise=exercise,
            title=title or (doc[0].strip() if doc else check_name.replace("_", " ")),
            points=float(points),
            hidden=hidden,
            devices=tuple(devices),
            time_limit_s=float(time_limit),
            seed=seed if seed is not None else zlib.crc32(f"{exercise}/{check_name}".encode()),
            scenario=fn,
            hints=tuple(hints),
            rtol=rtol,
            atol=atol,
            judge=judge,
            limits=overrides,
        )
        fn.__grade_check__ = spec  # type: ignore[attr-defined]
        if _declared is not None:
            _declared.append(spec)
        return fn

    return decorate


@contextmanager
def collecting() -> Iterator[list[CheckSpec]]:
    """Gather every check declared inside the block, in order of declaration.

    Collecting at declaration time, rather than from the checks module's namespace, keeps
    two scenarios that share a Python name (``name=`` tells their ids apart) from silently
    shadowing each other.
    """
    global _declared
    outer, _declared = _declared, []
    try:
        yield _declared
    finally:
        _declared = outer


def capture(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` and return its result, or a :class:`Raised` record of what it raised.

    Use it inside a scenario to observe several calls independently (one dtype failing does
    not hide the others). The child's own timeout signal is never captured.
    """
    try:
        return fn(*args, **kwargs)
    except CheckTimeout:
        raise
    except BaseException as exc:  # SystemExit from student code is an observation too
        return Raised.from_exception(exc)
