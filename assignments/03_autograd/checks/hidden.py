"""Hidden checks of 03_autograd: run only at grading time, never released.

They repeat the public checks' properties with other seeds, shapes, dtypes (float64, 0-d and
non-contiguous tensors), coefficients, learning rates and step counts, and a few edge cases (an
x where y1 == y2, a single SGD step, several unused inputs). Every scenario builds all of its
random inputs before it calls the student's code. Helpers and known wrong answers are imported
from public.py (``from public import``).
"""

import torch

from grader import Hint, Raised, capture, check
from public import (  # public.py's helpers, importable while this file loads
    COPY_HINT,
    CREATE_GRAPH_HINT,
    FRESH_LEAF_HINT,
    INTERMEDIATE_KEYS,
    MINIMIZE_HINTS,
    RETAIN_GRAD_HINT,
    SCALAR_ONLY_HINT,
    UNUSED_HINT,
    accumulated_grad_zeroed,
    backward_on_non_scalar,
    caller_x_cases,
    graph_freed,
    graph_not_created,
    intermediate_grads_without_retain_grad,
    leaves_caller_x,
    number,
    returned_numbers,
    touched,
    unused_not_allowed,
)

# --- known wrong answers (hints) -------------------------------------------------------------


def derivatives(m, f, x):
    """(f'(x), f''(x)) as numbers, or what the call raised."""
    result = capture(m.first_and_second_derivative, f, x)
    if isinstance(result, Raised):
        return result
    d1, d2 = result
    return {"f'(x)": number(d1), "f''(x)": number(d2)}


# --- quadratic_grad --------------------------------------------------------------------------

@check("quadratic_grad", points=1, name="other_shapes_and_coefficients", hints=[
    Hint(SCALAR_ONLY_HINT, when=backward_on_non_scalar)])
def quadratic_other_shapes_and_coefficients(m, device, rng):
    """a 0-d float64 x with tensor coefficients, a 1-D x with a < 0, a transposed x"""
    x0 = torch.randn((), device=device, generator=rng, dtype=torch.float64)
    coefficients = torch.randn(3, device=device, generator=rng, dtype=torch.float64)
    x1 = torch.randn(7, device=device, generator=rng)
    xt = torch.randn(4, 3, device=device, generator=rng).t()
    a, b, c = coefficients.unbind()
    return {
        "0-d float64, tensor a, b, c": capture(m.quadratic_grad, x0.requires_grad_(True),
                                               a, b, c),
        "[7] float32, a=-2, b=0, c=3.5": capture(m.quadratic_grad, x1.requires_grad_(True),
                                                 -2.0, 0.0, 3.5),
        "transposed [3, 4]": capture(m.quadratic_grad, xt.requires_grad_(True), 0.3, 1.1, 0.0),
    }


@check("quadratic_grad", points=0.5, name="leaves_float64_x_untouched",
       judge=leaves_caller_x, hints=[Hint(COPY_HINT, when=touched)])
def quadratic_leaves_float64_x_untouched(m, device, rng):
    """leaves a float64 3-D x untouched: without requires_grad, or holding a .grad"""
    x = torch.randn(2, 2, 3, device=device, generator=rng, dtype=torch.float64)
    a = torch.tensor(-0.5, device=device, dtype=torch.float64)
    return caller_x_cases(lambda t: m.quadratic_grad(t, a, 2.0, 1.0), x)


# --- first_and_second_derivative -------------------------------------------------------------

@check("first_and_second_derivative", points=1, name="other_functions", hints=[
    Hint(CREATE_GRAPH_HINT, when=graph_not_created)])
def derivatives_other_functions(m, device, rng):
    """exp(2x) - x**2, x * sin(x) at random float64 x; x**4 at x = -1.25 in float32"""
    xa = torch.randn((), device=device, generator=rng, dtype=torch.float64)
    xb = torch.randn((), device=device, generator=rng, dtype=torch.float64)
    xc = torch.tensor(-1.25, device=device)
    return {
        "exp(2x) - x**2": derivatives(m, lambda t: torch.exp(2 * t) - t ** 2,
                                      xa.requires_grad_(True)),
        "x * sin(x)": derivatives(m, lambda t: t * torch.sin(t), xb.requires_grad_(True)),
        "x**4": derivatives(m, lambda t: t ** 4, xc.requires_grad_(True)),
    }


@check("first_and_second_derivative", points=0.5, name="float32_0d_tensors", hints=[
    Hint(CREATE_GRAPH_HINT, when=graph_not_created),
    Hint("return the tensors themselves, not Python numbers (.item())",
         when=returned_numbers)])
def derivatives_float32_0d_tensors(m, device, rng):
    """returns two 0-d float32 tensors on x's device for a float32 x"""
    x = torch.randn((), device=device, generator=rng)
    result = m.first_and_second_derivative(torch.cos, x.requires_grad_(True))
    return {"type": type(result).__name__, "returned": result}


# --- grads_of_outputs ------------------------------------------------------------------------

@check("grads_of_outputs", points=1, name="many_inputs_float64", hints=[
    Hint(UNUSED_HINT, when=unused_not_allowed)])
def outputs_many_inputs_float64(m, device, rng):
    """three float64 inputs (1-D, 2-D, 0-d) and three outputs"""
    a = torch.randn(4, device=device, generator=rng, dtype=torch.float64)
    B = torch.randn(2, 3, device=device, generator=rng, dtype=torch.float64)
    s = torch.randn((), device=device, generator=rng, dtype=torch.float64)
    inputs = [t.requires_grad_(True) for t in (a, B, s)]
    grads = m.grads_of_outputs(
        lambda a, B, s: [(a ** 3).sum(), (B @ B.t()).trace() * s, torch.exp(s) * a.mean()],
        inputs)
    return {"gradients": list(grads)}


@check("grads_of_outputs", points=0.5, name="several_unused_inputs", hints=[
    Hint(UNUSED_HINT, when=unused_not_allowed),
    Hint(UNUSED_HINT, when=lambda got: any(g is None for g in got["gradients"]))])
def outputs_several_unused_inputs(m, device, rng):
    """one output, four inputs of which two (float64 [3, 2] and 0-d) are unused"""
    used = torch.randn(5, device=device, generator=rng)
    unused_matrix = torch.randn(3, 2, device=device, generator=rng, dtype=torch.float64)
    used_scalar = torch.randn((), device=device, generator=rng)
    unused_scalar = torch.randn((), device=device, generator=rng, dtype=torch.float64)
    inputs = [t.requires_grad_(True) for t in (used, unused_matrix, used_scalar, unused_scalar)]
    grads = m.grads_of_outputs(lambda u, _m, s, _s: [(u * s).sum()], inputs)
    return {"gradients": list(grads)}


# --- minimize_quadratic ----------------------------------------------------------------------

@check("minimize_quadratic", points=1, name="float64_coefficients", time_limit=20, hints=[
    Hint("x must start with the coefficients' dtype and device, e.g. "
         "torch.zeros((), dtype=a.dtype, device=a.device, requires_grad=True)",
         when=lambda got: got["x"].dtype != torch.float64), *MINIMIZE_HINTS])
def minimize_float64_coefficients(m, device, rng):
    """float64 coefficients give a float64 x: a=0.25, b=-1.5, c=3, lr=0.3, steps=40"""
    a, b, c = (torch.tensor(v, device=device, dtype=torch.float64) for v in (0.25, -1.5, 3.0))
    return {"x": m.minimize_quadratic(a, b, c, lr=0.3, steps=40)}


@check("minimize_quadratic", points=0.5, name="one_and_two_steps", rtol=1.3e-6, atol=1e-5,
       time_limit=20, hints=MINIMIZE_HINTS)
def minimize_one_and_two_steps(m, device, rng):
    """a=3, b=2, c=0 with lr=0.1: one step gives -0.2, two steps -0.28"""
    a, b, c = (torch.tensor(v, device=device) for v in (3.0, 2.0, 0.0))
    return {f"steps={steps}": number(capture(m.minimize_quadratic, a, b, c, lr=0.1,
                                             steps=steps))
            for steps in (1, 2)}


# --- intermediate_grads ----------------------------------------------------------------------

@check("intermediate_grads", points=1, name="other_x_values", hints=[Hint(
    RETAIN_GRAD_HINT, patch={"intermediate_grads": intermediate_grads_without_retain_grad})])
def intermediate_other_x_values(m, device, rng):
    """x = -2.5, x = 1 (where y1 == y2) and a random float64 x"""
    xs = {"x=-2.5": torch.tensor(-2.5, device=device),
          "x=1 (y1 == y2)": torch.tensor(1.0, device=device),
          "random float64 x": torch.randn((), device=device, generator=rng,
                                          dtype=torch.float64)}
    out = {}
    for name, x in xs.items():
        result = capture(m.intermediate_grads, x.requires_grad_(True))
        out[name] = ({key: result.get(key, "missing") for key in INTERMEDIATE_KEYS}
                     if isinstance(result, dict) else result)
    return out


@check("intermediate_grads", points=0.5, name="leaves_float64_x_untouched",
       judge=leaves_caller_x, hints=[Hint(COPY_HINT, when=touched)])
def intermediate_leaves_float64_x_untouched(m, device, rng):
    """leaves a float64 x untouched: without requires_grad, or holding a .grad"""
    x = torch.randn((), device=device, generator=rng, dtype=torch.float64)
    return caller_x_cases(m.intermediate_grads, x)


# --- accumulated_grad ------------------------------------------------------------------------

@check("accumulated_grad", points=1, name="other_shapes_dtypes_times", hints=[
    Hint("this is the gradient of a single backward (2 * x): call backward `times` times on "
         "the same graph and let the gradients add up, without zeroing in between",
         patch={"accumulated_grad": accumulated_grad_zeroed}),
    Hint("the graph is freed after the first backward: pass retain_graph=True to keep it",
         when=graph_freed)])
def accumulated_other_shapes_dtypes_times(m, device, rng):
    """0-d float64 five times, 1-D float32 twice, 3-D float64 four times"""
    cases = {
        "0-d float64, times=5": (torch.randn((), device=device, generator=rng,
                                             dtype=torch.float64), 5),
        "[4] float32, times=2": (torch.randn(4, device=device, generator=rng), 2),
        "[2, 2, 2] float64, times=4": (torch.randn(2, 2, 2, device=device, generator=rng,
                                                   dtype=torch.float64), 4),
    }
    return {name: capture(m.accumulated_grad, x.requires_grad_(True), times)
            for name, (x, times) in cases.items()}


@check("accumulated_grad", points=0.5, name="leaves_float64_x_untouched",
       judge=leaves_caller_x, hints=[Hint(FRESH_LEAF_HINT, when=touched)])
def accumulated_leaves_float64_x_untouched(m, device, rng):
    """leaves a float64 2-D x untouched with times=3"""
    x = torch.randn(2, 2, device=device, generator=rng, dtype=torch.float64)
    return caller_x_cases(lambda t: m.accumulated_grad(t, 3), x)
