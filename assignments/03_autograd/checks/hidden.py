"""Hidden checks of 03_autograd: run only at grading time, never released.

They repeat the public checks' properties with other seeds, shapes, dtypes (float64, 0-d and
non-contiguous tensors), coefficients, learning rates and step counts, and a few edge cases
(an x where y1 == y2, a single SGD step, several unused inputs). Every scenario builds all of
its random inputs before it calls the student's code. This file is executed on its own: the
helpers it shares with public.py are copied here.
"""

import torch

from grader import Hint, capture, check
from grader.observations import Raised

INTERMEDIATE_KEYS = ("x", "y1", "y2", "loss")


# --- helpers (observation only) --------------------------------------------------------------

def number(value):
    """A one-element result as a Python float (so value checks do not also judge its type);
    anything else unchanged, so that the message names what came back."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.detach().reshape(()).cpu())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def tensor_facts(value):
    """Type, shape, dtype and device of a returned value, with None where it has none."""
    is_tensor = isinstance(value, torch.Tensor)
    return {"type": type(value).__name__,
            "shape": list(value.shape) if is_tensor else None,
            "dtype": value.dtype if is_tensor else None,
            "device": value.device.type if is_tensor else None}


def same(p, q):
    """True when two results are equal: tensors by shape, dtype, device and values; two
    exceptions by type."""
    if isinstance(p, Raised) or isinstance(q, Raised):
        return isinstance(p, Raised) and isinstance(q, Raised) and p.type == q.type
    if isinstance(p, torch.Tensor) or isinstance(q, torch.Tensor):
        return (isinstance(p, torch.Tensor) and isinstance(q, torch.Tensor)
                and p.shape == q.shape and p.dtype == q.dtype and p.device == q.device
                and bool(torch.equal(p.detach(), q.detach())))
    if isinstance(p, list | tuple) and isinstance(q, list | tuple):
        return len(p) == len(q) and all(same(a, b) for a, b in zip(p, q, strict=True))
    if isinstance(p, dict) and isinstance(q, dict):
        return p.keys() == q.keys() and all(same(p[k], q[k]) for k in p)
    return type(p) is type(q) and p == q


SAME = "same as for a fresh leaf copy"


def outcome(got, reference):
    """How a call on a caller's x compares with the call on a fresh leaf copy of it (which
    may raise too: a wrong formula is the value checks' business, not this one's)."""
    if same(got, reference):
        return SAME
    if isinstance(got, Raised):
        first, *_ = got.summary().splitlines() or [got.type]
        return f"raised {first}"
    return "differs from a fresh leaf copy's"


def caller_x_cases(call, x):
    """Call ``call`` on a fresh leaf copy of ``x``, on a leaf copy that already holds a .grad
    and on a copy without requires_grad; observe the last two's results and what became of
    them. A stub's NotImplementedError is the observation itself."""
    fresh = x.detach().clone().requires_grad_(True)
    held = x.detach().clone().requires_grad_(True)
    held.grad = torch.full_like(held, 0.5)
    plain = x.detach().clone()
    grad_before = held.grad.clone()
    values = x.detach().clone()
    reference = capture(call, fresh)
    if isinstance(reference, Raised) and reference.not_implemented:
        return reference
    got_held = capture(call, held)
    got_plain = capture(call, plain)
    return {
        "x holding a .grad: its .grad unchanged":
            isinstance(held.grad, torch.Tensor) and bool(torch.equal(held.grad, grad_before)),
        "x holding a .grad: values unchanged": bool(torch.equal(held.detach(), values)),
        "x holding a .grad: result": outcome(got_held, reference),
        "x without requires_grad: result": outcome(got_plain, reference),
        "x without requires_grad: still requires_grad=False with .grad None":
            not plain.requires_grad and plain.grad is None,
        "x without requires_grad: values unchanged": bool(torch.equal(plain, values)),
    }


def touched(got):
    """A hint predicate: some entry of a caller_x_cases observation is not as it should be."""
    return isinstance(got, dict) and not all(v is True or v == SAME for v in got.values())


def raised_with(*phrases):
    """A hint predicate: the observation (or one of its entries) is an exception whose
    message contains one of ``phrases``."""
    def predicate(got):
        found = list(got.values()) if isinstance(got, dict) else [got]
        return any(isinstance(v, Raised) and any(p in v.message for p in phrases)
                   for v in found)
    return predicate


COPY_HINT = ("work on a detached copy, x = x.detach().clone().requires_grad_(True): the "
             "caller's x may come without requires_grad, or already hold a .grad that "
             "backward would add to, and must be left as it was")



# --- known wrong answers (hints) -------------------------------------------------------------

def intermediate_grads_without_retain_grad(x):
    x = x.detach().clone().requires_grad_(True)
    y1 = x + 1
    y2 = 2 * x
    loss = (y1 - y2) ** 2
    loss.backward()
    return {"x": x.grad, "y1": y1.grad, "y2": y2.grad, "loss": loss.grad}


def minimize_with_adam(a, b, c, lr=0.01, steps=500):
    x = torch.zeros((), dtype=a.dtype, device=a.device, requires_grad=True)
    optimizer = torch.optim.Adam([x], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        (a * x ** 2 + b * x + c).backward()
        optimizer.step()
    return x.detach()


def minimize_without_zero_grad(a, b, c, lr=0.01, steps=500):
    x = torch.zeros((), dtype=a.dtype, device=a.device, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=lr)
    for _ in range(steps):
        (a * x ** 2 + b * x + c).backward()
        optimizer.step()
    return x.detach()


def minimize_ignoring_lr_and_steps(a, b, c, lr=0.01, steps=500):
    x = torch.zeros((), dtype=a.dtype, device=a.device, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=0.01)
    for _ in range(500):
        optimizer.zero_grad()
        (a * x ** 2 + b * x + c).backward()
        optimizer.step()
    return x.detach()


def minimize_one_step_short(a, b, c, lr=0.01, steps=500):
    x = torch.zeros((), dtype=a.dtype, device=a.device, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=lr)
    for _ in range(steps - 1):
        optimizer.zero_grad()
        (a * x ** 2 + b * x + c).backward()
        optimizer.step()
    return x.detach()


def accumulated_grad_zeroed(x, times):
    x = x.detach().clone().requires_grad_(True)
    (x ** 2).sum().backward()
    return x.grad


SCALAR_ONLY_HINT = ("y is not a scalar: backward needs gradient=torch.ones_like(y) (or "
                    "backward on y.sum())")
CREATE_GRAPH_HINT = ("the first derivative must itself be differentiable: compute it with "
                     "torch.autograd.grad(y, x, create_graph=True), then differentiate it again")
UNUSED_HINT = ("an input that no output depends on: call torch.autograd.grad with "
               "allow_unused=True and replace the None it gives by torch.zeros_like(input)")
RETAIN_GRAD_HINT = ("y1, y2 and loss are not leaves, so backward does not fill their .grad "
                    "(it stays None): call .retain_grad() on each before loss.backward()")
MINIMIZE_HINTS = [
    Hint("this is what Adam gives: the contract asks for torch.optim.SGD",
         patch={"minimize_quadratic": minimize_with_adam}),
    Hint("this is what forgetting optimizer.zero_grad() gives: gradients add up across "
         "backward() calls; clear them before each step",
         patch={"minimize_quadratic": minimize_without_zero_grad}),
    Hint("this is what lr=0.01 and 500 steps give: use the lr and steps arguments",
         patch={"minimize_quadratic": minimize_ignoring_lr_and_steps}),
    Hint("this is one step short: run exactly `steps` optimizer steps",
         patch={"minimize_quadratic": minimize_one_step_short}),
]


def derivatives(m, f, x):
    """(f'(x), f''(x)) as numbers, or what the call raised."""
    result = capture(m.first_and_second_derivative, f, x)
    if isinstance(result, Raised):
        return result
    d1, d2 = result
    return {"f'(x)": number(d1), "f''(x)": number(d2)}


# --- quadratic_grad --------------------------------------------------------------------------

@check("quadratic_grad", points=1, name="other_shapes_and_coefficients", hints=[
    Hint(SCALAR_ONLY_HINT, when=raised_with("only for scalar outputs"))])
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
       hints=[Hint(COPY_HINT, when=touched)])
def quadratic_leaves_float64_x_untouched(m, device, rng):
    """leaves a float64 3-D x untouched: without requires_grad, or holding a .grad"""
    x = torch.randn(2, 2, 3, device=device, generator=rng, dtype=torch.float64)
    a = torch.tensor(-0.5, device=device, dtype=torch.float64)
    return caller_x_cases(lambda t: m.quadratic_grad(t, a, 2.0, 1.0), x)


# --- first_and_second_derivative -------------------------------------------------------------

@check("first_and_second_derivative", points=1, name="other_functions", hints=[
    Hint(CREATE_GRAPH_HINT, when=raised_with("does not require grad"))])
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
    Hint(CREATE_GRAPH_HINT, when=raised_with("does not require grad")),
    Hint("return the tensors themselves, not Python numbers (.item())",
         when=lambda got: got["f'(x)"]["type"] in ("float", "int"))])
def derivatives_float32_0d_tensors(m, device, rng):
    """returns two 0-d float32 tensors on x's device for a float32 x"""
    x = torch.randn((), device=device, generator=rng)
    result = m.first_and_second_derivative(torch.cos, x.requires_grad_(True))
    pair = isinstance(result, tuple) and len(result) == 2
    return {"returns a tuple of 2": pair,
            "f'(x)": tensor_facts(result[0] if pair else None),
            "f''(x)": tensor_facts(result[1] if pair else None)}


# --- grads_of_outputs ------------------------------------------------------------------------

@check("grads_of_outputs", points=1, name="many_inputs_float64", hints=[
    Hint(UNUSED_HINT, when=raised_with("allow_unused"))])
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
    Hint(UNUSED_HINT, when=raised_with("allow_unused")),
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
       hints=[Hint(COPY_HINT, when=touched)])
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
         when=raised_with("backward through the graph a second time"))])
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


@check("accumulated_grad", points=0.5, name="leaves_float64_x_untouched", hints=[Hint(
    "work on a fresh leaf copy, x = x.detach().clone().requires_grad_(True): the caller's x "
    "may come without requires_grad, or already hold a .grad that backward would add to, "
    "and must be left as it was", when=touched)])
def accumulated_leaves_float64_x_untouched(m, device, rng):
    """leaves a float64 2-D x untouched with times=3"""
    x = torch.randn(2, 2, device=device, generator=rng, dtype=torch.float64)
    return caller_x_cases(lambda t: m.accumulated_grad(t, 3), x)
