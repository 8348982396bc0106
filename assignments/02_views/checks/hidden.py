"""Hidden checks of 02_views: run only at grading time, never released.

They repeat the public checks' properties on other layouts: permuted 3-D tensors, slices
with steps in the last dimension (which view can still flatten), expanded 3-D and 0-d
tensors, other dtypes, empty and single-element tensors, and shapes that no tensor of that
size can take. Every scenario builds all of its inputs before it calls the student's code.
This file is executed on its own: the helpers it shares with public.py are copied here.
"""

import math

import torch

from grader import Hint, capture, check
from grader.observations import Raised

# --- known wrong answers (hints) -------------------------------------------------------------


def can_view_if_contiguous(x, shape):
    return x.is_contiguous()


def can_view_by_reshape(x, shape):
    try:
        x.reshape(shape)
    except RuntimeError:
        return False
    return True


def can_view_by_product(x, shape):
    return x.numel() == math.prod(shape)


def flatten_without_transpose(x):
    return x.reshape(-1)


def contiguous_copy_layout(x):
    c = x.contiguous()
    return (c.storage_offset(), tuple(c.stride()))


def strides_without_offset(x):
    return (0, tuple(x.stride()))


def strides_in_bytes(x):
    return (x.storage_offset(), tuple(s * x.element_size() for s in x.stride()))


# --- helpers (copied from public.py) ---------------------------------------------------------


def _shares_storage(result, x):
    return result.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()


def _as_view(m, x, shape):
    result = m.safe_view(x, shape)
    return {"values": result, "shares x's storage": _shares_storage(result, x)}


def _as_copy(m, x, shape):
    result = m.safe_view(x, shape)
    return {"values": result, "shares x's storage": _shares_storage(result, x),
            "is contiguous": result.is_contiguous()}


def _safe_view_cases(m, observe, inputs):
    return {f"{label} viewed as {shape}": capture(observe, m, x, shape)
            for label, x, shapes in inputs for shape in shapes}


def _can_view_cases(m, inputs):
    def answer(x, shape):
        return bool(m.can_view(x, shape))

    return {f"{label} viewed as {shape}": capture(answer, x, shape)
            for label, x, shapes in inputs for shape in shapes}


def _cases(got):
    return list(got.values()) if isinstance(got, dict) else []


def _copied_a_viewable(got):
    return any(isinstance(c, dict) and c.get("shares x's storage") is False for c in _cases(got))


def _view_raised(got):
    return any(isinstance(c, Raised) and c.is_a("RuntimeError") and not c.not_implemented
               for c in _cases(got))


def _copy_not_contiguous(got):
    return any(isinstance(c, dict) and c.get("is contiguous") is False for c in _cases(got))


COPIED_NON_CONTIGUOUS = Hint(
    "the result is a copy, but x.view(shape) works for this non-contiguous x: view needs "
    "strides that fit the new shape, not a contiguous x. x.contiguous() (and clone()) copy "
    "every non-contiguous tensor, so try x.view(shape) first and copy only when it raises",
    when=_copied_a_viewable)
VIEW_RAISED = Hint(
    "x.view(shape) raises for this x (its strides do not fit the new shape): catch the "
    "RuntimeError and return a contiguous copy instead, e.g. x.contiguous().view(shape)",
    when=_view_raised)
COPY_NOT_CONTIGUOUS = Hint(
    "when view fails the result must be a contiguous copy: x.contiguous().view(shape) or "
    "x.reshape(shape) give one (clone() keeps x's strides)", when=_copy_not_contiguous)

STRIDES_MATTER = ("view does not need a contiguous x, only strides that fit the new shape "
                  "(splitting a dimension or adding size-1 ones always works): try x.view(shape) "
                  "and catch the RuntimeError")
NUMEL_NOT_ENOUGH = ("a matching number of elements is what reshape needs; view also needs x's "
                    "strides to fit the new shape, and here x.view(shape) raises: try x.view, "
                    "not x.reshape")
NUMEL_PRODUCT = ("comparing x.numel() with the product of the sizes ignores x's strides, which "
                 "view needs to fit the new shape, and treats -1 as a size: try x.view(shape) and "
                 "catch the RuntimeError")
NON_CONTIGUOUS_HINTS = [
    Hint(STRIDES_MATTER, patch={"can_view": can_view_if_contiguous}),
    Hint(NUMEL_NOT_ENOUGH, patch={"can_view": can_view_by_reshape}),
    Hint(NUMEL_PRODUCT, patch={"can_view": can_view_by_product}),
]

VIEW_FAILS_ON_TRANSPOSE = Hint(
    "view(-1) raises on a non-contiguous tensor, and x.t() is one (it swaps the strides), as "
    "are sliced and expanded inputs: flatten with reshape(-1), or with .contiguous().view(-1)",
    when=_view_raised)
NO_TRANSPOSE = Hint(
    "these are x's elements in its own row-major order (x.view(-1), x.flatten() or a reshape to "
    "(columns, rows) give them): flatten x.t() instead, e.g. x.t().reshape(-1)",
    patch={"transpose_then_flatten": flatten_without_transpose})

LAYOUT_HINTS = [
    Hint("these are the offset and strides of a contiguous copy of x (x.contiguous(), or "
         "strides computed from the shape): report x's own, x.storage_offset() and x.stride()",
         patch={"storage_offset_and_strides": contiguous_copy_layout}),
    Hint("the offset is where x starts in its storage: 0 only for tensors that start at its "
         "beginning; a slice such as a[1:] starts further in. Use x.storage_offset()",
         patch={"storage_offset_and_strides": strides_without_offset}),
    Hint("strides count elements, not bytes (numpy's .strides are in bytes): use x.stride()",
         patch={"storage_offset_and_strides": strides_in_bytes}),
]


def _layout(fn, x):
    """The offset and the strides as plain values: their types are result_types' business."""
    offset, strides = fn(x)
    return {"storage offset": int(offset), "strides": str(tuple(int(s) for s in strides))}


def _layouts(m, inputs):
    return {label: capture(_layout, m.storage_offset_and_strides, x)
            for label, x in inputs.items()}


# --- safe_view -------------------------------------------------------------------------------


@check("safe_view", points=1, hints=[COPIED_NON_CONTIGUOUS])
def views_permuted(m, device, rng):
    """a permuted 3-D x gives a view for the shapes view allows (b is [2, 3, 4])"""
    b = torch.randn(2, 3, 4, device=device, generator=rng)
    return _safe_view_cases(m, _as_view, [
        ("b.permute(1, 0, 2)", b.permute(1, 0, 2), [(3, 2, 4), (3, 2, 2, 2), (3, 1, 2, 4),
                                                    (-1, 2, 4)]),
        ("b.permute(2, 0, 1)", b.permute(2, 0, 1), [(4, 6), (2, 2, 6), (4, 2, 3)]),
    ])


@check("safe_view", points=1, hints=[VIEW_RAISED, COPY_NOT_CONTIGUOUS])
def copies_permuted(m, device, rng):
    """a permuted 3-D x gives a contiguous copy for the shapes view refuses (b is [2, 3, 4])"""
    b = torch.randn(2, 3, 4, device=device, generator=rng)
    return _safe_view_cases(m, _as_copy, [
        ("b.permute(1, 0, 2)", b.permute(1, 0, 2), [(6, 4), (3, 8), (24,), (-1,)]),
        ("b.permute(2, 0, 1)", b.permute(2, 0, 1), [(24,), (8, 3)]),
    ])


@check("safe_view", points=0.5, hints=[COPIED_NON_CONTIGUOUS])
def views_strided_3d(m, device, rng):
    """a 3-D slice gives a view where its strides line up, even flattened (a is [4, 5, 6])"""
    a = torch.randn(4, 5, 6, device=device, generator=rng)
    return _safe_view_cases(m, _as_view, [
        ("a[1:3, :, ::2]", a[1:3, :, ::2], [(30,), (2, 15), (10, 3), (-1,)]),
        ("a[:, 1:4, :]", a[:, 1:4, :], [(4, 18), (4, 3, 2, 3), (4, 9, 2)]),
    ])


@check("safe_view", points=0.5, hints=[VIEW_RAISED, COPY_NOT_CONTIGUOUS])
def copies_strided_3d(m, device, rng):
    """a 3-D slice gives a contiguous copy where view refuses (a is [4, 5, 6])"""
    a = torch.randn(4, 5, 6, device=device, generator=rng)
    return _safe_view_cases(m, _as_copy, [("a[:, 1:4, :]", a[:, 1:4, :], [(72,), (12, 6),
                                                                           (-1,)])])


@check("safe_view", points=0.5, hints=[COPIED_NON_CONTIGUOUS])
def views_expanded_3d(m, device, rng):
    """expanded 3-D, row and 0-d tensors give views where view allows"""
    d = torch.randn(2, 1, 3, device=device, generator=rng)
    e = torch.randn(4, device=device, generator=rng)
    s = torch.randn((), device=device, generator=rng)
    return _safe_view_cases(m, _as_view, [
        ("d.expand(2, 4, 3)", d.expand(2, 4, 3), [(2, 2, 2, 3), (2, 4, 3, 1)]),
        ("e.expand(3, 4)", e.expand(3, 4), [(3, 2, 2), (-1, 4)]),
        ("s.expand(2, 3)", s.expand(2, 3), [(6,), (3, 2), (-1,)]),
    ])


@check("safe_view", points=0.5, hints=[VIEW_RAISED, COPY_NOT_CONTIGUOUS])
def copies_expanded_3d(m, device, rng):
    """expanded 3-D and row tensors give contiguous copies where view refuses"""
    d = torch.randn(2, 1, 3, device=device, generator=rng)
    e = torch.randn(4, device=device, generator=rng)
    return _safe_view_cases(m, _as_copy, [
        ("d.expand(2, 4, 3)", d.expand(2, 4, 3), [(8, 3), (2, 12), (24,)]),
        ("e.expand(3, 4)", e.expand(3, 4), [(12,), (4, 3)]),
    ])


def _dtype_inputs(device, rng):
    a = torch.randint(-50, 50, (3, 4), device=device, generator=rng)
    return [("int64", a), ("bool", a > 0), ("float16", a.half() / 8)]


@check("safe_view", points=0.5, hints=[COPIED_NON_CONTIGUOUS])
def views_other_dtypes(m, device, rng):
    """views keep x's dtype (int64, bool, float16; a is [3, 4])"""
    inputs = _dtype_inputs(device, rng)
    return _safe_view_cases(m, _as_view, [(f"{name} a.t()", a.t(), [(2, 2, 3), (4, 3, 1)])
                                          for name, a in inputs])


@check("safe_view", points=0.5, hints=[VIEW_RAISED, COPY_NOT_CONTIGUOUS])
def copies_other_dtypes(m, device, rng):
    """copies keep x's dtype (int64, bool, float16; a is [3, 4])"""
    inputs = _dtype_inputs(device, rng)
    return _safe_view_cases(m, _as_copy, [(f"{name} a.t()", a.t(), [(12,), (2, 6)])
                                          for name, a in inputs])


@check("safe_view", points=0.5, hints=[COPIED_NON_CONTIGUOUS])
def single_element(m, device, rng):
    """a 0-d tensor and a one-element slice give views (a is [3, 4])"""
    s = torch.randn((), device=device, generator=rng)
    a = torch.randn(3, 4, device=device, generator=rng)
    return _safe_view_cases(m, _as_view, [
        ("s", s, [(1,), (1, 1), (-1,), ()]),
        ("a[1:2, 2:3]", a[1:2, 2:3], [(1,), (), (1, 1, 1)]),
    ])


@check("safe_view", points=0.5)
def impossible_shape_raises(m, device, rng):
    """a shape that the number of elements rules out raises RuntimeError, as reshape does"""
    a = torch.randn(3, 4, device=device, generator=rng)
    cases = [("a", a, [(5,), (-1, 5), (-1, -1)]), ("a.t()", a.t(), [(5,), (3, 5)])]
    return {f"{label} viewed as {shape}": capture(m.safe_view, x, shape)
            for label, x, shapes in cases for shape in shapes}


# --- can_view --------------------------------------------------------------------------------


@check("can_view", points=1, hints=NON_CONTIGUOUS_HINTS)
def permuted_and_strided(m, device, rng):
    """agrees with view on permuted 3-D tensors and 3-D slices"""
    a = torch.randn(4, 5, 6, device=device, generator=rng)
    b = torch.randn(2, 3, 4, device=device, generator=rng)
    return _can_view_cases(m, [
        ("b.permute(1, 0, 2)", b.permute(1, 0, 2), [(3, 2, 4), (3, 2, 2, 2), (-1, 2, 4), (6, 4),
                                                    (24,), (-1,)]),
        ("b.permute(2, 0, 1)", b.permute(2, 0, 1), [(4, 6), (2, 2, 6), (24,), (8, 3)]),
        ("a[1:3, :, ::2]", a[1:3, :, ::2], [(30,), (2, 15), (-1,), (31,)]),
        ("a[:, 1:4, :]", a[:, 1:4, :], [(4, 18), (4, 9, 2), (72,), (12, 6)]),
    ])


@check("can_view", points=0.5, hints=NON_CONTIGUOUS_HINTS)
def expanded_3d(m, device, rng):
    """agrees with view on expanded 3-D, row and 0-d tensors"""
    d = torch.randn(2, 1, 3, device=device, generator=rng)
    e = torch.randn(4, device=device, generator=rng)
    s = torch.randn((), device=device, generator=rng)
    return _can_view_cases(m, [
        ("d.expand(2, 4, 3)", d.expand(2, 4, 3), [(2, 2, 2, 3), (8, 3), (2, 12), (24,)]),
        ("e.expand(3, 4)", e.expand(3, 4), [(3, 2, 2), (12,), (4, 3)]),
        ("s.expand(2, 3)", s.expand(2, 3), [(6,), (3, 2), (-1,)]),
    ])


@check("can_view", points=0.5, hints=[
    Hint("with no elements, -1 could be any size, so view refuses it next to a 0; a size "
         "below -1 is never valid", patch={"can_view": can_view_by_product}),
    Hint("x.is_contiguous() alone does not decide it: the number of elements must match too",
         patch={"can_view": can_view_if_contiguous})])
def edge_shapes(m, device, rng):
    """empty and 0-d tensors, sizes of 0, -1 next to 0, and negative sizes"""
    a = torch.randn(3, 4, device=device, generator=rng)
    s = torch.randn((), device=device, generator=rng)
    empty = torch.empty(0, 3, device=device)
    return _can_view_cases(m, [
        ("torch.empty(0, 3)", empty, [(0,), (3, 0), (-1,), (0, 5), (-1, 0), (0, -1), (-2, 0)]),
        ("s (0-d)", s, [(), (1,), (1, 1), (-1,), (2,)]),
        ("a", a, [(12, -1), (-1, 12, 1), (-2, -6), (12, 0)]),
    ])


# --- transpose_then_flatten ------------------------------------------------------------------


@check("transpose_then_flatten", points=0.5, name="random_shapes_float64",
       hints=[NO_TRANSPOSE, VIEW_FAILS_ON_TRANSPOSE])
def random_shapes_float64(m, device, rng):
    """float64 inputs of shapes [6, 2], [2, 7], [1, 1] and [3, 3]"""
    inputs = [torch.randn(shape, device=device, generator=rng, dtype=torch.float64)
              for shape in ((6, 2), (2, 7), (1, 1), (3, 3))]
    return {f"shape {list(x.shape)}": capture(m.transpose_then_flatten, x) for x in inputs}


@check("transpose_then_flatten", points=1, name="strided_and_expanded",
       hints=[NO_TRANSPOSE, VIEW_FAILS_ON_TRANSPOSE])
def strided_and_expanded(m, device, rng):
    """works on expanded and step-sliced inputs (a is [6, 7], c is [3, 1])"""
    a = torch.randn(6, 7, device=device, generator=rng)
    c = torch.randn(3, 1, device=device, generator=rng)
    inputs = {"c.expand(3, 4)": c.expand(3, 4), "a[::2, ::3]": a[::2, ::3],
              "a.t()[1:, ::2]": a.t()[1:, ::2]}
    return {label: capture(m.transpose_then_flatten, x) for label, x in inputs.items()}


@check("transpose_then_flatten", points=0.5, name="empty_input")
def empty_input(m, device, rng):
    """an empty input of shape [0, 3] or [2, 0] gives an empty 1-D tensor"""
    inputs = {"[0, 3]": torch.empty(0, 3, device=device),
              "[2, 0]": torch.empty(2, 0, device=device, dtype=torch.int64)}
    return {label: capture(m.transpose_then_flatten, x) for label, x in inputs.items()}


@check("transpose_then_flatten", points=0.5, name="other_dtypes")
def transpose_other_dtypes(m, device, rng):
    """keeps the input's dtype (int64, uint8, bfloat16, float64)"""
    # A single row or column, as in the public dtype check: only the dtype is observed.
    base = torch.randint(0, 100, (1, 6), device=device, generator=rng)
    inputs = [base, base.to(torch.uint8).t(), base.to(torch.bfloat16),
              base.to(torch.float64).t()]
    return {str(x.dtype).removeprefix("torch."): capture(m.transpose_then_flatten, x)
            for x in inputs}


# --- storage_offset_and_strides --------------------------------------------------------------


@check("storage_offset_and_strides", points=1, hints=LAYOUT_HINTS)
def combined_views(m, device, rng):
    """views of views: slices of transposes, diagonals, narrow, unsqueeze (a is [4, 6])"""
    a = torch.randn(4, 6, device=device, generator=rng)
    return _layouts(m, {"a.t()[1:, ::2]": a.t()[1:, ::2], "a[1:, 2:][1:, ::2]": a[1:, 2:][1:, ::2],
                        "a.diagonal()": a.diagonal(), "a.diagonal(offset=1)": a.diagonal(1),
                        "a[1:].t()": a[1:].t(), "a.narrow(1, 2, 3)": a.narrow(1, 2, 3)})


@check("storage_offset_and_strides", points=0.5, hints=LAYOUT_HINTS)
def zero_dim_and_dtypes(m, device, rng):
    """a 0-d element, and strides in elements whatever the dtype (float64, int8)"""
    a = torch.randn(4, 6, device=device, generator=rng)
    return _layouts(m, {"a[1, 2] (0-d)": a[1, 2], "float64 a[1:, ::2]": a.double()[1:, ::2],
                        "int8 a.t()[1:]": a.to(torch.int8).t()[1:],
                        "float64 a.unsqueeze(1)": a.double().unsqueeze(1)})


@check("storage_offset_and_strides", points=0.5, hints=LAYOUT_HINTS)
def expanded_and_sliced(m, device, rng):
    """slices of expanded tensors keep stride 0 and move the offset"""
    c = torch.randn(3, 1, device=device, generator=rng)
    d = torch.randn(2, 1, 3, device=device, generator=rng)
    return _layouts(m, {"c.expand(3, 4)[1:]": c.expand(3, 4)[1:],
                        "d.expand(2, 4, 3)[:, :, 1:]": d.expand(2, 4, 3)[:, :, 1:],
                        "d.expand(2, 4, 3)[1]": d.expand(2, 4, 3)[1]})
