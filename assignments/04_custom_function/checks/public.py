"""Public checks of 04_custom_function: students see and run these with `grade check`.

Each scenario observes one property; the grader compares the observation of the student's
module with the reference solution's. The classes at the top are known wrong answers, used
as hint patches: a student whose observation matches one gets its message.
"""

import torch

from grader import Hint, Raised, TensorValue, capture, changed, check, compare, unchanged

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


class Float32ReLU(NotesReLU):
    """backward computes in float32 (autograd casts the result back to the input's dtype)."""

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output.float().masked_fill(input <= 0, 0)


class LeakyFloat32Slope(torch.autograd.Function):
    """negative_slope made a float32 tensor (torch.tensor(0.1)): rounded to float32."""

    @staticmethod
    def forward(ctx, input, negative_slope):
        ctx.save_for_backward(input)
        ctx.negative_slope = torch.tensor(negative_slope)
        return torch.where(input > 0, input, input * ctx.negative_slope)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return torch.where(input > 0, grad_output, grad_output * ctx.negative_slope), None


class LeakyFloat32(torch.autograd.Function):
    """forward and backward compute in float32 and cast back."""

    @staticmethod
    def forward(ctx, input, negative_slope):
        ctx.save_for_backward(input)
        ctx.negative_slope = negative_slope
        x = input.float()
        return torch.where(x > 0, x, x * negative_slope).to(input.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        g = grad_output.float()
        return torch.where(input > 0, g, g * ctx.negative_slope).to(grad_output.dtype), None


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


def with_zeros(n, device, rng):
    """n random values of either sign with an exact 0.0 and -0.0 at drawn places: the kink
    where ReLU-like backwards go wrong, among inputs that a graded run draws afresh."""
    x = torch.randn(n, device=device, generator=rng)
    places = torch.randperm(n, device=device, generator=rng)[:2]
    x[places[0]] = 0.0
    x[places[1]] = -0.0
    return x.requires_grad_(True)


def random_example(device, rng):
    """w, b (leaves, as the notes' are), X and Y of the notes' shapes with drawn values."""
    w = torch.randn(1, 2, device=device, generator=rng, requires_grad=True)
    b = torch.randn(1, 1, device=device, generator=rng, requires_grad=True)
    X = torch.randn(6, 2, device=device, generator=rng)
    Y = torch.randn(6, 1, device=device, generator=rng)
    return w, b, X, Y


def away_from_zero(shape, device, rng, dtype=torch.float64):
    """Values in ±[0.2, 2.2]: gradcheck's finite differences never straddle the kink."""
    magnitude = torch.rand(shape, generator=rng, device=device, dtype=dtype) * 2 + 0.2
    sign = torch.randint(0, 2, shape, generator=rng, device=device).to(dtype) * 2 - 1
    return (magnitude * sign).requires_grad_(True)


def backward_observation(fn, device, rng):
    """What backward gives for a float64 input and a float64 grad_output drawn in float64
    (values float32 cannot hold, so that a computation rounded through float32 shows), and
    the gradient of that result with respect to grad_output (create_graph=True, as a second
    derivative or a Hessian-vector product needs): a result outside the graph raises."""
    x = torch.randn(4, 5, device=device, generator=rng, dtype=torch.float64,
                    requires_grad=True)
    g = torch.randn(4, 5, device=device, generator=rng, dtype=torch.float64,
                    requires_grad=True)
    u = torch.randn(4, 5, device=device, generator=rng, dtype=torch.float64)
    (grad,) = torch.autograd.grad(fn(x), x, grad_outputs=g, create_graph=True)
    of_g = capture(lambda: torch.autograd.grad((grad * u).sum(), g)[0])
    return {"input.grad": grad.detach(), GRAD_OF_GRAD: of_g}


GRAD_OF_GRAD = "d(input.grad · u)/d(grad_output)"
FLOAT64_EXACT = {"rtol": 1e-12, "atol": 1e-15}
"""float64 to its own precision: a value rounded through float32 (relative error up to 6e-8)
fails; another float64 formula for the same value (up to a few 1e-16) passes."""


def detached(got):
    """A hint predicate (the grader's process): taking the gradient of backward's result
    raised, as it does for a result outside the graph."""
    raised = got.get(GRAD_OF_GRAD) if isinstance(got, dict) else None
    return isinstance(raised, Raised) and "does not require grad" in raised.message


FLOAT32_HINT = ("a float64 value was rounded through float32 (a .float() or a float32 "
                "intermediate): compute in the input's own dtype")
SLOPE_HINT = ("negative_slope was rounded to float32 (torch.tensor(negative_slope) makes a "
              "float32 tensor): multiply by the Python float itself")
DETACHED_HINT = ("backward's result is not connected to grad_output (a .detach(), .data, "
                 "torch.no_grad() or a tensor rebuilt from values): compute it from "
                 "grad_output with tensor operations, so that a gradient of it can be taken")


# --- MyReLU ----------------------------------------------------------------------------------

@check("MyReLU", points=1)
def forward_values(m, device, rng):
    """forward gives input.clamp(min=0)"""
    x = torch.randn(4, 5, device=device, generator=rng)
    return {"output": m.MyReLU.apply(x)}


@check("MyReLU", points=1, **FLOAT64_EXACT, hints=[
    Hint("backward returns grad_output unchanged: zero it where input <= 0",
         patch={"MyReLU": PassThroughReLU}),
    Hint(FLOAT32_HINT, patch={"MyReLU": Float32ReLU}),
    Hint(DETACHED_HINT, when=detached)])
def backward_values(m, device, rng):
    """backward passes grad_output where input > 0 and 0 elsewhere, in float64 exactly, and
    stays differentiable"""
    return backward_observation(m.MyReLU.apply, device, rng)


@check("MyReLU", points=1, hints=[Hint(ZERO_GRAD_HINT, patch={"MyReLU": NotesReLU})])
def grad_at_zero(m, device, rng):
    """gradient at exactly 0 is 0"""
    x = with_zeros(8, device, rng)
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
    when=lambda got: changed(got.get("input by forward")))])
def input_not_modified(m, device, rng):
    """forward and backward leave the input unchanged"""
    x = torch.randn(6, device=device, generator=rng)
    leaf = torch.randn(6, device=device, generator=rng, requires_grad=True)
    before = x.clone()
    leaf_before = leaf.detach().clone()
    m.MyReLU.apply(x)
    capture(lambda: m.MyReLU.apply(leaf).sum().backward())
    return {"input by forward": unchanged(x, before),
            "leaf input by forward and backward": unchanged(leaf.detach(), leaf_before)}


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


def output_and_gradient_device(got, expected):
    """Judge of output_device: the output as the reference's (its values are drawn afresh in
    a graded run), and of the gradient only where it lives: its values are backward_values'
    business, so a wrong backward loses its points there and not twice."""
    if not isinstance(got, dict) or got.keys() != expected.keys():
        found = compare(got, expected)
        return found.text() if found else "unexpected observation"
    found = compare(got["output"], expected["output"], path="output")
    if found:
        return found.text()
    grad, wanted = got["gradient"], expected["gradient"]
    if isinstance(grad, Raised):
        return f"gradient: backward raised {grad.summary()}"
    if not isinstance(grad, TensorValue):
        return "gradient: input.grad is not a tensor after backward"
    if grad.device != wanted.device:
        return f"gradient: expected it on {wanted.device} (the input's device), got {grad.device}"
    return None


@check("MyReLU", points=0.5, judge=output_and_gradient_device)
def output_device(m, device, rng):
    """output and gradient stay on the input's device"""
    x = torch.randn(5, device=device, generator=rng, requires_grad=True)
    y = m.MyReLU.apply(x)
    grad = capture(lambda: (y.backward(torch.ones_like(y)), x.grad)[1])
    return {"output": y, "gradient": grad}


# --- MyLeakyReLU -----------------------------------------------------------------------------

@check("MyLeakyReLU", points=1, name="forward_values", **FLOAT64_EXACT, hints=[
    Hint(SLOPE_HINT, patch={"MyLeakyReLU": LeakyFloat32Slope})])
def leaky_forward_values(m, device, rng):
    """forward gives input where input > 0, negative_slope * input elsewhere (float64
    exactly)"""
    x = torch.randn(4, 5, device=device, generator=rng, dtype=torch.float64)
    return {"output": m.MyLeakyReLU.apply(x, 0.1)}


@check("MyLeakyReLU", points=1, name="backward_values", **FLOAT64_EXACT, hints=[
    Hint("negative inputs got gradient 0: multiply grad_output by negative_slope there",
         patch={"MyLeakyReLU": LeakyWithoutSlope}),
    Hint(SLOPE_HINT, patch={"MyLeakyReLU": LeakyFloat32Slope}),
    Hint(FLOAT32_HINT, patch={"MyLeakyReLU": LeakyFloat32}),
    Hint(DETACHED_HINT, when=detached)])
def leaky_backward_values(m, device, rng):
    """backward gives grad_output where input > 0, negative_slope * grad_output elsewhere,
    in float64 exactly, and stays differentiable"""
    return backward_observation(lambda x: m.MyLeakyReLU.apply(x, 0.1), device, rng)


@check("MyLeakyReLU", points=1, name="grad_at_zero", hints=[
    Hint("at exactly 0 leaky_relu's gradient is negative_slope, not 1: mask with `input > 0`",
         patch={"MyLeakyReLU": LeakyOneAtZero})])
def leaky_grad_at_zero(m, device, rng):
    """gradient at exactly 0 is negative_slope"""
    x = with_zeros(8, device, rng)
    m.MyLeakyReLU.apply(x, 0.2).sum().backward()
    return {"input.grad": x.grad}


def not_grad_and_none(got):
    """A hint predicate (the grader's process): backward's return was not (a tensor, None)."""
    returned = got.get("backward returned") if isinstance(got, dict) else None
    return not (isinstance(returned, tuple) and len(returned) == 2
                and isinstance(returned[0], TensorValue) and returned[1] is None)


@check("MyLeakyReLU", points=1, hints=[Hint(
    "backward must return one gradient per forward input: (grad_input, None), None for the "
    "float negative_slope",
    when=not_grad_and_none)])
def returns_grad_and_none(m, device, rng):
    """backward returns (grad_input, None)"""
    # Both signs whatever the draw (five free signs were all positive at 1 salt in 32, and a
    # backward without the slope then passed).
    signs = torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0], device=device)
    x = ((torch.rand(5, device=device, generator=rng) + 0.1) * signs).requires_grad_(True)
    y = m.MyLeakyReLU.apply(x, 0.1)
    returned = capture(m.MyLeakyReLU.backward, y.grad_fn, torch.ones_like(y))
    through_autograd = capture(lambda: (y.sum().backward(), x.grad)[1])
    return {"backward returned": returned, "input.grad through autograd": through_autograd}


# --- relu_linear_grads -----------------------------------------------------------------------

@check("relu_linear_grads", points=2, hints=[
    Hint("these are the gradients of a sum of squared errors: the loss is their mean",
         patch={"relu_linear_grads": relu_linear_grads_sum_loss})])
def notes_numbers(m, device, rng):
    """the notes' example gives w.grad = [[4.5, 4.5]] and b.grad = [[4.5]]"""
    w_grad, b_grad = m.relu_linear_grads(*notes_example(device))
    return {"w.grad": w_grad, "b.grad": b_grad}


def touched_callers_leaves(got):
    """A hint predicate (the grader's process): the caller's w or b got a .grad, or a second
    call gave other gradients than the first (gradients accumulated into shared leaves)."""
    if not isinstance(got, dict):
        return False
    if got.get("caller's w.grad") is not None or got.get("caller's b.grad") is not None:
        return True
    first, second = got.get("first call"), got.get("second call")
    if not (isinstance(first, tuple | list) and isinstance(second, tuple | list)):
        return False
    return any(isinstance(p, TensorValue) and isinstance(q, TensorValue)
               and not (p.values.shape == q.values.shape and torch.equal(p.values, q.values))
               for p, q in zip(first, second, strict=False))


def leaves_callers_leaves(got, expected):
    """Judge of fresh_leaf_copies: the caller's w and b as the reference leaves them (values
    drawn afresh in a graded run, .grad None), and the second call's gradients equal to the
    first's: the student's own, so that a wrong formula is the value checks' business."""
    if not isinstance(got, dict) or got.keys() != expected.keys():
        found = compare(got, expected)
        return found.text() if found else "unexpected observation"
    for key in ("caller's w", "caller's b", "caller's w.grad", "caller's b.grad"):
        found = compare(got[key], expected[key], path=key)
        if found:
            return found.text()
    first, second = got["first call"], got["second call"]
    wanted = expected["first call"]
    if not (isinstance(first, tuple | list) and len(first) == len(wanted)
            and all(isinstance(g, TensorValue) for g in first)):
        # Not gradients at all (a stub's "not implemented yet" among them): said as such.
        found = compare(first, wanted, path="first call")
        return found.text() if found else "first call: expected two gradient tensors"
    found = compare(second, first, path="second call")
    return f"{found.text()} (the first call gave other gradients)" if found else None


@check("relu_linear_grads", points=1, judge=leaves_callers_leaves, hints=[Hint(
    "work on fresh leaf copies (w.detach().clone().requires_grad_()): the caller's tensors "
    "must keep .grad None, and a second call must not accumulate into the first",
    when=touched_callers_leaves)])
def fresh_leaf_copies(m, device, rng):
    """leaves the caller's w and b untouched, and repeated calls agree"""
    w, b, X, Y = random_example(device, rng)
    w_before, b_before = w.detach().clone(), b.detach().clone()
    first = capture(m.relu_linear_grads, w, b, X, Y)
    second = capture(m.relu_linear_grads, w, b, X, Y)
    return {"first call": first, "second call": second,
            "caller's w": unchanged(w.detach(), w_before),
            "caller's b": unchanged(b.detach(), b_before),
            "caller's w.grad": w.grad, "caller's b.grad": b.grad}
