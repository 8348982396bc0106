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

**Observations are data.** A scenario returns what it saw — tensors, numbers, the values the
student's code returned — and never a verdict it worked out after the student's code ran
(``torch.equal(x, before)``, ``y.is_contiguous() and ...``): code that ran in the same
process could have patched whatever computes it. The grader's process judges. Three helpers
make the data way the easy one: :func:`unchanged` (did a call leave a tensor as it was),
:func:`identity` and :func:`storage` (is it the same object, the same memory), and in hints
:func:`changed`. ``tests/test_curriculum.py`` holds the curriculum's check files to this.

**Inputs a submission cannot know.** A graded run (``grade batch``) draws a secret salt and
every check's ``rng`` is seeded from it; the reference runs on the same inputs. Draw every
random input from ``rng``: a check whose inputs are literals (the notes' numbers) is the
same in every run, which is fine for a worked example, but its answer can be learnt by heart.
"""

from __future__ import annotations

import contextlib
import functools
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch

from grader.errors import CheckTimeout
from grader.i18n import normalise
from grader.model.limits import check_overrides
from grader.model.observations import Identity, Raised, TensorValue

Scenario = Callable[[Any, str, Any], Any]
Judge = Callable[[Any, Any], "str | None"]

DEVICES = ("cpu", "cuda")

# The checks declared while a checks file is being executed (see ``collecting``).
_declared: list[CheckSpec] | None = None

# Bound when the grader loads, before any submission: a submission that patches ``id`` or
# tensor methods inside a graded call does not change what these helpers observe.
_id = id
_isinstance = isinstance
_Tensor = torch.Tensor
_untyped_storage = torch.Tensor.untyped_storage
_data_ptr = torch.UntypedStorage.data_ptr


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
    translations: tuple[tuple[str, str], ...] = ()
    """(language, message) pairs: a ``message`` given as ``{"en": ..., "zh": ...}``."""

    def __post_init__(self) -> None:
        if (self.patch is None) == (self.when is None):
            raise ValueError("a Hint needs exactly one of patch= or when=")
        if not isinstance(self.message, str):
            english, others = bilingual(self.message)
            object.__setattr__(self, "message", english)
            object.__setattr__(self, "translations", others)


def bilingual(text: str | Mapping[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A title or hint given in several languages (``{"en": ..., "zh": ...}``): its English,
    which results record, and the others, keyed by the catalogue's language names."""
    if isinstance(text, str):
        return text, ()
    if not isinstance(text.get("en"), str) or not text["en"]:
        raise ValueError(f"a text in several languages needs its English under 'en': {text!r}")
    others = []
    for lang, translated in text.items():
        code = normalise(lang)
        if code is None:
            raise ValueError(f"unknown language {lang!r} in {text!r} (en, zh)")
        if code != "en":
            others.append((code, translated))
    return text["en"], tuple(others)


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
    translations: tuple[tuple[str, str, str], ...] = ()
    """(language, English, translation) of the title and hints given in several languages."""

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
    title: str | Mapping[str, str] | None = None,
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
    name) makes the check's id ``exercise/name``; ``title`` (a string, or ``{"en": ..., "zh":
    ...}``) defaults to the docstring's first sentence or paragraph.
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
        doc = _first_paragraph(fn.__doc__ or "")
        check_name = name or fn.__name__
        english, others = bilingual(title) if title else ("", ())
        translations = tuple((lang, english, text) for lang, text in others) + tuple(
            (lang, hint.message, text) for hint in hints for lang, text in hint.translations)
        spec = CheckSpec(
            name=check_name,
            exercise=exercise,
            title=english or doc or check_name.replace("_", " "),
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
            translations=translations,
        )
        fn.__grade_check__ = spec  # type: ignore[attr-defined]
        if _declared is not None:
            _declared.append(spec)
        return fn

    return decorate


def _first_paragraph(doc: str) -> str:
    """A docstring's first paragraph on one line: a title wrapped over two lines is still
    whole (the first line alone would stop mid-sentence)."""
    lines = []
    for line in doc.strip().splitlines():
        if not line.strip():
            break
        lines.append(line.strip())
    return " ".join(lines)


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


def gradients(call: Callable[[], Any], leaves: Sequence[Any], rng: Any) -> Any:
    """What a scenario returns to observe that a result stays connected to its inputs for
    autograd: the gradients, with respect to each of ``leaves``, of ``(call() * u).sum()``
    for a ``u`` drawn from ``rng`` (so that the values depend on a graded run's secret
    inputs). A result cut off from them (a ``.detach()``, ``.data``, ``torch.no_grad()``, a
    tensor rebuilt from values) makes taking them raise, which is recorded as the
    observation (:func:`capture`); :func:`lost_gradient` tells that in a hint."""
    def run() -> list[Any]:
        result = call()
        u = torch.randn(result.shape, generator=rng, device=result.device, dtype=result.dtype)
        return list(torch.autograd.grad((result * u).sum(), list(leaves)))

    return capture(run)


def lost_gradient(observed: Any) -> bool:
    """In a hint (the grader's process): some :func:`gradients` observation in ``observed``
    (itself, or a value of a dict) raised because the result did not require grad."""
    values = observed.values() if _isinstance(observed, dict) else [observed]
    return any(_isinstance(v, Raised) and "does not require grad" in v.message for v in values)


def went_to_the_default_device(observed: Any) -> bool:
    """In a hint (the grader's process): some observation in ``observed`` (itself, or a value
    of a dict) raised naming CUDA. Under :func:`default_device_elsewhere`, that is a tensor
    the module made without ``device=``: torch could not make it, or made it on another
    device than the inputs'."""
    values = observed.values() if _isinstance(observed, dict) else [observed]
    return any(_isinstance(v, Raised) and "cuda" in v.message.lower() for v in values)


def default_device_elsewhere(device: str) -> contextlib.AbstractContextManager[Any]:
    """Where a scenario calls the module on the CPU: torch's default device set to CUDA while
    it runs, so that a tensor the module makes without ``device=`` fails loudly instead of
    landing, by luck, on the CPU with its inputs. Without a GPU, torch cannot make it; with
    one, it is on another device than the inputs. That is the mistake a GPU run catches, now
    caught on every CPU run. On a CUDA run nothing changes: the default device, the CPU,
    already differs from the inputs'."""
    return _elsewhere() if device == "cpu" else contextlib.nullcontext()


@contextmanager
def _elsewhere() -> Iterator[None]:
    # torch.normal(mean, std, size=...) makes a tensor, but torch's default device does not
    # reach it: it gets the default device's device= here, as a factory would.
    normal = torch.normal

    def normal_on_the_default_device(*args: Any, **kwargs: Any) -> Any:
        if ("size" in kwargs or len(args) >= 3) and "device" not in kwargs \
                and "out" not in kwargs:
            kwargs["device"] = "cuda"
        return normal(*args, **kwargs)

    torch.normal = normal_on_the_default_device
    try:
        with torch.device("cuda"):
            yield
    finally:
        torch.normal = normal


def unchanged(after: Any, before: Any) -> dict[str, Any]:
    """What a check returns to say whether a call left a tensor as it was: the tensor as it
    is now and the copy (``x.clone()``) taken before the call, both as data. The judge
    compares each with the reference's (whose call leaves it unchanged), so a modification
    fails the check wherever it happened; a hint tells it with :func:`changed`."""
    return {"before": before, "after": after}


def changed(observed: Any) -> bool:
    """In a hint or a judge (the grader's process): True when an :func:`unchanged`
    observation shows a tensor that differs from its copy taken before the call, in dtype,
    shape or any value (NaN equal to NaN); False when it is unchanged or not such an
    observation."""
    if not (_isinstance(observed, dict) and {"before", "after"} <= observed.keys()):
        return False
    before, after = observed["before"], observed["after"]
    if not (_isinstance(before, TensorValue) and _isinstance(after, TensorValue)):
        return before is not after and before != after
    a, b = after.values, before.values
    if a.dtype != b.dtype or a.shape != b.shape:
        return True
    if a.is_floating_point() or a.is_complex():
        return not (torch.equal(a.isnan(), b.isnan())
                    and torch.equal(torch.nan_to_num(a), torch.nan_to_num(b)))
    return not torch.equal(a, b)


def identity(obj: Any) -> Identity:
    """Which object ``obj`` is, as an observation: the grader's process sees which entries
    of the observation are the same object (``params[0]`` and ``model.w``), numbered in
    order of first appearance, and compares that with the reference's."""
    return Identity(_id(obj))


def storage(tensor: Any) -> Identity | None:
    """Which memory a tensor's values live in (its storage), as :func:`identity` does for
    objects: a view shares its base's storage, a copy does not. None for a non-tensor."""
    if not _isinstance(tensor, _Tensor):
        return None
    return Identity(_data_ptr(_untyped_storage(tensor)))
