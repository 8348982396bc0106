"""Public checks of 01_tensor_basics: students see and run these with `grade check`.

Each scenario observes one property; the grader compares the observation of the student's
module with the reference solution's. The functions at the top are known wrong answers, used
as hint patches: a student whose observation matches one gets its message.

Design notes:
- ``inclusive_range`` takes Python numbers and returns a CPU tensor, and numpy interop is
  CPU-only by contract, so their checks run on the CPU only.
- Every ``inclusive_range`` input below gives the same elements under the contract's formula
  (``floor((end - start) / step) + 1`` in Python floats) and under ``torch.range`` (which
  truncates ``(end - start) / step + 1``); the two differ only when the quotient lies within a
  rounding error below a whole number, and no check uses such an input.
- ``noisy_linear_data``'s exact values are the contract (the draw order is stated). The
  value checks seed torch's global RNG with the generator's seed, so that they observe the
  formula and the order of the draws only; whether the draws come from ``generator`` is
  observed separately: ``reproducible`` returns the data of two calls with equally seeded
  generators (the global RNG moved on between them), ``uses_generator`` the generator's state
  before and after the call. The grader's process compares them with the reference's.
- ``ones_and_zeros_like``'s results depend on x's shape, dtype and device, never on its
  values, so its checks draw the shape from ``rng``.
- A scenario returns what it saw (tensors, values, exceptions) and the grader's process
  judges it; hints read that data (``calls_differ``, ``generator_unused``).
- A check that expects an exception re-raises a stub's ``NotImplementedError``, so that an
  untouched stub reads "not implemented yet" rather than "expected IndexError to be raised".
"""

import numpy as np
import torch

from grader import (
    Hint,
    Raised,
    TensorValue,
    capture,
    check,
    compare,
    default_device_elsewhere,
    gradients,
    lost_gradient,
    unchanged,
    went_to_the_default_device,
)

# --- known wrong answers (hints) -------------------------------------------------------------


def join_always_cat(tensors, dim, new_axis=False):
    return torch.cat(tensors, dim)


def join_always_stack(tensors, dim, new_axis=False):
    return torch.stack(tensors, dim)


def join_wrapping_dim(tensors, dim, new_axis=False):
    ndim = tensors[0].dim() + (1 if new_axis else 0)
    op = torch.stack if new_axis else torch.cat
    return op(tensors, dim % ndim)


def range_end_excluded(start, end, step=1.0):
    return torch.arange(start, end, step, dtype=torch.float32)


def range_rounded_count(start, end, step=1.0):
    n = round((end - start) / step) + 1
    return torch.tensor([start + i * step for i in range(n)], dtype=torch.float32)


def range_float32_count(start, end, step=1.0):
    n = int(torch.div(torch.tensor(end) - start, step, rounding_mode="floor")) + 1
    return torch.tensor([start + i * step for i in range(n)], dtype=torch.float32)


def ones_and_zeros_default_dtype(x):
    return torch.ones(x.shape, device=x.device), torch.zeros(x.shape, device=x.device)


def noisy_noise_first(n, w, b, noise_std, generator=None):
    noise = torch.normal(0.0, noise_std, size=[n, 1], generator=generator, dtype=w.dtype,
                         device=w.device)
    X = 10 * torch.rand([n, w.shape[0]], generator=generator, dtype=w.dtype, device=w.device) - 5
    return X, X @ w + b + noise


def noisy_float32_draws(n, w, b, noise_std, generator=None):
    X = (10 * torch.rand([n, w.shape[0]], generator=generator, device=w.device) - 5).to(w.dtype)
    noise = torch.normal(0.0, noise_std, size=[n, 1], generator=generator,
                         device=w.device).to(w.dtype)
    return X, X @ w + b + noise


def numpy_copy(t):
    return np.array(t)


def numpy_shared(t):
    return t.numpy()


def to_python_by_numel(t):
    return t.item() if t.numel() == 1 else t.tolist()


def to_python_float(t):
    return float(t) if t.dim() == 0 else t.tolist()


def cast_to_float(x, other):
    return x.float()


def cast_type_as(x, other):
    return x.type_as(other)


# --- helpers ---------------------------------------------------------------------------------

def raised_other_than(observation, type_name):
    return any(isinstance(v, Raised) and not v.is_a(type_name) for v in observation.values())


def dtype_and_device(t):
    """The result's dtype and device, and its elements in sorted order: they depend on the
    inputs, not on how they are arranged (a join along the wrong axis still has them)."""
    return {"dtype": t.dtype, "device": t.device.type, "elements": sorted(t.flatten().tolist())}


def type_name(value):
    """'float', 'int', 'bool', or for lists the nesting: 'list[list[float]]'."""
    if isinstance(value, list | tuple):
        inner = sorted({type_name(v) for v in value})
        return f"{type(value).__name__}[{', '.join(inner)}]"
    return type(value).__name__


def typed(fn, t):
    value = fn(t)
    return {"value": value, "type": type_name(value)}


def seed_from(rng, device):
    return int(torch.randint(0, 2**31 - 1, (1,), generator=rng, device=device).item())


def random_shape(rng, device, ndim, low=1, high=6):
    """A shape of ``ndim`` sizes drawn from ``rng``: ones and zeros depend on x's shape alone."""
    return torch.randint(low, high, (ndim,), generator=rng, device=device).tolist()


def notes_weights(device, dtype=torch.float32):
    """The course notes' line: w0 = [[2.0], [-3.0]], b0 = [[10.0]]."""
    w = torch.tensor([[2.0], [-3.0]], device=device, dtype=dtype)
    b = torch.tensor([[10.0]], device=device, dtype=dtype)
    return w, b


def ndarray_facts(arr):
    return {"type": f"{type(arr).__module__}.{type(arr).__name__}", "dtype": str(arr.dtype),
            "shape": list(arr.shape), "values": arr.tolist()}


# --- join ------------------------------------------------------------------------------------

ALWAYS_CAT = ("new_axis=True must stack along a NEW axis, like torch.stack (the result has one "
              "more dimension); torch.cat joins along an existing one")
NEGATIVE_DIM = ("a negative dim counts from the end: -1 is the last axis when concatenating, "
                "and the new last axis when stacking (stack accepts dims -(ndim + 1) to ndim)")
WRAPPED_DIM = Hint("an out-of-range dim must raise IndexError, as torch.cat and torch.stack do; "
                   "wrapping it around (dim % ndim) hides the caller's mistake",
                   patch={"join": join_wrapping_dim})
RAISE_INDEX_ERROR = Hint(
    "raise IndexError for an out-of-range dim (torch.cat and torch.stack raise it for you)",
    when=lambda got: raised_other_than(got, "IndexError"))


@check("join", points=1, hints=[
    Hint("new_axis=False must concatenate along an existing axis, like torch.cat; this result "
         "stacked the tensors along a new axis", patch={"join": join_always_stack})])
def concatenates(m, device, rng):
    """new_axis=False (the default) concatenates along an existing axis, like torch.cat"""
    a, b = (torch.randn(2, 3, device=device, generator=rng) for _ in range(2))
    c = torch.randn(1, 3, device=device, generator=rng)
    d = torch.randn(2, 4, device=device, generator=rng)
    return {"join([a, b] (each 2x3), 0)": capture(m.join, [a, b], 0),
            "join([a (2x3), c (1x3)], 0)": capture(m.join, [a, c], 0),
            "join([a (2x3), d (2x4), b (2x3)], 1, new_axis=False)": capture(
                m.join, [a, d, b], 1, new_axis=False)}


@check("join", points=1, hints=[Hint(ALWAYS_CAT, patch={"join": join_always_cat})])
def stacks_on_a_new_axis(m, device, rng):
    """new_axis=True stacks along a new axis dim (0 to ndim), like torch.stack"""
    a, b, c = (torch.randn(2, 3, device=device, generator=rng) for _ in range(3))
    return {f"join([a, b, c] (each 2x3), {dim}, new_axis=True)": capture(
        m.join, [a, b, c], dim, new_axis=True) for dim in (0, 1, 2)}


@check("join", points=1, hints=[
    Hint(ALWAYS_CAT, patch={"join": join_always_cat}),
    Hint(NEGATIVE_DIM, when=lambda got: any(
        isinstance(got[key], Raised) and not got[key].not_implemented
        for key in ("join([a, b] (each 2x3), -1)", "join([a, b], -1, new_axis=True)")))])
def negative_dims(m, device, rng):
    """negative dims count from the end, in both modes"""
    a, b = (torch.randn(2, 3, device=device, generator=rng) for _ in range(2))
    return {"join([a, b] (each 2x3), -1)": capture(m.join, [a, b], -1),
            "join([a, b], -2)": capture(m.join, [a, b], -2),
            "join([a, b], -1, new_axis=True)": capture(m.join, [a, b], -1, new_axis=True),
            "join([a, b], -3, new_axis=True)": capture(m.join, [a, b], -3, new_axis=True)}


@check("join", points=1, hints=[WRAPPED_DIM, RAISE_INDEX_ERROR])
def out_of_range_dim_raises(m, device, rng):
    """an out-of-range dim raises IndexError, in both modes (stack allows dim == ndim)"""
    a, b = (torch.randn(2, 3, device=device, generator=rng) for _ in range(2))
    return {
        "join([a, b] (each 2x3), 2)": capture(m.join, [a, b], 2),
        "join([a, b], -3)": capture(m.join, [a, b], -3),
        "join([a, b], 3, new_axis=True)": capture(m.join, [a, b], 3, new_axis=True),
        "join([a, b], -4, new_axis=True)": capture(m.join, [a, b], -4, new_axis=True)}


@check("join", points=0.5)
def keeps_dtype_and_device(m, device, rng):
    """the result keeps the inputs' dtype (int64, bool, float16) and device"""
    base = torch.randint(-5, 5, (3, 2), device=device, generator=rng)
    out = {}
    for dtype in (torch.int64, torch.bool, torch.float16):
        x = base.to(dtype)
        name = str(dtype).removeprefix("torch.")
        out[f"{name}, concatenated"] = capture(lambda x=x: dtype_and_device(m.join([x, x], 0)))
        out[f"{name}, stacked"] = capture(
            lambda x=x: dtype_and_device(m.join([x, x], 1, new_axis=True)))
    return out


GRADIENT_CUT = ("the result is cut off from its inputs' gradients (a .detach(), .data or a "
                "tensor rebuilt from values): {keeps} keep{s} them")


@check("join", points=0.5, hints=[Hint(GRADIENT_CUT.format(keeps="torch.cat and torch.stack",
                                                           s=""), when=lost_gradient)])
def keeps_gradients(m, device, rng):
    """gradients flow back to every input, concatenated or stacked"""
    a, b = (torch.randn(2, 3, device=device, generator=rng, requires_grad=True)
            for _ in range(2))
    return {"concatenated": gradients(lambda: m.join([a, b], 0), [a, b], rng),
            "stacked": gradients(lambda: m.join([a, b], 1, new_axis=True), [a, b], rng)}


# --- inclusive_range -------------------------------------------------------------------------

def ranges(m, cases):
    return {f"inclusive_range{args}": capture(m.inclusive_range, *args) for args in cases}


@check("inclusive_range", points=1, devices=("cpu",), hints=[
    Hint("the end is part of the range when it lands on the grid: torch.arange(start, end, "
         "step) stops before end", patch={"inclusive_range": range_end_excluded})])
def includes_end(m, device, rng):
    """the end is included when it lands on the grid"""
    return ranges(m, [(1, 4), (0.0, 2.5, 0.5), (-1.5, 1.5, 0.75), (3.0, -1.5, -1.5)])


@check("inclusive_range", points=1, devices=("cpu",))
def element_values(m, device, rng):
    """element i is start + i * step, up to the last one not past end"""
    return ranges(m, [(0.0, 1.3, 0.3), (-2.0, 3.3, 1.25), (2, 7.4)])


@check("inclusive_range", points=1, devices=("cpu",))
def negative_step(m, device, rng):
    """a negative step counts down from start towards end"""
    return ranges(m, [(5.0, 0.5, -2.0), (0.0, -1.0, -0.3), (3.0, -1.9, -1.5)])


@check("inclusive_range", points=1, devices=("cpu",), hints=[
    Hint("compute n = floor((end - start) / step) + 1 with math.floor on Python floats: "
         "0.3 / 0.1 is 2.9999999999999996, so (0, 0.3, 0.1) has 3 elements; round() gives 4",
         patch={"inclusive_range": range_rounded_count}),
    Hint("compute n in Python floats (math.floor((end - start) / step) + 1), not in float32 "
         "tensors: float32 turns 0.3 / 0.1 into 3.0000001 and (0.6 - 1) / -0.1 into 3.9999998",
         patch={"inclusive_range": range_float32_count}),
    Hint("the end is part of the range when it lands on the grid: (1, 0.6, -0.1) ends with "
         "0.6; torch.arange(start, end, step) stops before end",
         patch={"inclusive_range": range_end_excluded})])
def count_in_python_floats(m, device, rng):
    """n = floor((end - start) / step) + 1 in Python floats: (1, 0.6, -0.1) has 5 elements"""
    return ranges(m, [(1, 0.6, -0.1), (0, 0.3, 0.1), (0, 0.7, 0.1)])


@check("inclusive_range", points=0.5, devices=("cpu",), hints=[Hint(
    "the result must be float32 whatever the arguments' types: pass dtype=torch.float32",
    when=lambda got: any(isinstance(v, dict) and v.get("dtype") != torch.float32
                         for v in got.values()))])
def float32_result(m, device, rng):
    """the result is a 1-D float32 tensor, for int arguments too"""
    return {f"inclusive_range{args}": capture(
        lambda args=args: (lambda r: {"dtype": r.dtype, "dim": r.dim()})(m.inclusive_range(*args)))
        for args in [(1, 4, 1), (-3, 3, 2), (0.0, 1.0, 0.25)]}


ZERO_STEP = Hint(
    "check the step first and raise RuntimeError('step must be nonzero'), as torch.range does; "
    "dividing by a zero step raises ZeroDivisionError instead",
    when=lambda got: raised_other_than(got, "RuntimeError"))


@check("inclusive_range", points=0.5, devices=("cpu",), hints=[ZERO_STEP])
def zero_step_raises(m, device, rng):
    """step == 0 raises RuntimeError"""
    return ranges(m, [(0, 1, 0), (2.0, 2.0, 0.0)])


@check("inclusive_range", points=1, devices=("cpu",), hints=[Hint(
    "a step that points away from end (step > 0 with end < start, or step < 0 with end > start) "
    "must raise RuntimeError, as torch.range does, not give an empty tensor",
    when=lambda got: not all(isinstance(v, Raised) for v in got.values()))])
def wrong_direction_raises(m, device, rng):
    """a step pointing away from end raises RuntimeError"""
    return ranges(m, [(0, 1, -1), (0.0, 0.5, -1.0), (1, 0, 0.5), (0.0, -3.0, 1.0)])


# --- ones_and_zeros_like ---------------------------------------------------------------------

def ones_zeros(m, x):
    ones, zeros = m.ones_and_zeros_like(x)
    return {"ones": ones, "zeros": zeros}


@check("ones_and_zeros_like", points=1)
def shape_and_values(m, device, rng):
    """returns (ones, zeros) of x's shape"""
    x3 = torch.randn(random_shape(rng, device, 3), device=device, generator=rng)
    x1 = torch.randn(random_shape(rng, device, 1, 2, 9), device=device, generator=rng)
    return {"3-D x": capture(ones_zeros, m, x3), "1-D x": capture(ones_zeros, m, x1)}


@check("ones_and_zeros_like", points=1, hints=[Hint(
    "torch.ones(x.shape) is float32 whatever x is: use torch.ones_like(x) and "
    "torch.zeros_like(x), which keep x's dtype (and device)",
    patch={"ones_and_zeros_like": ones_and_zeros_default_dtype})])
def keeps_dtype(m, device, rng):
    """ones and zeros have x's dtype: int64, int32, bool, float16 and float64"""
    base = torch.randint(-3, 3, random_shape(rng, device, 2), device=device, generator=rng)
    out = {}
    for dtype in (torch.int64, torch.int32, torch.bool, torch.float16, torch.float64):
        out[f"x of dtype {str(dtype).removeprefix('torch.')}"] = capture(
            ones_zeros, m, base.to(dtype))
    return out


@check("ones_and_zeros_like", points=0.5)
def keeps_device(m, device, rng):
    """ones and zeros are on x's device"""
    x = torch.randn(random_shape(rng, device, 2), device=device, generator=rng)
    ones, zeros = m.ones_and_zeros_like(x)
    return {"ones device": ones.device.type, "zeros device": zeros.device.type,
            "ones": ones, "zeros": zeros}


# --- noisy_linear_data -----------------------------------------------------------------------

ONE_SOURCE = ("draw every random number from `generator`: torch.rand(..., generator=generator) "
              "and torch.normal(..., generator=generator); a draw without it comes from torch's "
              "global random state")
DTYPE_DEVICE = ("draw X and the noise with w's dtype and on w's device (dtype=w.dtype, "
                "device=w.device in torch.rand and torch.normal): X @ w needs both to match")
NOISE_FIRST = ("the noise was drawn before X: draw X = 10 * torch.rand([n, k]) - 5 first, then "
               "the noise with torch.normal")
FLOAT32_DRAWS = Hint("draw X and the noise directly in w's dtype (dtype=w.dtype in torch.rand and "
                     "torch.normal): float32 draws converted to float64 are other numbers",
                     patch={"noisy_linear_data": noisy_float32_draws})


@check("noisy_linear_data", points=1)
def shapes_dtype_device(m, device, rng):
    """X is [n, k] and y is [n, 1], with w's dtype and on w's device"""
    n, k = random_shape(rng, device, 2, 1, 12)
    w = torch.randn(k, 1, device=device, generator=rng)
    b = torch.randn(1, 1, device=device, generator=rng)
    g = torch.Generator(device=device).manual_seed(seed_from(rng, device))
    X, y = m.noisy_linear_data(n, w, b, 0.5, generator=g)
    return {"X shape": list(X.shape), "X dtype": X.dtype, "X device": X.device.type,
            "y shape": list(y.shape), "y dtype": y.dtype, "y device": y.device.type}


@check("noisy_linear_data", points=2, hints=[
    Hint(NOISE_FIRST, patch={"noisy_linear_data": noisy_noise_first})])
def draw_order(m, device, rng):
    """the notes' data (n = 400, w = [[2], [-3]], b = [[10]], noise std 2) from the stated draws"""
    w, b = notes_weights(device)
    seed = seed_from(rng, device)
    g = torch.Generator(device=device).manual_seed(seed)
    torch.manual_seed(seed)  # the global RNG too: this check is about the draws, not their source
    X, y = m.noisy_linear_data(400, w, b, 2.0, generator=g)
    return {"X": X, "y": y}


def calls_differ(got):
    """In a hint: the two calls with equally seeded generators gave different data."""
    return compare(got["second call"], got["first call"], 0.0, 0.0) is not None


def generator_unused(got):
    """In a hint: the generator's state after the call is its state before it."""
    return compare(got["generator state after the call"],
                   got["generator state before the call"]) is None


DIFFERENT_DATA = Hint("two calls with equally seeded generators gave different data: "
                      + ONE_SOURCE, when=calls_differ)


@check("noisy_linear_data", points=1, hints=[
    DIFFERENT_DATA, Hint(NOISE_FIRST, patch={"noisy_linear_data": noisy_noise_first})])
def reproducible(m, device, rng):
    """equally seeded generators give identical data, whatever torch's global RNG does"""
    w = torch.randn(2, 1, device=device, generator=rng)
    b = torch.randn(1, 1, device=device, generator=rng)
    seed = seed_from(rng, device)
    first = m.noisy_linear_data(20, w, b, 1.0,
                                generator=torch.Generator(device=device).manual_seed(seed))
    torch.rand(13, device=device)  # moves torch's global RNG on between the two calls
    second = m.noisy_linear_data(20, w, b, 1.0,
                                 generator=torch.Generator(device=device).manual_seed(seed))
    return {"first call": first, "second call": second}


@check("noisy_linear_data", points=1, hints=[Hint(
    "the generator passed in was not used: " + ONE_SOURCE, when=generator_unused)])
def uses_generator(m, device, rng):
    """the draws come from (and advance) the generator passed in"""
    w = torch.randn(2, 1, device=device, generator=rng)
    b = torch.randn(1, 1, device=device, generator=rng)
    g = torch.Generator(device=device).manual_seed(seed_from(rng, device))
    before = g.get_state()
    m.noisy_linear_data(10, w, b, 1.0, generator=g)
    return {"generator state before the call": before,
            "generator state after the call": g.get_state()}


@check("noisy_linear_data", points=1, hints=[
    Hint(NOISE_FIRST, patch={"noisy_linear_data": noisy_noise_first}),
    Hint(DTYPE_DEVICE, when=lambda got: isinstance(got, Raised) and not got.not_implemented),
    FLOAT32_DRAWS])
def float64_weights(m, device, rng):
    """with float64 w and b, X and y are float64 draws in the stated order"""
    w, b = notes_weights(device, torch.float64)
    seed = seed_from(rng, device)
    g = torch.Generator(device=device).manual_seed(seed)
    torch.manual_seed(seed)
    X, y = m.noisy_linear_data(50, w, b, 2.0, generator=g)
    return {"X": X, "y": y}


@check("noisy_linear_data", points=0.5, hints=[
    Hint("a tensor was made without device= and went to the default device, which is not w's: "
         "pass device=w.device (and dtype=w.dtype) to torch.rand and torch.normal",
         when=went_to_the_default_device)])
def draws_on_w_device(m, device, rng):
    """every tensor it makes is on w's device, not the default device

    A check runs it with the default device elsewhere: the mistake a GPU shows, seen on the
    CPU too."""
    w = torch.randn(2, 1, device=device, generator=rng)
    b = torch.randn(1, 1, device=device, generator=rng)
    g = torch.Generator(device=device).manual_seed(seed_from(rng, device))
    marks = [torch.randn(30, 2, device=device, generator=rng),
             torch.randn(30, 1, device=device, generator=rng)]
    with default_device_elsewhere(device):
        data = capture(m.noisy_linear_data, 30, w, b, 1.0, generator=g)
    if isinstance(data, Raised):
        return {"X": data, "y": data}
    # Each result times 0 plus drawn values: those values where it is on w's device
    # (whatever it holds: its values are the other checks' business), an error elsewhere.
    return {name: capture(lambda t=t, mark=mark: t * 0 + mark)
            for name, t, mark in zip(("X", "y"), data, marks, strict=False)}


def judge_gradients_of_y(got, expected):
    """Judge of y_keeps_gradients: the gradients y passes back are those of X @ w + b for the
    student's own X (its draws are the other checks' business): X^T u to w and sum(u) to b,
    for the weighting u drawn as the reference's."""
    if not isinstance(got, dict) or got.keys() != expected.keys():
        found = compare(got, expected)
        return found.text() if found else "unexpected observation"
    found = compare(got["u"], expected["u"], path="u")
    if found:
        return found.text()
    grads, X = got[GRADIENTS_TO_W_B], got["X"]
    if not (isinstance(grads, list) and len(grads) == 2 and isinstance(X, TensorValue)
            and all(isinstance(t, TensorValue) for t in grads)):
        found = compare(grads, expected[GRADIENTS_TO_W_B], path=GRADIENTS_TO_W_B)
        return found.text() if found else None
    u = got["u"].values.to(X.values.dtype)
    if X.values.shape != (u.shape[0], 2):
        return f"X: expected shape [{u.shape[0]}, 2], got {list(X.values.shape)}"
    wanted = [X.values.T @ u, u.sum().reshape(1, 1)]
    for name, grad, want in zip(("w", "b"), grads, wanted, strict=True):
        if grad.values.shape != want.shape or not torch.allclose(
                grad.values.to(want.dtype), want, rtol=1e-4, atol=1e-4):
            return (f"the gradient to {name} is not that of X @ w + b + noise for the X "
                    "returned: y must be computed from w and b as given")
    return None


GRADIENTS_TO_W_B = "gradients to w and b"


@check("noisy_linear_data", points=0.5, judge=judge_gradients_of_y, hints=[
    Hint(GRADIENT_CUT.format(keeps="X @ w + b", s="s"), when=lambda got: isinstance(
        got, dict) and lost_gradient(got.get(GRADIENTS_TO_W_B)))])
def y_keeps_gradients(m, device, rng):
    """y stays connected to w and b for autograd (X @ w + b + noise)"""
    w = torch.randn(2, 1, device=device, generator=rng, requires_grad=True)
    b = torch.randn(1, 1, device=device, generator=rng, requires_grad=True)
    u = torch.randn(25, 1, device=device, generator=rng)
    g = torch.Generator(device=device).manual_seed(seed_from(rng, device))
    X, y = m.noisy_linear_data(25, w, b, 1.0, generator=g)

    def backward():
        return list(torch.autograd.grad((y * u).sum(), [w, b]))

    return {"X": X.detach(), "u": u, GRADIENTS_TO_W_B: capture(backward)}


# --- to_numpy_shared / to_numpy_copy ---------------------------------------------------------

def memory_facts(fn, t):
    """The array fn(t) returns, read after t changed in place: an array that shares t's memory
    shows the change, a copy keeps t's old values."""
    arr = fn(t)
    t.add_(1)
    return {"t after t.add_(1)": t, "the array after t.add_(1)": arr.tolist()}


@check("to_numpy_shared", points=1, devices=("cpu",), hints=[
    Hint("np.array(t) copies the data: t.numpy() returns an array that shares t's memory",
         patch={"to_numpy_shared": numpy_copy})])
def shares_memory(m, device, rng):
    """the array shares memory with t: an in-place change of t shows in it"""
    return memory_facts(m.to_numpy_shared, torch.randn(6, generator=rng))


@check("to_numpy_shared", points=0.5, devices=("cpu",), name="values_and_type")
def shared_values_and_type(m, device, rng):
    """returns a numpy.ndarray with t's values, shape and dtype"""
    return ndarray_facts(m.to_numpy_shared(torch.randn(2, 3, generator=rng)))


@check("to_numpy_copy", points=1, devices=("cpu",), hints=[
    Hint("t.numpy() shares t's memory: copy it (t.clone().numpy() or t.numpy().copy())",
         patch={"to_numpy_copy": numpy_shared})])
def independent_copy(m, device, rng):
    """the array does not share memory with t: an in-place change of t leaves it alone"""
    return memory_facts(m.to_numpy_copy, torch.randn(6, generator=rng))


@check("to_numpy_copy", points=0.5, devices=("cpu",), name="values_and_type")
def copy_values_and_type(m, device, rng):
    """returns a numpy.ndarray with t's values, shape and dtype"""
    return ndarray_facts(m.to_numpy_copy(torch.randn(2, 3, generator=rng)))


# --- to_python -------------------------------------------------------------------------------

@check("to_python", points=1, hints=[
    Hint("float(t) turns every 0-d tensor into a float: t.item() gives an int for an integer "
         "tensor and a bool for a bool tensor", patch={"to_python": to_python_float})])
def zero_dim_gives_a_number(m, device, rng):
    """a 0-d tensor gives a Python number of its kind: float, int or bool"""
    value = float(torch.randn((), generator=rng, device=device))
    cases = {"tensor(x) (float32)": torch.tensor(value, device=device),
             "tensor(7)": torch.tensor(7, device=device),
             "tensor(-3, dtype=int32)": torch.tensor(-3, dtype=torch.int32, device=device),
             "tensor(True)": torch.tensor(True, device=device)}
    return {key: capture(typed, m.to_python, t) for key, t in cases.items()}


@check("to_python", points=1)
def nested_lists(m, device, rng):
    """a tensor with dimensions gives nested lists of Python numbers"""
    cases = {"2x3 float32": torch.randn(2, 3, generator=rng, device=device),
             "2x2x2 int64": torch.randint(-9, 9, (2, 2, 2), generator=rng, device=device),
             "1-D bool": torch.tensor([True, False, True], device=device)}
    return {key: capture(typed, m.to_python, t) for key, t in cases.items()}


@check("to_python", points=1, hints=[
    Hint("a 1-element tensor with dimensions gives a list ([4.5]), not a number: test "
         "t.dim() == 0, not t.numel() == 1", patch={"to_python": to_python_by_numel})])
def one_element_gives_a_list(m, device, rng):
    """a 1-element tensor with dimensions gives a list: tensor([4.5]) -> [4.5]"""
    cases = {"tensor([4.5])": torch.tensor([4.5], device=device),
             "tensor([[3]])": torch.tensor([[3]], device=device)}
    return {key: capture(typed, m.to_python, t) for key, t in cases.items()}


# --- cast_like -------------------------------------------------------------------------------

@check("cast_like", points=1, hints=[
    Hint("x.float() always gives float32: convert to other's dtype, x.to(other.dtype)",
         patch={"cast_like": cast_to_float})])
def dtype_and_values(m, device, rng):
    """x converted to other's dtype (float to int truncates towards zero)"""
    x = torch.randn(2, 3, device=device, generator=rng) * 10
    ints = torch.randint(-50, 50, (4,), device=device, generator=rng)
    cases = {"float32 x, int32 other": (x, torch.zeros(1, dtype=torch.int32, device=device)),
             "int64 x, float64 other": (ints, torch.zeros(1, dtype=torch.float64, device=device)),
             "float32 x, bool other": (x, torch.zeros(1, dtype=torch.bool, device=device))}
    return {key: capture(m.cast_like, x, other) for key, (x, other) in cases.items()}


@check("cast_like", points=1, hints=[
    Hint("x.type_as(other) and x.to(other) also move x to other's device: convert only the "
         "dtype, x.to(other.dtype)", patch={"cast_like": cast_type_as})])
def keeps_x_device(m, device, rng):
    """the result stays on x's device when other lives elsewhere (here: 'meta' or the CPU)"""
    x = torch.randn(3, device=device, generator=rng)
    elsewhere = {"cpu": "meta"}.get(device, "cpu")
    other = torch.empty(0, dtype=torch.float64, device=elsewhere)
    result = m.cast_like(x, other)
    # The values as Python numbers: this check is about the device, not the dtype.
    return {f"result device (other on {elsewhere})": result.device.type,
            "result values": capture(result.tolist)}


@check("cast_like", points=0.5, hints=[
    Hint(GRADIENT_CUT.format(keeps="x.to(dtype)", s="s"), when=lost_gradient)])
def keeps_gradients_between_floats(m, device, rng):
    """float to float, the result stays connected to x for autograd"""
    x = torch.randn(4, device=device, generator=rng, requires_grad=True)
    other = torch.zeros(1, dtype=torch.float64, device=device)
    return {"float32 x, float64 other": gradients(lambda: m.cast_like(x, other), [x], rng)}


@check("cast_like", points=0.5)
def x_unchanged(m, device, rng):
    """x itself keeps its dtype and values"""
    x = torch.randn(5, device=device, generator=rng)
    before = x.clone()
    m.cast_like(x, torch.zeros(1, dtype=torch.int64, device=device))
    return {"x": unchanged(x, before)}

