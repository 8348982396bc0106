"""Public checks of 04_custom_function: students see and run these with `grade check`.

Each scenario observes one property; the grader compares the observation of the student's
module with the reference solution's. The classes at the top are known wrong answers, used
as hint patches: a student whose observation matches one gets its message.
"""

import torch

from grader import Hint, capture, check

FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


# --- known wrong answers (hints) -------------------------------------------------------------

class NotesReLU(torch.autograd.Function):
    """The course notes' version: masks input < 0, so the gradient at exactly 0 is 1."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class PassThroughReLU(NotesReLU):
    """backward returns grad_output unchanged."""

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class LeakyWithoutSlope(torch.autograd.Function):
    """backward forgets negative_slope: gradient 0 for negative inputs."""

    @staticmethod
    def forward(ctx, input, negative_slope):
        ctx.save_for_backward(input)
        return torch.where(input > 0, input, input * negative_slope)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * (input > 0), None


class LeakyOneAtZero(torch.autograd.Function):
    """backward masks input >= 0: gradient 1 at exactly 0 instead of negative_slope."""

    @staticmethod
    def forward(ctx, input, negative_slope):
        ctx.save_for_backward(input)
        ctx.negative_slope = negative_slope
        return torch.where(input > 0, input, input * negative_slope)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return torch.where(input >= 0, grad_output, grad_output * ctx.negative_slope), None


def relu_linear_grads_sum_loss(w, b, X, Y):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    loss = torch.sum((torch.relu(X @ w.t() + b) - Y) ** 2)
    loss.backward()
    return w.grad, b.grad


ZERO_GRAD_HINT = ("at exactly 0 the gradient must be 0, as torch.relu's is: mask with "
                  "`input > 0` (the notes' `grad_input[input < 0] = 0` leaves 1 at 0)")


def notes_example(device):
    """The numbers of the course notes' custom-Function example."""
    w = torch.tensor([[3.0, 1.0]], device=device, requires_grad=True)
    b = torch.tensor([[3.0]], device=device, requires_grad=True)
    X = torch.tensor([[-1.0, -1.0], [1.0, 1.0]], device=device)
    Y = torch.tensor([[2.0, 3.0]], device=device)
    return w, b, X, Y


def away_from_zero(shape, device, rng, dtype=torch.float64):
    """Values in ±[0.2, 2.2]: gradcheck's finite differences never straddle the kink."""
    magnitude = torch.rand(shape, generator=rng, device=device, dtype=dtype) * 2 + 0.2
    sign = torch.randint(0, 2, shape, generator=rng, device=device).to(dtype) * 2 - 1
    return (magnitude * sign).requires_grad_(True)


# --- MyReLU ----------------------------------------------------------------------------------

@check("MyReLU", points=1)
def forward_values(m, device, rng):
    """forward gives input.clamp(min=0)"""
    x = torch.randn(4, 5, device=device, generator=rng)
    return {"output": m.MyReLU.apply(x)}


@check("MyReLU", points=1, hints=[
    Hint("backward returns grad_output unchanged: zero it where input <= 0",
         patch={"MyReLU": PassThroughReLU})])
def backward_values(m, device, rng):
    """backward passes grad_output where input > 0 and 0 elsewhere"""
    x = torch.randn(4, 5, device=device, generator=rng, requires_grad=True)
    g = torch.randn(4, 5, device=device, generator=rng)
    m.MyReLU.apply(x).backward(g)
    return {"input.grad": x.grad}


@check("MyReLU", points=1, hints=[Hint(ZERO_GRAD_HINT, patch={"MyReLU": NotesReLU})])
def grad_at_zero(m, device, rng):
    """gradient at exactly 0 is 0"""
    x = torch.tensor([-2.0, -0.0, 0.0, 0.5, 3.0], device=device, requires_grad=True)
    m.MyReLU.apply(x).sum().backward()
    return {"input.grad": x.grad}


def jacobian(fn, x):
    """The float64 Jacobian that fn's backward gives at x, as data.

    What ``torch.autograd.gradcheck`` tests, observed instead of asserted: the grader
    compares the tensor with the reference's, so code that patches gradcheck's comparisons
    while it runs cannot turn a wrong backward into a pass.
    """
    return capture(torch.autograd.functional.jacobian, fn, x)


@check("MyReLU", points=1)
def gradcheck_float64(m, device, rng):
    """backward gives the exact float64 Jacobian (what gradcheck tests)"""
    x = away_from_zero((3, 4), device, rng)
    return {"jacobian": jacobian(m.MyReLU.apply, x)}


@check("MyReLU", points=0.5, hints=[Hint(
    "forward changed the caller's tensor: an in-place op (clamp_, relu_, x[x < 0] = 0) on "
    "`input` modifies it; compute a new tensor with input.clamp(min=0)",
    when=lambda got: got.get("input unchanged by forward") is False)])
def input_not_modified(m, device, rng):
    """forward and backward leave the input unchanged"""
    x = torch.randn(6, device=device, generator=rng)
    before = x.clone()
    m.MyReLU.apply(x)
    leaf = torch.randn(6, device=device, generator=rng, requires_grad=True)
    leaf_before = leaf.detach().clone()
    capture(lambda: m.MyReLU.apply(leaf).sum().backward())
    return {"input unchanged by forward": bool(torch.equal(x, before)),
            "leaf input unchanged by forward and backward": bool(torch.equal(leaf.detach(),
                                                                             leaf_before))}


def _forward_backward(fn, dtype, device, rng):
    x = torch.randn(3, 4, device=device, generator=rng).to(dtype).requires_grad_(True)
    y = fn(x)
    y.backward(torch.ones_like(y))
    return {"output": y, "input.grad": x.grad}


@check("MyReLU", points=1)
def float_dtypes(m, device, rng):
    """works in float16, bfloat16, float32 and float64, keeping the input's dtype"""
    return {str(dtype).removeprefix("torch."): capture(_forward_backward, m.MyReLU.apply, dtype,
                                                        device, rng)
            for dtype in FLOAT_DTYPES}


@check("MyReLU", points=0.5)
def output_device(m, device, rng):
    """output and gradient stay on the input's device"""
    x = torch.randn(5, device=device, generator=rng, requires_grad=True)
    y = m.MyReLU.apply(x)
    grad = capture(lambda: (y.backward(torch.ones_like(y)), x.grad.device.type)[1])
    return {"output device": y.device.type, "gradient device": grad}


# --- MyLeakyReLU -----------------------------------------------------------------------------

@check("MyLeakyReLU", points=1, name="forward_values")
def leaky_forward_values(m, device, rng):
    """forward gives input where input > 0, negative_slope * input elsewhere"""
    x = torch.randn(4, 5, device=device, generator=rng)
    return {"output": m.MyLeakyReLU.apply(x, 0.1)}


@check("MyLeakyReLU", points=1, name="backward_values", hints=[
    Hint("negative inputs got gradient 0: multiply grad_output by negative_slope there",
         patch={"MyLeakyReLU": LeakyWithoutSlope})])
def leaky_backward_values(m, device, rng):
    """backward gives grad_output where input > 0, negative_slope * grad_output elsewhere"""
    x = torch.randn(4, 5, device=device, generator=rng, requires_grad=True)
    g = torch.randn(4, 5, device=device, generator=rng)
    m.MyLeakyReLU.apply(x, 0.1).backward(g)
    return {"input.grad": x.grad}


@check("MyLeakyReLU", points=1, name="grad_at_zero", hints=[
    Hint("at exactly 0 leaky_relu's gradient is negative_slope, not 1: mask with `input > 0`",
         patch={"MyLeakyReLU": LeakyOneAtZero})])
def leaky_grad_at_zero(m, device, rng):
    """gradient at exactly 0 is negative_slope"""
    x = torch.tensor([-1.0, 0.0, 2.0], device=device, requires_grad=True)
    m.MyLeakyReLU.apply(x, 0.2).sum().backward()
    return {"input.grad": x.grad}


@check("MyLeakyReLU", points=1, hints=[Hint(
    "backward must return one gradient per forward input: (grad_input, None), None for the "
    "float negative_slope",
    when=lambda got: got.get("backward returns (grad, None)") is False)])
def returns_grad_and_none(m, device, rng):
    """backward returns (grad_input, None)"""
    x = torch.randn(5, device=device, generator=rng, requires_grad=True)
    y = m.MyLeakyReLU.apply(x, 0.1)
    returned = capture(m.MyLeakyReLU.backward, y.grad_fn, torch.ones_like(y))
    shape_ok = (isinstance(returned, tuple) and len(returned) == 2
                and isinstance(returned[0], torch.Tensor) and returned[1] is None)
    through_autograd = capture(lambda: (y.sum().backward(), x.grad)[1])
    return {"backward returns (grad, None)": shape_ok,
            "input.grad through autograd": through_autograd}


# --- relu_linear_grads -----------------------------------------------------------------------

@check("relu_linear_grads", points=2, hints=[
    Hint("these are the gradients of a sum of squared errors: the loss is their mean",
         patch={"relu_linear_grads": relu_linear_grads_sum_loss})])
def notes_numbers(m, device, rng):
    """the notes' example gives w.grad = [[4.5, 4.5]] and b.grad = [[4.5]]"""
    w_grad, b_grad = m.relu_linear_grads(*notes_example(device))
    return {"w.grad": w_grad, "b.grad": b_grad}


@check("relu_linear_grads", points=1, hints=[Hint(
    "work on fresh leaf copies (w.detach().clone().requires_grad_()): the caller's tensors "
    "must keep .grad None, and a second call must not accumulate into the first",
    when=lambda got: not all(v is True for v in got.values()))])
def fresh_leaf_copies(m, device, rng):
    """leaves the caller's w and b untouched, and repeated calls agree"""
    w, b, X, Y = notes_example(device)
    first = m.relu_linear_grads(w, b, X, Y)
    second = m.relu_linear_grads(w, b, X, Y)
    return {
        "caller's w.grad stays None": w.grad is None,
        "caller's b.grad stays None": b.grad is None,
        "a second call gives the same gradients": all(
            isinstance(p, torch.Tensor) and isinstance(q, torch.Tensor) and torch.equal(p, q)
            for p, q in zip(first, second, strict=True)),
    }
