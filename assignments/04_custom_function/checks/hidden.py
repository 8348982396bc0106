"""Hidden checks of 04_custom_function: run only at grading time, never released.

They repeat the public checks' properties on other seeds, shapes, dtypes, slopes and edge cases
(empty and non-contiguous inputs, a batch whose ReLU units are all dead). Every scenario builds
all of its random inputs before it calls the student's code, so that a call that raises does
not shift the inputs of the next observation. Helpers and known wrong answers are imported from
public.py (``from public import``).
"""

import torch

from grader import Hint, capture, changed, check, unchanged
from public import (  # public.py's helpers, importable while this file loads
    FLOAT_DTYPES,
    away_from_zero,
    jacobian,
    relu_linear_grads_sum_loss,
)

LEAKY_SLOPES = (0.01, 0.3, 2.0, 0.0)


# --- helpers ---------------------------------------------------------------------------------


def _forward_backward(fn, x, g):
    """Output of ``fn`` on a fresh leaf copy of ``x``, and the leaf's gradient for ``g``."""
    x = x.detach().clone().requires_grad_(True)
    y = fn(x)
    y.backward(g)
    return {"output": y, "input.grad": x.grad}


# --- MyReLU ----------------------------------------------------------------------------------

@check("MyReLU", points=1)
def random_shapes(m, device, rng):
    """forward and backward on a 3-D and a 1-D input"""
    cases = {}
    for shape in ((2, 3, 4), (7,)):
        x = torch.randn(shape, device=device, generator=rng)
        g = torch.randn(shape, device=device, generator=rng)
        cases[f"shape {list(shape)}"] = (x, g)
    return {key: capture(_forward_backward, m.MyReLU.apply, x, g)
            for key, (x, g) in cases.items()}


@check("MyReLU", points=0.5)
def non_contiguous_input(m, device, rng):
    """works on a non-contiguous (transposed) input"""
    x = torch.randn(5, 4, device=device, generator=rng).t().requires_grad_(True)
    g = torch.randn(4, 5, device=device, generator=rng)
    y = m.MyReLU.apply(x)
    y.backward(g)
    return {"output": y, "input.grad": x.grad}


@check("MyReLU", points=0.5)
def empty_input(m, device, rng):
    """an empty input of shape (0, 3) gives empty output and gradient of that shape"""
    x = torch.empty(0, 3, device=device, requires_grad=True)
    y = m.MyReLU.apply(x)
    y.backward(torch.ones_like(y))
    return {"output": y, "input.grad": x.grad}


@check("MyReLU", points=0.5)
def gradcheck_3d(m, device, rng):
    """backward gives the exact float64 Jacobian on a 3-D input (what gradcheck tests)"""
    x = away_from_zero((2, 3, 2), device, rng)
    return {"jacobian": jacobian(m.MyReLU.apply, x)}


# --- MyLeakyReLU -----------------------------------------------------------------------------

@check("MyLeakyReLU", points=1)
def other_slopes(m, device, rng):
    """forward and backward with negative_slope 0.01, 0.3, 2.0 and 0.0 (an exact 0 included)"""
    cases = {}
    for slope in LEAKY_SLOPES:
        x = torch.randn(3, 4, device=device, generator=rng)
        x[1, 2] = 0.0
        g = torch.randn(3, 4, device=device, generator=rng)
        cases[f"negative_slope={slope}"] = (slope, x, g)
    return {key: capture(_forward_backward, lambda t, s=slope: m.MyLeakyReLU.apply(t, s), x, g)
            for key, (slope, x, g) in cases.items()}


@check("MyLeakyReLU", points=1, name="float_dtypes")
def leaky_float_dtypes(m, device, rng):
    """works in float16, bfloat16, float32 and float64, keeping the input's dtype"""
    out = {}
    for dtype in FLOAT_DTYPES:
        x = torch.randn(2, 5, device=device, generator=rng).to(dtype)
        g = torch.randn(2, 5, device=device, generator=rng).to(dtype)
        out[str(dtype).removeprefix("torch.")] = capture(
            _forward_backward, lambda t: m.MyLeakyReLU.apply(t, 0.1), x, g)
    return out


@check("MyLeakyReLU", points=0.5, name="gradcheck_float64")
def leaky_gradcheck_float64(m, device, rng):
    """backward gives the exact float64 Jacobian (what gradcheck tests)"""
    x = away_from_zero((3, 4), device, rng)
    return {"jacobian": jacobian(lambda x: m.MyLeakyReLU.apply(x, 0.1), x)}


@check("MyLeakyReLU", points=0.5, name="input_not_modified", hints=[
    Hint("forward changed the caller's tensor: an in-place op (mul_, x[x < 0] *= "
         "negative_slope) on `input` modifies it; compute a new tensor, e.g. with "
         "torch.where(input > 0, input, input * negative_slope)",
         when=lambda got: changed(got.get("input by forward"))),
    Hint("backward changed the gradient it was given: an in-place op (mul_, "
         "grad_output[input <= 0] *= negative_slope) on `grad_output` modifies the caller's "
         "tensor; build a new one, e.g. with torch.where",
         when=lambda got: changed(got.get("grad_output by backward")))])
def leaky_input_not_modified(m, device, rng):
    """forward and backward leave the input and the incoming gradient unchanged"""
    x = torch.randn(6, device=device, generator=rng)
    leaf = torch.randn(6, device=device, generator=rng, requires_grad=True)
    g = torch.randn(6, device=device, generator=rng)
    before = x.clone()
    leaf_before = leaf.detach().clone()
    g_before = g.clone()
    m.MyLeakyReLU.apply(x, 0.1)
    capture(lambda: m.MyLeakyReLU.apply(leaf, 0.1).backward(g))
    return {"input by forward": unchanged(x, before),
            "leaf input by forward and backward": unchanged(leaf.detach(), leaf_before),
            "grad_output by backward": unchanged(g, g_before)}


# --- relu_linear_grads -----------------------------------------------------------------------

@check("relu_linear_grads", points=1, hints=[
    Hint("these are the gradients of a sum of squared errors: the loss is their mean",
         patch={"relu_linear_grads": relu_linear_grads_sum_loss})])
def random_batch(m, device, rng):
    """gradients for a random batch of 16 samples with 3 features"""
    w = torch.randn(1, 3, device=device, generator=rng)
    X = torch.randn(16, 3, device=device, generator=rng)
    Y = torch.randn(16, 1, device=device, generator=rng)
    # b centres the pre-activations: about half of the units live, whatever the draw (with a
    # free b, every unit was dead at about 1 salt in 20, and wrong gradients were all zero
    # like the right ones).
    noise = 0.1 * torch.randn(1, 1, device=device, generator=rng)
    b = -(X @ w.t()).median().reshape(1, 1) + noise
    w_grad, b_grad = m.relu_linear_grads(w, b, X, Y)
    return {"w.grad": w_grad, "b.grad": b_grad}


@check("relu_linear_grads", points=0.5)
def dead_units(m, device, rng):
    """when every pre-activation is negative, both gradients are zero"""
    w = torch.randn(1, 3, device=device, generator=rng, requires_grad=True)
    b = torch.full((1, 1), -100.0, device=device, requires_grad=True)
    X = torch.randn(8, 3, device=device, generator=rng)
    Y = torch.randn(8, 1, device=device, generator=rng)
    w_grad, b_grad = m.relu_linear_grads(w, b, X, Y)
    return {"w.grad": w_grad, "b.grad": b_grad}
