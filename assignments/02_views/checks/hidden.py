"""Hidden checks of 02_views: run only at grading time, never released.

They repeat the public checks' properties on other layouts: permuted 3-D tensors, slices with
steps in the last dimension (which view can still flatten), expanded 3-D and 0-d tensors, other
dtypes, empty and single-element tensors, and shapes that no tensor of that size can take.
Every scenario builds all of its inputs before it calls the student's code. Helpers and known
wrong answers are imported from public.py (``from public import``).
"""


import torch

from grader import Hint, capture, check
from public import (  # public.py's helpers, importable while this file loads
    COPIED_NON_CONTIGUOUS,
    COPY_NOT_CONTIGUOUS,
    LAYOUT_HINTS,
    NO_TRANSPOSE,
    NON_CONTIGUOUS_HINTS,
    VIEW_RAISED,
    _as_copy,
    _as_view,
    _can_view_cases,
    _layouts,
    _view_raised,
    can_view_by_product,
    can_view_if_contiguous,
)

# --- helpers ---------------------------------------------------------------------------------


def _safe_view_cases(m, observe, inputs):
    return {f"{label} viewed as {shape}": capture(observe, m, x, shape)
            for label, x, shapes in inputs for shape in shapes}


VIEW_FAILS_ON_TRANSPOSE = Hint(
    "view(-1) raises on a non-contiguous tensor, and x.t() is one (it swaps the strides), as "
    "are sliced and expanded inputs: flatten with reshape(-1), or with .contiguous().view(-1)",
    when=_view_raised)


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
    return [("int64", a), ("bool", a.gt(0)), ("float16", a.half() / 8)]


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
