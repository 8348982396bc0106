"""Public checks of 02_views: students see and run these with `grade check`.

Each scenario observes one property; the grader compares the observation of the student's
module with the reference solution's. The inputs are the four kinds of layout that decide
whether `x.view(shape)` works: contiguous, transposed, sliced and expanded tensors. For
`safe_view`, "the result is a view" and "the result is a copy" are separate checks per kind,
so that a solution that always copies and one that never copies each lose what they break.
A case observes the result's values, which storage it lives in next to x's (``storage``
labels, compared in the grader's process with the reference's) and, for a copy, its strides.
Every scenario builds its inputs before it calls the student's code, and observes each call
with `capture`, so that one call that raises does not hide the others.

The functions at the top are known wrong answers, used as hint patches: a student whose
observation matches one gets its message.
"""

import math

import torch

from grader import (
    Hint,
    Raised,
    TensorValue,
    capture,
    changed,
    check,
    gradients,
    lost_gradient,
    storage,
    unchanged,
)

# --- known wrong answers (hints) -------------------------------------------------------------


def can_view_if_contiguous(x, shape):
    """Answers whether x is contiguous, whatever the shape."""
    return x.is_contiguous()


def can_view_by_reshape(x, shape):
    """Tries reshape instead of view: True for every shape with the right number of elements."""
    try:
        x.reshape(shape)
    except RuntimeError:
        return False
    return True


def can_view_by_product(x, shape):
    """Compares x.numel() with the product of the sizes, so -1 never matches."""
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


# --- helpers ---------------------------------------------------------------------------------


def _as_view(m, x, shape):
    """The result and which storage it lives in, next to x's: labels that the grader's
    process compares with the reference's (equal for a view, different for a copy)."""
    result = m.safe_view(x, shape)
    return {"values": result, "x's storage": storage(x), "result's storage": storage(result)}


def _as_copy(m, x, shape):
    """As ``_as_view``, and the copy's strides: a contiguous copy's are row-major."""
    result = m.safe_view(x, shape)
    return {"values": result, "x's storage": storage(x), "result's storage": storage(result),
            "strides": result.stride()}


def _safe_view_cases(m, observe, inputs):
    """{"<label> viewed as <shape>": observation} for every (label, x, shapes) input."""
    return {f"{label} viewed as {shape}": capture(observe, m, x, shape)
            for label, x, shapes in inputs for shape in shapes}


def _can_view_cases(m, inputs):
    return {f"{label} viewed as {shape}": capture(m.can_view, x, shape)
            for label, x, shapes in inputs for shape in shapes}


def _cases(got):
    return list(got.values()) if isinstance(got, dict) else []


def _copied_a_viewable(got):
    return any(isinstance(c, dict) and c.get("result's storage") != c.get("x's storage")
               for c in _cases(got))


def _view_raised(got):
    return any(isinstance(c, Raised) and c.is_a("RuntimeError") and not c.not_implemented
               and "does not require grad" not in c.message for c in _cases(got))


def _row_major(shape):
    """The strides of a contiguous tensor of this shape."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.insert(0, step)
        step *= max(size, 1)
    return tuple(strides)


def _copy_not_contiguous(got):
    return any(isinstance(c, dict) and isinstance(c.get("values"), TensorValue)
               and tuple(c.get("strides", ())) != _row_major(c["values"].shape)
               for c in _cases(got))


COPIED_CONTIGUOUS = Hint(
    "the result is a copy, but x is contiguous and x.view(shape) works: return that view "
    "(it shares x's storage); copy only when view raises", when=_copied_a_viewable)
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

CONTIGUOUS_ONLY = ("x.is_contiguous() alone does not decide it: the number of elements must "
                   "match too, and view works on some non-contiguous tensors")
STRIDES_MATTER = ("view does not need a contiguous x, only strides that fit the new shape "
                  "(splitting a dimension or adding size-1 ones always works): try x.view(shape) "
                  "and catch the RuntimeError")
NUMEL_NOT_ENOUGH = ("a matching number of elements is what reshape needs; view also needs x's "
                    "strides to fit the new shape, and here x.view(shape) raises: try x.view, "
                    "not x.reshape")
MINUS_ONE = ("-1 stands for the one size that view infers from the others (12 elements as "
             "(4, -1) is (4, 3)); it is allowed once, and only when the other sizes divide the "
             "number of elements")

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
    "are sliced inputs: flatten with reshape(-1), or with .contiguous().view(-1)",
    when=_view_raised)
NO_TRANSPOSE = Hint(
    "these are x's elements in its own row-major order (x.view(-1), x.flatten() or a reshape to "
    "(columns, rows) give them): flatten x.t() instead, e.g. x.t().reshape(-1)",
    patch={"transpose_then_flatten": flatten_without_transpose})


def _snapshot(x):
    return {"values": x.clone(), "shape": tuple(x.shape), "strides": x.stride(),
            "storage offset": x.storage_offset()}


def _called_unchanged(fn, before, x, *args):
    """x after ``fn(x, *args)`` next to ``before``, its snapshot taken before the call,
    whatever the call returned or raised (a stub's "not implemented" excepted: that is the
    observation then)."""
    outcome = capture(fn, x, *args)
    if isinstance(outcome, Raised) and outcome.not_implemented:
        return outcome
    return {key: unchanged(after, before[key]) for key, after in _snapshot(x).items()}


def _changed_x(got):
    """In a hint: some call changed x's values, shape, strides or offset."""
    return any(isinstance(c, dict) and any(changed(v) for v in c.values())
               for c in _cases(got))


def gradient_through(call, shape, device, rng):
    """The gradient a drawn leaf of ``shape`` gets through ``call`` (:func:`grader.gradients`).
    ``call`` gets ``leaf * 1``, not the leaf, so that what it does to its argument in place
    is other checks' business."""
    leaf = torch.randn(shape, device=device, generator=rng, requires_grad=True)
    return gradients(lambda: call(leaf * 1), [leaf], rng)


GRADIENT_LOST = Hint("the result is cut off from x's gradient (a .detach(), .data or a tensor "
                     "rebuilt from values): view, reshape and contiguous keep it",
                     when=lost_gradient)


# --- safe_view -------------------------------------------------------------------------------


@check("safe_view", points=1, hints=[COPIED_CONTIGUOUS])
def views_contiguous(m, device, rng):
    """a contiguous x (also one that starts past its storage's beginning) gives a view"""
    a = torch.randn(3, 4, device=device, generator=rng)
    b = torch.randn(3, 4, device=device, generator=rng)
    return _safe_view_cases(m, _as_view, [
        ("a", a, [(12,), (-1,), (2, 6), (4, -1), (2, 3, 2), (1, 12)]),
        ("b[1:]", b[1:], [(8,), (2, 2, 2), (-1, 2)]),
    ])


@check("safe_view", points=1, hints=[COPIED_NON_CONTIGUOUS])
def views_transposed(m, device, rng):
    """a transposed x gives a view for the shapes view allows (a is [3, 4])"""
    a = torch.randn(3, 4, device=device, generator=rng)
    return _safe_view_cases(m, _as_view, [("a.t()", a.t(), [(4, 3), (2, 2, 3), (4, 3, 1),
                                                            (4, -1)])])


@check("safe_view", points=1, hints=[VIEW_RAISED, COPY_NOT_CONTIGUOUS, GRADIENT_LOST])
def copies_transposed(m, device, rng):
    """a transposed x gives a contiguous copy for the shapes view refuses (a is [3, 4]), and
    gradients flow back through the copy"""
    a = torch.randn(3, 4, device=device, generator=rng)
    cases = _safe_view_cases(m, _as_copy, [("a.t()", a.t(), [(12,), (-1,), (3, 4), (2, 6)])])
    cases["gradient to x [3, 4] through x.t() viewed as (12,)"] = gradient_through(
        lambda x: m.safe_view(x.t(), (12,)), (3, 4), device, rng)
    return cases


@check("safe_view", points=1, hints=[COPIED_NON_CONTIGUOUS])
def views_sliced(m, device, rng):
    """a sliced x gives a view for the shapes view allows (a is [4, 6], b is [6, 4])"""
    a = torch.randn(4, 6, device=device, generator=rng)
    b = torch.randn(6, 4, device=device, generator=rng)
    return _safe_view_cases(m, _as_view, [
        ("a[:, 1:4]", a[:, 1:4], [(4, 3), (2, 2, 3), (-1, 3)]),
        ("b[::2]", b[::2], [(3, 2, 2), (-1, 4), (3, 4, 1)]),
    ])


@check("safe_view", points=1, hints=[VIEW_RAISED, COPY_NOT_CONTIGUOUS])
def copies_sliced(m, device, rng):
    """a sliced x gives a contiguous copy for the shapes view refuses (a is [4, 6], b [6, 4])"""
    a = torch.randn(4, 6, device=device, generator=rng)
    b = torch.randn(6, 4, device=device, generator=rng)
    return _safe_view_cases(m, _as_copy, [
        ("a[:, 1:4]", a[:, 1:4], [(12,), (2, 6)]),
        ("b[::2]", b[::2], [(12,), (4, 3), (-1,)]),
    ])


@check("safe_view", points=0.5, hints=[COPIED_NON_CONTIGUOUS])
def views_expanded(m, device, rng):
    """an expanded x gives a view for the shapes view allows (c is [3, 1])"""
    c = torch.randn(3, 1, device=device, generator=rng)
    return _safe_view_cases(m, _as_view, [("c.expand(3, 4)", c.expand(3, 4),
                                           [(3, 2, 2), (3, 4, 1), (1, 3, 4)])])


@check("safe_view", points=0.5, hints=[VIEW_RAISED, COPY_NOT_CONTIGUOUS])
def copies_expanded(m, device, rng):
    """an expanded x gives a contiguous copy for the shapes view refuses (c is [3, 1])"""
    c = torch.randn(3, 1, device=device, generator=rng)
    return _safe_view_cases(m, _as_copy, [("c.expand(3, 4)", c.expand(3, 4),
                                           [(12,), (4, 3), (-1,)])])


@check("safe_view", points=0.5, hints=[Hint(
    "safe_view changed x (its values, shape or strides): work on views or copies of x, never "
    "on x itself in place", when=_changed_x)])
def leaves_x_unchanged(m, device, rng):
    """x keeps its values, shape and strides"""
    a = torch.randn(3, 4, device=device, generator=rng)
    b = torch.randn(6, 4, device=device, generator=rng)
    c = torch.randn(3, 1, device=device, generator=rng)
    cases = [("a", a, (2, 6)), ("a.t()", a.t(), (12,)), ("b[::2]", b[::2], (3, 2, 2)),
             ("c.expand(3, 4)", c.expand(3, 4), (4, 3))]
    before = [_snapshot(x) for _, x, _ in cases]
    return {f"{label} unchanged by safe_view(x, {shape})": _called_unchanged(m.safe_view, snap,
                                                                              x, shape)
            for (label, x, shape), snap in zip(cases, before, strict=True)}


@check("safe_view", points=0.5, hints=[GRADIENT_LOST])
def keeps_gradients(m, device, rng):
    """gradients flow back to x through the view (through the copy: copies_transposed)"""
    return {"x [3, 4] viewed as (2, 6)": gradient_through(lambda x: m.safe_view(x, (2, 6)),
                                                         (3, 4), device, rng)}


# --- can_view --------------------------------------------------------------------------------


@check("can_view", points=1, hints=[Hint(CONTIGUOUS_ONLY,
                                         patch={"can_view": can_view_if_contiguous})])
def numel_must_match(m, device, rng):
    """False when the number of elements differs, True otherwise for a contiguous x"""
    a = torch.randn(3, 4, device=device, generator=rng)
    return _can_view_cases(m, [
        ("a", a, [(12,), (2, 6), (2, 3, 2), (1, 12), (5,), (3, 5), (0,), (24,)]),
        ("a[1:]", a[1:], [(8,), (2, 2, 2), (12,)]),
    ])


@check("can_view", points=1, hints=[
    Hint(MINUS_ONE, patch={"can_view": can_view_by_product}),
    Hint(CONTIGUOUS_ONLY, patch={"can_view": can_view_if_contiguous})])
def minus_one(m, device, rng):
    """-1 allowed once, where the other sizes divide the number of elements (a is [3, 4])"""
    a = torch.randn(3, 4, device=device, generator=rng)
    return _can_view_cases(m, [("a", a, [(-1,), (4, -1), (-1, 2, 2), (1, -1, 1), (5, -1),
                                         (-1, -1), (-1, 0)])])


@check("can_view", points=1, hints=NON_CONTIGUOUS_HINTS)
def transposed_input(m, device, rng):
    """agrees with view on a transposed x (a is [3, 4])"""
    a = torch.randn(3, 4, device=device, generator=rng)
    return _can_view_cases(m, [("a.t()", a.t(), [(4, 3), (2, 2, 3), (4, -1), (4, 3, 1), (12,),
                                                 (3, 4), (-1,), (5,)])])


@check("can_view", points=1, hints=NON_CONTIGUOUS_HINTS)
def sliced_input(m, device, rng):
    """agrees with view on a sliced x (a is [4, 6], b is [6, 4])"""
    a = torch.randn(4, 6, device=device, generator=rng)
    b = torch.randn(6, 4, device=device, generator=rng)
    return _can_view_cases(m, [
        ("a[:, 1:4]", a[:, 1:4], [(4, 3), (2, 2, 3), (-1, 3), (12,), (2, 6), (-1,)]),
        ("b[::2]", b[::2], [(3, 2, 2), (-1, 4), (12,), (4, 3), (3, 5)]),
    ])


@check("can_view", points=0.5, hints=NON_CONTIGUOUS_HINTS)
def expanded_input(m, device, rng):
    """agrees with view on an expanded x (c is [3, 1])"""
    c = torch.randn(3, 1, device=device, generator=rng)
    return _can_view_cases(m, [("c.expand(3, 4)", c.expand(3, 4),
                                [(3, 2, 2), (3, 4, 1), (-1, 4), (12,), (4, 3), (-1,)])])


@check("can_view", points=0.5, hints=[Hint(
    "can_view must return a Python bool (True or False), not a tensor, a number or None",
    when=lambda got: any(isinstance(v, str) and v != "bool" for v in got.values()))])
def returns_bool(m, device, rng):
    """returns a Python bool"""
    a = torch.randn(3, 4, device=device, generator=rng)

    def type_name(x, shape):
        return type(m.can_view(x, shape)).__name__

    return {"type of can_view(a, (2, 6))": capture(type_name, a, (2, 6)),
            "type of can_view(a.t(), (12,))": capture(type_name, a.t(), (12,)),
            "type of can_view(a, (5,))": capture(type_name, a, (5,))}


# --- transpose_then_flatten ------------------------------------------------------------------


@check("transpose_then_flatten", points=1, hints=[NO_TRANSPOSE, VIEW_FAILS_ON_TRANSPOSE])
def notes_example(m, device, rng):
    """arange(12).view(2, 6) gives [0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11]"""
    x = torch.arange(12, device=device).view(2, 6)
    return {"result": capture(m.transpose_then_flatten, x)}


@check("transpose_then_flatten", points=1,
       hints=[NO_TRANSPOSE, VIEW_FAILS_ON_TRANSPOSE, GRADIENT_LOST])
def random_shapes(m, device, rng):
    """random inputs of shapes [3, 5], [4, 2], [1, 4] and [5, 1], and gradients flow back"""
    inputs = [torch.randn(shape, device=device, generator=rng)
              for shape in ((3, 5), (4, 2), (1, 4), (5, 1))]
    cases = {f"shape {list(x.shape)}": capture(m.transpose_then_flatten, x) for x in inputs}
    cases["gradient to x [3, 5]"] = gradient_through(m.transpose_then_flatten, (3, 5),
                                                     device, rng)
    return cases


@check("transpose_then_flatten", points=1, hints=[NO_TRANSPOSE, VIEW_FAILS_ON_TRANSPOSE])
def non_contiguous_input(m, device, rng):
    """works on an already transposed or sliced x (a is [3, 5], b is [4, 6], c is [6, 4])"""
    a = torch.randn(3, 5, device=device, generator=rng)
    b = torch.randn(4, 6, device=device, generator=rng)
    c = torch.randn(6, 4, device=device, generator=rng)
    inputs = {"a.t()": a.t(), "b[:, 1:4]": b[:, 1:4], "c[::2]": c[::2]}
    return {label: capture(m.transpose_then_flatten, x) for label, x in inputs.items()}


@check("transpose_then_flatten", points=0.5)
def keeps_dtype_and_device(m, device, rng):
    """keeps the input's dtype and device (int32, float16, bool)"""
    # A single row or column: its transpose is contiguous, so this check observes the dtype
    # and device alone, whatever a solution gets wrong about the order or about view.
    inputs = [torch.randint(-9, 9, (1, 5), device=device, generator=rng, dtype=torch.int32),
              torch.randn(4, 1, device=device, generator=rng).half(),
              torch.rand(1, 3, device=device, generator=rng) > 0.5]
    return {str(x.dtype).removeprefix("torch."): capture(m.transpose_then_flatten, x)
            for x in inputs}


@check("transpose_then_flatten", points=0.5, name="leaves_x_unchanged", hints=[Hint(
    "transpose_then_flatten changed x: x.t_() transposes x itself in place; x.t() returns a "
    "transposed view and leaves x alone", when=_changed_x)])
def leaves_x_unchanged_by_transpose(m, device, rng):
    """x keeps its values, shape and strides"""
    a = torch.randn(2, 3, device=device, generator=rng)
    b = torch.randn(4, 2, device=device, generator=rng)
    inputs = {"a": a, "b.t()": b.t()}
    before = {label: _snapshot(x) for label, x in inputs.items()}
    return {f"{label} unchanged": _called_unchanged(m.transpose_then_flatten, before[label], x)
            for label, x in inputs.items()}


# --- storage_offset_and_strides --------------------------------------------------------------

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


@check("storage_offset_and_strides", points=0.5, hints=LAYOUT_HINTS)
def contiguous_layout(m, device, rng):
    """a contiguous x: offset 0 and row-major strides"""
    return _layouts(m, {"[3, 4]": torch.randn(3, 4, device=device, generator=rng),
                        "[2, 3, 4]": torch.randn(2, 3, 4, device=device, generator=rng),
                        "[5]": torch.randn(5, device=device, generator=rng)})


@check("storage_offset_and_strides", points=1, hints=LAYOUT_HINTS)
def sliced_layout(m, device, rng):
    """a sliced x starts past the beginning of its storage (a is [4, 6])"""
    a = torch.randn(4, 6, device=device, generator=rng)
    return _layouts(m, {"a[1:]": a[1:], "a[:, 2:]": a[:, 2:], "a[1:, 2:5]": a[1:, 2:5],
                        "a[::2, 1:]": a[::2, 1:], "a[2]": a[2], "a[:, 3]": a[:, 3]})


@check("storage_offset_and_strides", points=1, hints=LAYOUT_HINTS)
def transposed_layout(m, device, rng):
    """a transposed or permuted x has its strides swapped (a is [3, 4], b is [2, 3, 4])"""
    a = torch.randn(3, 4, device=device, generator=rng)
    b = torch.randn(2, 3, 4, device=device, generator=rng)
    return _layouts(m, {"a.t()": a.t(), "b.permute(2, 0, 1)": b.permute(2, 0, 1),
                        "b.transpose(0, 2)": b.transpose(0, 2)})


@check("storage_offset_and_strides", points=1, hints=LAYOUT_HINTS)
def expanded_layout(m, device, rng):
    """an expanded x has stride 0 along its expanded dimensions (c is [3, 1], d is [4])"""
    c = torch.randn(3, 1, device=device, generator=rng)
    d = torch.randn(4, device=device, generator=rng)
    e = torch.randn(1, device=device, generator=rng)
    return _layouts(m, {"c.expand(3, 4)": c.expand(3, 4), "d.expand(2, 4)": d.expand(2, 4),
                        "e.expand(5)": e.expand(5)})


def _type_of(value):
    """A value's type name, 'tuple' for any tuple (torch.Size is one)."""
    if isinstance(value, tuple):
        return "tuple"
    return type(value).__name__


def _types(result):
    """The type of the result and, for a pair, of the offset, the strides and each stride."""
    types = {"type of the result": _type_of(result), "number of items": None,
             "type of offset": None, "type of strides": None, "types of the strides": None}
    if isinstance(result, tuple | list):
        types["number of items"] = len(result)
        if len(result) == 2:
            offset, strides = result
            types["type of offset"] = _type_of(offset)
            types["type of strides"] = _type_of(strides)
            if isinstance(strides, tuple | list):
                types["types of the strides"] = [_type_of(s) for s in strides]
    return types


RESULT_TYPES = {"type of the result": "tuple", "number of items": 2, "type of offset": "int",
                "type of strides": "tuple", "types of the strides": ["int", "int"]}
"""What ``result_types`` observes for a right answer (the strides of a[1:, ::2])."""


@check("storage_offset_and_strides", points=0.5, hints=[Hint(
    "return the tuple (offset, strides): offset a Python int and strides a tuple of ints, "
    "e.g. (x.storage_offset(), tuple(x.stride()))",
    when=lambda got: isinstance(got, dict) and got != RESULT_TYPES)])
def result_types(m, device, rng):
    """returns a tuple (int, tuple of ints)"""
    a = torch.randn(4, 6, device=device, generator=rng)
    return _types(m.storage_offset_and_strides(a[1:, ::2]))
