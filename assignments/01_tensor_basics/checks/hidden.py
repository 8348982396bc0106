"""Hidden checks of 01_tensor_basics: run only at grading time, never released.

They repeat the public checks' properties on other seeds, shapes, dtypes and edge cases (3-D
and 1-D tensors, ranges whose end lies past the middle of a step, one-element ranges, inf and
nan inputs, a single sample, generator=None, non-contiguous arrays, empty tensors). Every
scenario builds all of its random inputs before it calls the student's code. Helpers and known
wrong answers are imported from public.py (``from public import``), whose docstring's design
notes apply here too.
"""

import torch

from grader import Hint, Raised, capture, check
from public import (  # public.py's helpers, importable while this file loads
    ALWAYS_CAT,
    DIFFERENT_DATA,
    DTYPE_DEVICE,
    FLOAT32_DRAWS,
    NOISE_FIRST,
    RAISE_INDEX_ERROR,
    WRAPPED_DIM,
    cast_to_float,
    join_always_cat,
    memory_facts,
    ndarray_facts,
    noisy_noise_first,
    numpy_copy,
    numpy_shared,
    ones_and_zeros_default_dtype,
    ones_zeros,
    random_shape,
    range_end_excluded,
    range_float32_count,
    range_rounded_count,
    ranges,
    seed_from,
    to_python_float,
    typed,
)

# --- known wrong answers (hints) -------------------------------------------------------------


def ones_and_zeros_arithmetic(x):
    return x * 0 + 1, x * 0


# --- join ------------------------------------------------------------------------------------

@check("join", points=1, hints=[Hint(ALWAYS_CAT, patch={"join": join_always_cat})])
def three_dimensional(m, device, rng):
    """3-D tensors: concatenated along the middle axis, stacked at dims 3 and -2"""
    a = torch.randn(2, 1, 3, device=device, generator=rng)
    b = torch.randn(2, 4, 3, device=device, generator=rng)
    c = torch.randn(2, 2, 3, device=device, generator=rng)
    d, e = (torch.randn(2, 2, 3, device=device, generator=rng) for _ in range(2))
    return {"join([a, b, c], 1)": capture(m.join, [a, b, c], 1),
            "join([c, d, e] (each 2x2x3), 3, new_axis=True)": capture(
                m.join, [c, d, e], 3, new_axis=True),
            "join([c, d, e], -2, new_axis=True)": capture(m.join, [c, d, e], -2, new_axis=True)}


@check("join", points=0.5, hints=[Hint(ALWAYS_CAT, patch={"join": join_always_cat})])
def one_dimensional_and_single(m, device, rng):
    """1-D tensors stacked into columns (dim 1 and -1), and a list of one tensor"""
    a, b = (torch.randn(5, device=device, generator=rng) for _ in range(2))
    return {"join([a, b] (each of 5), 1, new_axis=True)": capture(m.join, [a, b], 1,
                                                                   new_axis=True),
            "join([a, b], -1, new_axis=True)": capture(m.join, [a, b], -1, new_axis=True),
            "join([a], 0)": capture(m.join, [a], 0),
            "join([a], 0, new_axis=True)": capture(m.join, [a], 0, new_axis=True)}


@check("join", points=0.5, hints=[WRAPPED_DIM, RAISE_INDEX_ERROR])
def out_of_range_other_ranks(m, device, rng):
    """out-of-range dims raise IndexError for 1-D and 3-D tensors too"""
    a, b = (torch.randn(4, device=device, generator=rng) for _ in range(2))
    c, d = (torch.randn(2, 3, 2, device=device, generator=rng) for _ in range(2))
    return {
        "join([a, b] (1-D), 1)": capture(m.join, [a, b], 1),
        "join([a, b], -2)": capture(m.join, [a, b], -2),
        "join([a, b], 2, new_axis=True)": capture(m.join, [a, b], 2, new_axis=True),
        "join([c, d] (3-D), 3)": capture(m.join, [c, d], 3),
        "join([c, d], 4, new_axis=True)": capture(m.join, [c, d], 4, new_axis=True),
        "join([c, d], -5, new_axis=True)": capture(m.join, [c, d], -5, new_axis=True)}


# --- inclusive_range -------------------------------------------------------------------------

@check("inclusive_range", points=1, devices=("cpu",), hints=[
    Hint("the count is floor((end - start) / step) + 1: never round up past end",
         patch={"inclusive_range": range_rounded_count})])
def stops_before_passing_end(m, device, rng):
    """the last element never passes end, even when end lies past the middle of a step"""
    return ranges(m, [(0.0, 1.0, 0.35), (10.0, 4.5, -2.0), (0.0, 2.9), (-1.0, 0.8, 0.25)])


@check("inclusive_range", points=1, devices=("cpu",), hints=[
    Hint("compute n = floor((end - start) / step) + 1 with math.floor on Python floats, not "
         "with round()", patch={"inclusive_range": range_rounded_count}),
    Hint("compute n in Python floats (math.floor((end - start) / step) + 1), not in float32 "
         "tensors", patch={"inclusive_range": range_float32_count})])
def more_python_float_counts(m, device, rng):
    """counts in Python floats: (0, 0.6, 0.2) and (0, -0.3, -0.1) have 3 elements"""
    return ranges(m, [(1.0, 1.3, 0.1), (0.0, 0.6, 0.2), (0.0, -0.3, -0.1), (0.5, 1.1, 0.2)])


@check("inclusive_range", points=0.5, devices=("cpu",), hints=[
    Hint("when start == end the range holds just start, for either sign of step",
         when=lambda got: any(isinstance(v, Raised) and not v.not_implemented
                              for v in got.values())),
    Hint("the end is part of the range: with start == end that is one element",
         patch={"inclusive_range": range_end_excluded})])
def single_element(m, device, rng):
    """start == end gives one element, for either sign of step"""
    return ranges(m, [(2, 2, 1), (2.0, 2.0, -1.0), (-0.5, -0.5, 0.1)])


@check("inclusive_range", points=0.5, devices=("cpu",))
def long_range(m, device, rng):
    """a range of 101 elements: each is start + i * step"""
    return ranges(m, [(-5.0, 20.05, 0.25)])


@check("inclusive_range", points=0.5, devices=("cpu",), hints=[Hint(
    "a zero step, or a step pointing away from end, must raise RuntimeError as torch.range does",
    when=lambda got: not all(isinstance(v, Raised) and v.is_a("RuntimeError")
                             for v in got.values()))])
def other_bad_steps(m, device, rng):
    """a fractional step pointing away from end, and step -0.0, raise RuntimeError"""
    return ranges(m, [(0.0, -0.5, 0.1), (2.0, 3.0, -0.5), (1.0, 2.0, -0.0)])


# --- ones_and_zeros_like ---------------------------------------------------------------------

@check("ones_and_zeros_like", points=1, hints=[Hint(
    "torch.ones(x.shape) is float32 whatever x is: use torch.ones_like(x) and "
    "torch.zeros_like(x), which keep x's dtype (and device)",
    patch={"ones_and_zeros_like": ones_and_zeros_default_dtype})])
def other_dtypes_and_shapes(m, device, rng):
    """uint8, int8, bfloat16 and complex64 inputs, a 0-d and an empty one"""
    base = torch.randint(0, 4, random_shape(rng, device, 2), device=device, generator=rng)
    cases = {f"x of dtype {str(dtype).removeprefix('torch.')}": base.to(dtype)
             for dtype in (torch.uint8, torch.int8, torch.bfloat16, torch.complex64)}
    cases["0-d x"] = torch.tensor(3.0, device=device)
    cases["empty x of shape [0, 4]"] = torch.empty(0, 4, device=device)
    return {key: capture(ones_zeros, m, x) for key, x in cases.items()}


@check("ones_and_zeros_like", points=0.5, hints=[Hint(
    "x * 0 is nan where x is inf or nan: build new tensors with torch.ones_like and "
    "torch.zeros_like instead of computing from x's values",
    patch={"ones_and_zeros_like": ones_and_zeros_arithmetic})])
def independent_of_values(m, device, rng):
    """ones and zeros do not depend on x's values (inf and nan included)"""
    x = torch.tensor([1.5, float("inf"), float("-inf"), float("nan")], device=device)
    return capture(ones_zeros, m, x)


# --- noisy_linear_data -----------------------------------------------------------------------

@check("noisy_linear_data", points=1, hints=[
    Hint(NOISE_FIRST, patch={"noisy_linear_data": noisy_noise_first})])
def other_sizes(m, device, rng):
    """k = 3 features, n = 33, noise std 0.5, random w and b: the stated draws"""
    w = torch.randn(3, 1, device=device, generator=rng)
    b = torch.randn(1, 1, device=device, generator=rng)
    seed = seed_from(rng, device)
    g = torch.Generator(device=device).manual_seed(seed)
    torch.manual_seed(seed)  # the global RNG too: this check is about the draws, not their source
    X, y = m.noisy_linear_data(33, w, b, 0.5, generator=g)
    return {"X": X, "y": y}


@check("noisy_linear_data", points=0.5, hints=[
    Hint(NOISE_FIRST, patch={"noisy_linear_data": noisy_noise_first})])
def single_sample(m, device, rng):
    """n = 1 with one feature gives X of shape [1, 1] and the stated draws"""
    w = torch.tensor([[1.5]], device=device)
    b = torch.tensor([[-2.0]], device=device)
    seed = seed_from(rng, device)
    g = torch.Generator(device=device).manual_seed(seed)
    torch.manual_seed(seed)
    X, y = m.noisy_linear_data(1, w, b, 3.0, generator=g)
    return {"X": X, "y": y}


@check("noisy_linear_data", points=0.5, hints=[
    Hint(NOISE_FIRST, patch={"noisy_linear_data": noisy_noise_first})])
def without_generator(m, device, rng):
    """generator=None (the default) draws from torch's global RNG, in the same order"""
    w = torch.randn(2, 1, device=device, generator=rng)
    b = torch.randn(1, 1, device=device, generator=rng)
    torch.manual_seed(seed_from(rng, device))
    X, y = m.noisy_linear_data(12, w, b, 1.0)
    return {"X": X, "y": y}


@check("noisy_linear_data", points=0.5, hints=[
    Hint(DTYPE_DEVICE, when=lambda got: isinstance(got, Raised) and not got.not_implemented),
    DIFFERENT_DATA, Hint(NOISE_FIRST, patch={"noisy_linear_data": noisy_noise_first}),
    FLOAT32_DRAWS])
def reproducible_float64(m, device, rng):
    """float64 data: equally seeded generators give identical data"""
    w = torch.randn(4, 1, device=device, generator=rng, dtype=torch.float64)
    b = torch.randn(1, 1, device=device, generator=rng, dtype=torch.float64)
    seed = seed_from(rng, device)
    first = m.noisy_linear_data(9, w, b, 0.1,
                                generator=torch.Generator(device=device).manual_seed(seed))
    torch.randn(5, device=device)  # moves torch's global RNG on between the two calls
    second = m.noisy_linear_data(9, w, b, 0.1,
                                 generator=torch.Generator(device=device).manual_seed(seed))
    return {"first call": first, "second call": second}


# --- to_numpy_shared / to_numpy_copy ---------------------------------------------------------

@check("to_numpy_shared", points=0.5, devices=("cpu",), hints=[
    Hint("np.array(t) copies the data: t.numpy() returns an array that shares t's memory",
         patch={"to_numpy_shared": numpy_copy})])
def non_contiguous_int64(m, device, rng):
    """a transposed (non-contiguous) int64 tensor: shared memory, its values and dtype"""
    t = torch.randint(-9, 9, (3, 4), generator=rng).t()
    facts = capture(lambda: ndarray_facts(m.to_numpy_shared(t)))
    return {"array": facts, "memory": capture(memory_facts, m.to_numpy_shared, t)}


@check("to_numpy_copy", points=0.5, devices=("cpu",), hints=[
    Hint("t.numpy() shares t's memory: copy it (t.clone().numpy() or t.numpy().copy())",
         patch={"to_numpy_copy": numpy_shared})])
def int32_and_float64(m, device, rng):
    """int32 and float64 tensors: independent copies with their values and dtype"""
    out = {}
    for dtype in (torch.int32, torch.float64):
        t = torch.randint(-9, 9, (2, 3), generator=rng).to(dtype)
        name = str(dtype).removeprefix("torch.")
        out[f"{name} array"] = capture(lambda t=t: ndarray_facts(m.to_numpy_copy(t)))
        out[f"{name} memory"] = capture(memory_facts, m.to_numpy_copy, t)
    return out


# --- to_python -------------------------------------------------------------------------------

@check("to_python", points=0.5, hints=[
    Hint("float(t) turns every 0-d tensor into a float: t.item() gives an int for an integer "
         "tensor", patch={"to_python": to_python_float})])
def other_zero_dim_dtypes(m, device, rng):
    """0-d float64, float16, int8 and uint8 tensors give float, float, int and int"""
    value = float(torch.randn((), generator=rng, device=device))
    cases = {"float64": torch.tensor(value, dtype=torch.float64, device=device),
             "float16": torch.tensor(0.5, dtype=torch.float16, device=device),
             "int8": torch.tensor(-7, dtype=torch.int8, device=device),
             "uint8": torch.tensor(200, dtype=torch.uint8, device=device)}
    return {key: capture(typed, m.to_python, t) for key, t in cases.items()}


@check("to_python", points=0.5)
def empty_and_bool(m, device, rng):
    """empty tensors give empty lists; a 2-D bool tensor gives lists of bools"""
    cases = {"empty of shape [0]": torch.empty(0, device=device),
             "empty of shape [2, 0]": torch.empty(2, 0, device=device),
             "2x2 bool": torch.rand(2, 2, generator=rng, device=device) > 0.5}
    return {key: capture(typed, m.to_python, t) for key, t in cases.items()}


# --- cast_like -------------------------------------------------------------------------------

@check("cast_like", points=1, hints=[
    Hint("x.float() always gives float32: convert to other's dtype, x.to(other.dtype)",
         patch={"cast_like": cast_to_float})])
def other_dtype_pairs(m, device, rng):
    """bool to float32, int64 to float16, float64 to bfloat16, float32 to int8 and uint8"""
    x = torch.randn(2, 3, device=device, generator=rng) * 20
    ints = torch.randint(-50, 50, (5,), device=device, generator=rng)
    flags = torch.rand(4, device=device, generator=rng) > 0.5

    def like(dtype):
        return torch.zeros(2, dtype=dtype, device=device)

    cases = {"bool x, float32 other": (flags, like(torch.float32)),
             "int64 x, float16 other": (ints, like(torch.float16)),
             "float64 x, bfloat16 other": (x.double(), like(torch.bfloat16)),
             "float32 x, int8 other": (x, like(torch.int8)),
             "float32 x (non-negative), uint8 other": (x.abs(), like(torch.uint8))}
    return {key: capture(m.cast_like, x, other) for key, (x, other) in cases.items()}


@check("cast_like", points=0.5, hints=[
    Hint("x.float() always gives float32: convert to other's dtype, x.to(other.dtype)",
         patch={"cast_like": cast_to_float})])
def same_dtype(m, device, rng):
    """when x already has other's dtype, the values come back unchanged"""
    x = torch.randint(-5, 5, (3, 2), device=device, generator=rng)
    return {"int64 x, int64 other": m.cast_like(x, torch.zeros(1, dtype=torch.int64,
                                                                device=device))}
