"""Structural comparison of two observations, with messages that go from coarse to fine.

Order of what is reported: a missing or extra key → the type → a tensor's shape → dtype →
device → values (how many elements differ, the largest absolute and relative difference, the
first index). Tensor values are judged by the rule of ``torch.testing.assert_close`` with its
documented dtype-aware default tolerances, passed explicitly, and the message's statistics
are drawn from the very mask of the verdict.

For two dense tensors of one dtype, shape and device (checked before, with their own
messages), ``assert_close`` decides by ``torch.isclose(actual, expected, rtol, atol,
equal_nan)`` over all elements; :func:`close_mask` calls that directly. Going through
``assert_close`` would cost the grader's process its first call, which imports
``torch.distributed.tensor`` to look for distributed tensors that an observation never holds:
most of a second of CPU, in every ``grade check`` of a wrong answer and every batch.
``tests/test_compare.py`` holds the two verdicts equal on every dtype the channel carries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from grader.i18n import N_
from grader.model.observations import Identity, Opaque, Raised, TensorValue
from grader.results import TensorDiff

# torch.testing.assert_close's documented defaults (rtol, atol) per dtype.
DEFAULT_TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
    torch.complex64: (1.3e-6, 1e-5),
    torch.complex128: (1e-7, 1e-7),
}
FLOAT_TOLERANCE = (1e-6, 1e-9)
MAX_RAISED_LINE = 200
"""How much of an exception's first line a message quotes."""
PREVIEW_ROWS = 6
PREVIEW_COLS = 8


@dataclass(frozen=True)
class Mismatch:
    """Where and how a student's observation differs from the reference's."""

    path: str
    message: str
    diff: TensorDiff | None = None
    raised: Raised | None = None

    def text(self) -> str:
        return N_("{path}: {message}").format(path=self.path, message=self.message) \
            if self.path else self.message


def _not_implemented(got: Raised, path: str) -> Mismatch:
    message = N_("not implemented yet ({detail})").format(detail=got.message) if got.message \
        else N_("not implemented yet")
    return Mismatch(path, message, raised=got)


def describe(value: Any) -> str:
    """A short phrase naming what a value is, for 'expected X, got Y' messages."""
    if isinstance(value, Raised):
        return N_("an exception ({summary})").format(summary=value.summary())
    if isinstance(value, TensorValue):
        return N_("a tensor of shape {shape}").format(shape=list(value.shape))
    if isinstance(value, Opaque):
        return N_("a {type}").format(type=value.type)
    if isinstance(value, Identity):
        return N_("an object's identity")
    if value is None:
        return "None"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list | tuple | dict):
        return N_("a {type} of {count} items").format(type=type(value).__name__,
                                                     count=len(value))
    if isinstance(value, torch.dtype):
        return str(value)
    return f"{type(value).__name__} {value!r}"[:120]


def compare(got: Any, expected: Any, rtol: float | None = None, atol: float | None = None,
            path: str = "") -> Mismatch | None:
    """``None`` when ``got`` matches ``expected``, else the first (coarsest) difference."""
    if isinstance(expected, Raised):
        if isinstance(got, Raised):
            if got.not_implemented and not expected.not_implemented:
                # A stub's marker exception derives from RuntimeError: an unfilled stub must
                # not pass as "raises RuntimeError" nor match a wrong answer that raises one.
                return _not_implemented(got, path)
            if got.is_a(expected.type):
                return None
            return Mismatch(path, N_("expected {type} to be raised, got {got}").format(
                type=expected.type, got=got.summary()))
        return Mismatch(path, N_("expected {type} to be raised, but got {got}").format(
            type=expected.type, got=describe(got)))
    if isinstance(got, Raised):
        if got.not_implemented:
            return _not_implemented(got, path)
        first, *more = got.summary().splitlines() or [got.type]
        if len(first) > MAX_RAISED_LINE:  # the rest stays in the exception's record
            first, more = first[:MAX_RAISED_LINE], [""]
        return Mismatch(path, N_("raised {exception}").format(
            exception=f"{first}{' …' if more else ''}"), raised=got)
    if isinstance(expected, TensorValue):
        if not isinstance(got, TensorValue):
            return Mismatch(path, N_("expected a tensor, got {got}").format(got=describe(got)))
        return _compare_tensors(got, expected, rtol, atol, path)
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return Mismatch(path, N_("expected a dict, got {got}").format(got=describe(got)))
        for key in expected:
            if key not in got:
                return Mismatch(_join(path, key), N_("missing"))
        for key in got:
            if key not in expected:
                return Mismatch(_join(path, key), N_("unexpected entry"))
        for key, value in expected.items():
            found = compare(got[key], value, rtol, atol, _join(path, key))
            if found:
                return found
        return None
    if isinstance(expected, list | tuple):
        if not isinstance(got, list | tuple):
            return Mismatch(path, N_("expected a {type} of {count} items, got {got}").format(
                type=type(expected).__name__, count=len(expected), got=describe(got)))
        if len(got) != len(expected):
            return Mismatch(path, N_("expected {expected} items, got {got}").format(
                expected=len(expected), got=len(got)))
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            found = compare(g, e, rtol, atol, _join(path, f"[{i}]"))
            if found:
                return found
        return None
    if isinstance(expected, bool) or isinstance(got, bool):
        if got is expected:
            return None
        return Mismatch(path, _expected_got(describe(expected), describe(got)))
    if isinstance(expected, int | float) and isinstance(got, int | float):
        if isinstance(expected, int) and isinstance(got, int):
            ok = got == expected
        else:
            r, a = (rtol, atol) if rtol is not None and atol is not None else FLOAT_TOLERANCE
            ok = math.isclose(got, expected, rel_tol=r, abs_tol=a) or (
                math.isnan(got) and math.isnan(expected))
        if ok:
            return None
        return Mismatch(path, _expected_got(repr(expected), repr(got)))
    if isinstance(expected, Identity) or isinstance(got, Identity):
        if not (isinstance(expected, Identity) and isinstance(got, Identity)):
            return Mismatch(path, _expected_got(describe(expected), describe(got)))
        if got.label == expected.label:
            return None
        return Mismatch(path, _identity_message(got, expected))
    if isinstance(expected, Opaque) and isinstance(got, Opaque):
        return None if got.type == expected.type else Mismatch(
            path, N_("expected a {expected}, got a {got}").format(expected=expected.type,
                                                                    got=got.type))
    if type(got) is not type(expected):
        return Mismatch(path, _expected_got(describe(expected), describe(got)))
    if got != expected:
        return Mismatch(path, _expected_got(repr(expected), repr(got))[:300])
    return None


def _expected_got(expected: str, got: str) -> str:
    return N_("expected {expected}, got {got}").format(expected=expected, got=got)


def _identity_message(got: Identity, expected: Identity) -> str:
    """Labels number distinct objects in order of first appearance, and everything before
    this entry matched: a label below the other one is an object seen before."""
    if expected.label < got.label:
        return N_("expected the same object (or memory) as one named before it in this "
                  "observation, got a different one")
    return N_("expected a different object (or memory) from the ones named before it in "
              "this observation, got one of them")


def _join(path: str, key: str) -> str:
    if key.startswith("["):
        return f"{path}{key}"
    return f"{path} › {key}" if path else key


def _compare_tensors(got: TensorValue, expected: TensorValue, rtol: float | None,
                     atol: float | None, path: str) -> Mismatch | None:
    if got.shape != expected.shape:
        return Mismatch(path, N_("expected shape {expected}, got {got}").format(
            expected=list(expected.shape), got=list(got.shape)))
    if got.dtype != expected.dtype:
        return Mismatch(path, N_("expected dtype {expected}, got {got}").format(
            expected=expected.dtype, got=got.dtype))
    if got.device != expected.device:
        return Mismatch(path, N_("expected a tensor on {expected} (the input's device), got "
                                 "one on {got}").format(expected=expected.device,
                                                        got=got.device))
    default_r, default_a = DEFAULT_TOLERANCES.get(expected.dtype, (0.0, 0.0))
    r = default_r if rtol is None else rtol
    a = default_a if atol is None else atol
    if torch.equal(got.values, expected.values):
        # Equal values (same shape, dtype and device, checked above) are close at any
        # tolerance, and most observations of a class are equal: microseconds.
        return None
    close = close_mask(got.values, expected.values, r, a)
    if bool(close.all()):
        return None
    return Mismatch(path, *_value_message(got.values, expected.values, close))


def close_mask(got: torch.Tensor, expected: torch.Tensor, rtol: float, atol: float
               ) -> torch.Tensor:
    """Which elements of two tensors of one dtype and shape are close: ``assert_close``'s
    rule (NaN equal to NaN)."""
    return torch.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


def _value_message(got: torch.Tensor, expected: torch.Tensor, close: torch.Tensor
                   ) -> tuple[str, TensorDiff]:
    wide = torch.complex128 if expected.dtype.is_complex else torch.float64
    g64, e64 = got.to(wide), expected.to(wide)
    bad = ~close
    count, total = int(bad.sum()), bad.numel()
    abs_diff = torch.nan_to_num((g64 - e64).abs(), nan=math.inf)
    abs_diff = torch.where(bad, abs_diff, torch.zeros_like(abs_diff))
    flat = int(abs_diff.reshape(-1).argmax()) if total else 0
    index = tuple(int(i) for i in _unravel(flat, tuple(got.shape)))
    exp_v, got_v = expected.reshape(-1)[flat].item(), got.reshape(-1)[flat].item()
    rel = abs_diff.reshape(-1)[flat].item() / abs(exp_v) if exp_v not in (0, 0.0) else math.inf
    template = _VALUES_DIFFER[(bool(index), math.isfinite(rel))]
    message = template.format(count=count, total=total, index=list(index),
                              largest=f"{abs_diff.reshape(-1)[flat].item():.4g}",
                              expected=_fmt(exp_v), got=_fmt(got_v), relative=f"{rel:.3g}")
    return message, _preview(got, expected, bad, index)


_VALUES_DIFFER = {  # (an index to name, a relative difference to give): the message
    (True, True): N_("{count} of {total} values differ; largest difference {largest} at "
                     "index {index} (expected {expected}, got {got}, relative {relative})"),
    (True, False): N_("{count} of {total} values differ; largest difference {largest} at "
                      "index {index} (expected {expected}, got {got})"),
    (False, True): N_("{count} of {total} values differ; largest difference {largest} "
                      "(expected {expected}, got {got}, relative {relative})"),
    (False, False): N_("{count} of {total} values differ; largest difference {largest} "
                       "(expected {expected}, got {got})"),
}


def _unravel(flat: int, shape: tuple[int, ...]) -> list[int]:
    out = []
    for size in reversed(shape):
        out.append(flat % size if size else 0)
        flat //= size if size else 1
    return list(reversed(out))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value + 0.0:.6g}"
    return str(value)


def _preview(got: torch.Tensor, expected: torch.Tensor, bad: torch.Tensor,
             index: tuple[int, ...]) -> TensorDiff:
    """A window of at most PREVIEW_ROWS × PREVIEW_COLS around the largest difference."""
    def as_2d(t: torch.Tensor) -> torch.Tensor:
        if t.dim() == 0:
            return t.reshape(1, 1)
        if t.dim() == 1:
            return t.reshape(1, -1)
        return t.reshape(-1, t.shape[-1])

    g2, e2, b2 = as_2d(got), as_2d(expected), as_2d(bad)
    flat_row = 0
    for i, size in zip(index[:-1], got.shape[:-1], strict=True):
        flat_row = flat_row * size + i
    col = index[-1] if index else 0
    r0 = max(0, min(flat_row - PREVIEW_ROWS // 2, g2.shape[0] - PREVIEW_ROWS))
    c0 = max(0, min(col - PREVIEW_COLS // 2, g2.shape[1] - PREVIEW_COLS))
    rows = slice(r0, r0 + PREVIEW_ROWS)
    cols = slice(c0, c0 + PREVIEW_COLS)

    def cells(t: torch.Tensor) -> list[list[str]]:
        return [[_fmt(v) for v in row] for row in t[rows, cols].tolist()]

    marked = [[r, c] for r, c in (b2[rows, cols].nonzero().tolist() if b2.numel() else [])]
    return TensorDiff(
        path="",
        expected=cells(e2),
        got=cells(g2),
        mismatched=marked,
        truncated=g2.shape[0] > PREVIEW_ROWS or g2.shape[1] > PREVIEW_COLS,
    )
