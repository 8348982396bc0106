"""Public checks of 03_autograd: students see and run these with `grade check`.

Each scenario observes one property; the grader compares the observation of the student's
module with the reference solution's. The functions under "known wrong answers" are used
as hint patches: a student whose observation matches one gets its message.

Checks of the form "leaves the caller's x as it was" call the function on three copies of the
same values (a fresh leaf, a tensor without requires_grad, a leaf that already holds a .grad)
and observe the three results and the last two's state. Their judge, in the grader's process,
holds the last two results to the fresh leaf's and the state to the reference's; it does not
compare results with the reference, so that a wrong formula loses only the value checks. A
stub that is not written yet fails them as "not implemented". The public checks of the form
"returns a tensor" (literal inputs) have a judge too: it compares the type, shape, dtype and
device of what came back with the reference's, not its values.
"""

import torch

from grader import (
    Hint,
    Raised,
    TensorValue,
    capture,
    changed,
    check,
    compare,
    default_device_elsewhere,
    unchanged,
    went_to_the_default_device,
)

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


FRESH = "a fresh leaf copy: result"
HELD_RESULT = "x holding a .grad: result"
PLAIN_RESULT = "x without requires_grad: result"
CALLER_RESULTS = (HELD_RESULT, PLAIN_RESULT)
CALLER_STATE = ("x holding a .grad: its .grad unchanged", "x holding a .grad: values unchanged",
                "x without requires_grad: values unchanged")
PLAIN_REQUIRES_GRAD = "x without requires_grad: requires_grad"
PLAIN_GRAD = "x without requires_grad: .grad"


def caller_x_cases(call, x):
    """Call ``call`` on a fresh leaf copy of ``x``, on a leaf copy that already holds a .grad
    and on a copy without requires_grad; observe the three results and what became of the last
    two. A stub's NotImplementedError is the observation itself."""
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
        "x holding a .grad: its .grad unchanged": unchanged(held.grad, grad_before),
        "x holding a .grad: values unchanged": unchanged(held.detach(), values),
        HELD_RESULT: got_held,
        PLAIN_RESULT: got_plain,
        PLAIN_REQUIRES_GRAD: plain.requires_grad,
        PLAIN_GRAD: plain.grad,
        "x without requires_grad: values unchanged": unchanged(plain.detach(), values),
        FRESH: reference,
    }


# --- judges and hint predicates (the grader's process) ---------------------------------------

def _as_for_a_fresh_leaf(got, key):
    """How the result in ``got[key]`` differs from the fresh leaf copy's in the same
    observation (exactly: the same call on the same values), or None."""
    found = compare(got[key], got[FRESH], 0.0, 0.0)
    if found is None:
        return None
    if found.raised is not None:
        return f"{key}: {found.message}"
    return f"{key}: differs from a fresh leaf copy's ({found.message})"


def leaves_caller_x(got, expected):
    """Judge of caller_x_cases: each result as for a fresh leaf copy of x (the student's own,
    so that a wrong formula is the value checks' business), the caller's x as the reference
    leaves it (values, requires_grad, .grad)."""
    if got.keys() != expected.keys():
        found = compare(got, expected)
        return found.text() if found else "unexpected observation"
    for key, wanted in expected.items():
        if key == FRESH:
            continue
        if key in CALLER_RESULTS:
            found = _as_for_a_fresh_leaf(got, key)
            if found:
                return found
            continue
        mismatch = compare(got[key], wanted, path=key)
        if mismatch:
            return mismatch.text()
    return None


def touched(got):
    """A hint predicate: a caller_x_cases observation shows the caller's x changed, or a
    result other than a fresh leaf copy's."""
    if not isinstance(got, dict) or FRESH not in got:
        return False
    return (any(changed(got[key]) for key in CALLER_STATE)
            or got[PLAIN_REQUIRES_GRAD] is not False or got[PLAIN_GRAD] is not None
            or any(_as_for_a_fresh_leaf(got, key) for key in CALLER_RESULTS))


def _kinds(value):
    """An observation with every tensor's values set to zero: what is left is each result's
    type and each tensor's shape, dtype and device."""
    if isinstance(value, TensorValue):
        return TensorValue(torch.zeros_like(value.values), value.device)
    if isinstance(value, dict):
        return {k: _kinds(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_kinds(v) for v in value)
    return value


def same_kinds(got, expected):
    """Judge of the "returns a tensor" checks: the reference's types, shapes, dtypes and
    devices, whatever the values (those are the value checks' business)."""
    found = compare(_kinds(got), _kinds(expected))
    return found.text() if found else None


def _raised_saying(got, phrase):
    """The observation (or one of its entries) is an exception whose message says
    ``phrase``."""
    found = list(got.values()) if isinstance(got, dict) else [got]
    return any(isinstance(v, Raised) and phrase in v.message for v in found)


def backward_on_non_scalar(got):
    """A hint predicate: backward was called on a non-scalar y without gradient=."""
    return _raised_saying(got, "only for scalar outputs")


def graph_not_created(got):
    """A hint predicate: the first derivative was not differentiable."""
    return _raised_saying(got, "does not require grad")


def unused_not_allowed(got):
    """A hint predicate: torch.autograd.grad met an input no output depends on."""
    return _raised_saying(got, "allow_unused")


def graph_freed(got):
    """A hint predicate: backward went through a freed graph a second time."""
    return _raised_saying(got, "backward through the graph a second time")


def returned_numbers(got):
    """A hint predicate: the pair of derivatives came back as Python numbers."""
    returned = got["returned"]
    return isinstance(returned, list | tuple) and any(
        isinstance(v, int | float) and not isinstance(v, bool) for v in returned)


def input_grad_written(got):
    """A hint predicate: an input's .grad was filled in."""
    return isinstance(got, dict) and any(
        value is not None for key, value in got.items() if key.endswith(".grad"))


FRESH_LEAF_HINT = ("work on a fresh leaf copy, x = x.detach().clone().requires_grad_(True): "
                   "the caller's x may come without requires_grad, or already hold a .grad "
                   "that backward would add to, and must be left as it was")

COPY_HINT = ("work on a detached copy, x = x.detach().clone().requires_grad_(True): the "
             "caller's x may come without requires_grad, or already hold a .grad that "
             "backward would add to, and must be left as it was")


def notes_coefficients(device):
    """a = 1, b = -2, c = 1 as in the notes: 0-d float32 tensors."""
    return tuple(torch.tensor(v, device=device) for v in (1.0, -2.0, 1.0))


# --- known wrong answers (hints) -------------------------------------------------------------

def quadratic_grad_gradient_x(x, a, b, c):
    x = x.detach().clone().requires_grad_(True)
    y = a * x ** 2 + b * x + c
    y.backward(gradient=x.detach())
    return x.grad


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


GRADIENT_X_HINT = ("this is what backward(gradient=x) gives: the gradient argument weights "
                   "each element's derivative, so pass gradient=torch.ones_like(y)")
SCALAR_ONLY_HINT = ("y is not a scalar: backward needs gradient=torch.ones_like(y) (or "
                    "backward on y.sum())")
CREATE_GRAPH_HINT = ("the first derivative must itself be differentiable: compute it with "
                     "torch.autograd.grad(y, x, create_graph=True), then differentiate it again")
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


# --- quadratic_grad --------------------------------------------------------------------------

@check("quadratic_grad", points=1, name="notes_scalar", hints=[
    Hint(GRADIENT_X_HINT, patch={"quadratic_grad": quadratic_grad_gradient_x})])
def quadratic_notes_scalar(m, device, rng):
    """the notes' scalar example: x = 0, a = 1, b = -2, c = 1 gives dy/dx = -2"""
    x = torch.tensor(0.0, device=device, requires_grad=True)
    return {"dy/dx": m.quadratic_grad(x, *notes_coefficients(device))}


@check("quadratic_grad", points=1, name="notes_matrix", hints=[
    Hint(SCALAR_ONLY_HINT, when=backward_on_non_scalar),
    Hint(GRADIENT_X_HINT, patch={"quadratic_grad": quadratic_grad_gradient_x})])
def quadratic_notes_matrix(m, device, rng):
    """the notes' 2x2 example: dy/dx = [[-2, -2], [0, 2]] (non-scalar y, gradient = ones)"""
    x = torch.tensor([[0.0, 0.0], [1.0, 2.0]], device=device, requires_grad=True)
    return {"dy/dx": m.quadratic_grad(x, *notes_coefficients(device))}


@check("quadratic_grad", points=1, name="float_coefficients", hints=[
    Hint(SCALAR_ONLY_HINT, when=backward_on_non_scalar),
    Hint(GRADIENT_X_HINT, patch={"quadratic_grad": quadratic_grad_gradient_x})])
def quadratic_float_coefficients(m, device, rng):
    """random 3x4 x with Python-float coefficients a = 0.7, b = -1.3, c = 2"""
    x = torch.randn(3, 4, device=device, generator=rng).requires_grad_(True)
    return {"dy/dx": m.quadratic_grad(x, 0.7, -1.3, 2.0)}


@check("quadratic_grad", points=0.5, name="shape_dtype_device", hints=[
    Hint(SCALAR_ONLY_HINT, when=backward_on_non_scalar)])
def quadratic_shape_dtype_device(m, device, rng):
    """returns a tensor of x's shape, dtype and device (float64 3-D, float32 1-D)"""
    x64 = torch.randn(2, 3, 2, device=device, generator=rng, dtype=torch.float64)
    x32 = torch.randn(5, device=device, generator=rng)
    return {name: capture(m.quadratic_grad, x.requires_grad_(True), 2.0, 0.5, -1.0)
            for name, x in (("float64 [2, 3, 2]", x64), ("float32 [5]", x32))}


@check("quadratic_grad", points=1, name="leaves_x_untouched",
       judge=leaves_caller_x, hints=[Hint(COPY_HINT, when=touched)])
def quadratic_leaves_x_untouched(m, device, rng):
    """leaves the caller's x as it was (no requires_grad, or holding a .grad)"""
    x = torch.randn(2, 3, device=device, generator=rng)
    return caller_x_cases(lambda t: m.quadratic_grad(t, 1.5, -0.5, 0.25), x)


# --- first_and_second_derivative -------------------------------------------------------------

@check("first_and_second_derivative", points=1, name="notes_numbers", hints=[
    Hint(CREATE_GRAPH_HINT, when=graph_not_created)])
def derivatives_notes_numbers(m, device, rng):
    """the notes' f = x**2 - 2x + 1 at x = 0 gives f'(0) = -2 and f''(0) = 2"""
    a, b, c = notes_coefficients(device)
    x = torch.tensor(0.0, device=device, requires_grad=True)
    d1, d2 = m.first_and_second_derivative(lambda t: a * torch.pow(t, 2) + b * t + c, x)
    return {"f'(x)": number(d1), "f''(x)": number(d2)}


@check("first_and_second_derivative", points=1, name="non_constant_second_derivative", hints=[
    Hint(CREATE_GRAPH_HINT, when=graph_not_created)])
def derivatives_non_constant_second_derivative(m, device, rng):
    """f = x**3 - 2x at x = 1.5 and f = sin at a random x (f'' depends on x)"""
    x_cubic = torch.tensor(1.5, device=device, dtype=torch.float64, requires_grad=True)
    x_sin = torch.randn((), device=device, generator=rng, dtype=torch.float64)
    out = {}
    for name, f, x in (("x**3 - 2x", lambda t: t ** 3 - 2 * t, x_cubic),
                       ("sin(x)", torch.sin, x_sin.requires_grad_(True))):
        result = capture(m.first_and_second_derivative, f, x)
        if isinstance(result, Raised):
            out[name] = result
        else:
            d1, d2 = result
            out[name] = {"f'(x)": number(d1), "f''(x)": number(d2),
                         # detached, as plain values (a number is: its kind is
                         # returns_two_0d_tensors' business)
                         "f'(x) requires grad": getattr(d1, "requires_grad", False),
                         "f''(x) requires grad": getattr(d2, "requires_grad", False)}
    return out


@check("first_and_second_derivative", points=0.5, name="linear_and_constant_f", hints=[Hint(
    "for an f linear in x the first derivative does not depend on x: it comes back without "
    "a graph (requires_grad False), and differentiating it again raises. Its second "
    "derivative is zeros_like(x): test dy_dx.requires_grad before the second call",
    when=lambda got: isinstance(got, dict) and any(
        isinstance(v, Raised) and not v.not_implemented for v in got.values()))])
def derivatives_linear_and_constant_f(m, device, rng):
    """f = k x + c (drawn k, c) and f constant in x: f'' is 0, f' is k and 0"""
    k, c, x = (torch.randn((), device=device, generator=rng, dtype=torch.float64)
               for _ in range(3))
    out = {}
    for name, f in (("k x + c", lambda t: k * t + c), ("c + 0 x", lambda t: c + 0 * t)):
        result = capture(m.first_and_second_derivative, f, x.clone().requires_grad_(True))
        out[name] = result if isinstance(result, Raised) else {
            "f'(x)": number(result[0]), "f''(x)": number(result[1])}
    return out


@check("first_and_second_derivative", points=0.5, name="returns_two_0d_tensors",
       judge=same_kinds, hints=[
           Hint(CREATE_GRAPH_HINT, when=graph_not_created),
           Hint("return the tensors themselves, not Python numbers (.item())",
                when=returned_numbers)])
def derivatives_returns_two_0d_tensors(m, device, rng):
    """returns a tuple of two 0-d tensors with x's dtype and device"""
    x = torch.tensor(0.75, device=device, dtype=torch.float64, requires_grad=True)
    result = m.first_and_second_derivative(lambda t: t ** 3, x)
    return {"type": type(result).__name__, "returned": result}


@check("first_and_second_derivative", points=1, name="leaves_x_untouched",
       judge=leaves_caller_x, hints=[Hint(
    "x may come without requires_grad: differentiate a detached copy, "
    "x.detach().clone().requires_grad_(True), and leave the caller's x and its .grad as they "
    "were (torch.autograd.grad writes no .grad; backward would)", when=touched)])
def derivatives_leaves_x_untouched(m, device, rng):
    """works for any x and leaves it as it was (no requires_grad, or holding a .grad)"""
    x = torch.tensor(0.5, device=device)
    return caller_x_cases(lambda t: m.first_and_second_derivative(lambda u: u ** 3 + u, t), x)


# --- grads_of_outputs ------------------------------------------------------------------------

UNUSED_HINT = ("an input that no output depends on: call torch.autograd.grad with "
               "allow_unused=True and replace the None it gives by torch.zeros_like(input)")


@check("grads_of_outputs", points=1, name="notes_numbers")
def outputs_notes_numbers(m, device, rng):
    """the notes' x1 = 1, x2 = 2, y1 = x1 * x2, y2 = x1 + x2 gives (3, 2)"""
    x1 = torch.tensor(1.0, device=device, requires_grad=True)
    x2 = torch.tensor(2.0, device=device, requires_grad=True)
    grads = m.grads_of_outputs(lambda a, b: [a * b, a + b], [x1, x2])
    return {"gradients": list(grads)}


@check("grads_of_outputs", points=1, name="unused_input_gets_zeros", hints=[
    Hint(UNUSED_HINT, when=unused_not_allowed),
    Hint(UNUSED_HINT, when=lambda got: None in got["gradient for the unused input"])])
def outputs_unused_input_gets_zeros(m, device, rng):
    """an input that no output depends on gets zeros of its shape"""
    a = torch.randn(2, device=device, generator=rng, requires_grad=True)
    b = torch.randn(3, device=device, generator=rng, requires_grad=True)
    unused = torch.randn(2, 2, device=device, generator=rng, requires_grad=True)
    grads = m.grads_of_outputs(lambda p, q, r: [(p ** 2).sum(), p.sum() * q.sum()],
                               [a, b, unused])
    grads = list(grads)
    return {"gradients for the used inputs": grads[:2],
            "gradient for the unused input": grads[2:]}


@check("grads_of_outputs", points=0.5, name="returns_tuple", judge=same_kinds, hints=[Hint(
    "return a tuple, e.g. tuple(...) around a list comprehension",
    when=lambda got: got["type"] == "list")])
def outputs_returns_tuple(m, device, rng):
    """returns a tuple with one gradient per input"""
    x1 = torch.tensor(0.5, device=device, requires_grad=True)
    x2 = torch.tensor(-1.0, device=device, requires_grad=True)
    grads = m.grads_of_outputs(lambda a, b: [a * b, a - b], [x1, x2])
    return {"type": type(grads).__name__, "gradients": grads}


@check("grads_of_outputs", points=1, name="non_scalar_inputs", hints=[
    Hint(UNUSED_HINT, when=unused_not_allowed)])
def outputs_non_scalar_inputs(m, device, rng):
    """gradients with respect to a matrix and a vector, several outputs"""
    W = torch.randn(2, 3, device=device, generator=rng, requires_grad=True)
    v = torch.randn(3, device=device, generator=rng, requires_grad=True)
    grads = m.grads_of_outputs(
        lambda W, v: [(W @ v).sum(), (W ** 2).mean(), torch.sin(v).sum()], (W, v))
    return {"gradients": list(grads)}


@check("grads_of_outputs", points=0.5, name="inputs_grad_untouched", hints=[Hint(
    "the inputs' .grad must stay as it was: torch.autograd.grad returns the gradients "
    "without writing them into .grad, as backward() does",
    when=input_grad_written)])
def outputs_inputs_grad_untouched(m, device, rng):
    """leaves the inputs' .grad as it was (None)"""
    x1 = torch.randn(3, device=device, generator=rng, requires_grad=True)
    x2 = torch.randn(3, device=device, generator=rng, requires_grad=True)
    before1, before2 = x1.detach().clone(), x2.detach().clone()
    result = capture(m.grads_of_outputs, lambda a, b: [(a * b).sum(), (a ** 2).sum()],
                     [x1, x2])
    if isinstance(result, Raised) and result.not_implemented:
        return result
    return {"first input's .grad": x1.grad, "second input's .grad": x2.grad,
            "first input's values unchanged": unchanged(x1.detach(), before1),
            "second input's values unchanged": unchanged(x2.detach(), before2)}


# --- minimize_quadratic ----------------------------------------------------------------------

@check("minimize_quadratic", points=1, name="notes_numbers",
       rtol=1.3e-6, atol=1e-5, time_limit=20, hints=MINIMIZE_HINTS[:2])
def minimize_notes_numbers(m, device, rng):
    """the notes' a = 1, b = -2, c = 1 with lr = 0.01 and 500 steps gives x = 1 - 0.98**500"""
    return {"x": number(m.minimize_quadratic(*notes_coefficients(device)))}


@check("minimize_quadratic", points=1.5, name="other_coefficients_lr_steps",
       rtol=1.3e-6, atol=1e-5, time_limit=20, hints=MINIMIZE_HINTS)
def minimize_other_coefficients_lr_steps(m, device, rng):
    """other coefficients, learning rates and numbers of steps give SGD's x"""
    cases = {
        "a=2, b=3, c=-1, lr=0.05, steps=20": ((2.0, 3.0, -1.0), 0.05, 20),
        "a=0.5, b=1.3, c=-1, lr=0.2, steps=37": ((0.5, 1.3, -1.0), 0.2, 37),
    }
    out = {}
    for name, (coefficients, lr, steps) in cases.items():
        a, b, c = (torch.tensor(v, device=device) for v in coefficients)
        out[name] = number(capture(m.minimize_quadratic, a, b, c, lr=lr, steps=steps))
    return out


@check("minimize_quadratic", points=0.5, name="returns_0d_tensor", time_limit=20,
       judge=same_kinds, hints=[Hint(
           "return x itself (a 0-d tensor on the coefficients' device), e.g. x.detach(), not "
           "x.item()", when=lambda got: type(got["x"]).__name__ in ("float", "int"))])
def minimize_returns_0d_tensor(m, device, rng):
    """returns x as a 0-d tensor with the coefficients' dtype and device"""
    a, b, c = notes_coefficients(device)
    return {"x": m.minimize_quadratic(a, b, c, lr=0.1, steps=5)}


@check("minimize_quadratic", points=0.5, name="starts_on_the_coefficients_device",
       rtol=1.3e-6, atol=1e-5, time_limit=20, hints=[Hint(
           "x was made without device= and went to the default device, which is not the "
           "coefficients': torch.zeros((), dtype=a.dtype, device=a.device, "
           "requires_grad=True)", when=went_to_the_default_device)])
def minimize_starts_on_the_coefficients_device(m, device, rng):
    """x starts on the coefficients' device, not the default device, and comes back
    detached (x.detach())

    A check runs it with the default device set elsewhere: the mistake a GPU shows, seen on
    the CPU too."""
    a = torch.rand((), device=device, generator=rng) + 0.5
    b, c, mark = (torch.randn((), device=device, generator=rng) for _ in range(3))
    with default_device_elsewhere(device):
        x = capture(m.minimize_quadratic, a, b, c, lr=0.1, steps=15)
    if isinstance(x, Raised):
        return x
    # x times 0 plus a drawn value: that value where x is on the device (whatever SGD gave:
    # the value checks' business), an error elsewhere.
    return {"x on the device": capture(lambda: number(x * 0 + mark)),
            "x requires grad": getattr(x, "requires_grad", False)}


# --- intermediate_grads ----------------------------------------------------------------------

@check("intermediate_grads", points=2, name="notes_numbers", hints=[Hint(
    RETAIN_GRAD_HINT, patch={"intermediate_grads": intermediate_grads_without_retain_grad})])
def intermediate_notes_numbers(m, device, rng):
    """the notes' x = 3 gives x: 4, y1: -4, y2: 4, loss: 1"""
    x = torch.tensor(3.0, device=device, requires_grad=True)
    result = m.intermediate_grads(x)
    return {key: result.get(key, "missing") for key in INTERMEDIATE_KEYS}


@check("intermediate_grads", points=0.5, name="exact_keys", hints=[Hint(
    'the dict\'s keys are exactly "x", "y1", "y2" and "loss"',
    when=lambda got: isinstance(got["keys"], list))])
def intermediate_exact_keys(m, device, rng):
    """returns a dict with exactly the keys "x", "y1", "y2", "loss\""""
    result = m.intermediate_grads(torch.tensor(-1.0, device=device, requires_grad=True))
    return {"keys": capture(lambda: sorted(str(k) for k in result.keys()))}


@check("intermediate_grads", points=1, name="leaves_x_untouched",
       judge=leaves_caller_x, hints=[Hint(COPY_HINT, when=touched)])
def intermediate_leaves_x_untouched(m, device, rng):
    """works for any x and leaves it as it was (no requires_grad, or holding a .grad)"""
    x = torch.tensor(2.5, device=device)
    return caller_x_cases(m.intermediate_grads, x)


# --- accumulated_grad ------------------------------------------------------------------------

@check("accumulated_grad", points=1.5, name="times_1_and_3", hints=[
    Hint("this is the gradient of a single backward (2 * x): call backward `times` times on "
         "the same graph and let the gradients add up, without zeroing in between",
         patch={"accumulated_grad": accumulated_grad_zeroed}),
    Hint("the graph is freed after the first backward: pass retain_graph=True to keep it",
         when=graph_freed)])
def accumulated_times_1_and_3(m, device, rng):
    """backward once gives 2 * x, three times 6 * x"""
    x = torch.randn(2, 3, device=device, generator=rng)
    return {f"times={times}": capture(m.accumulated_grad,
                                      x.clone().requires_grad_(True), times)
            for times in (1, 3)}


@check("accumulated_grad", points=1, name="leaves_x_untouched", judge=leaves_caller_x,
       hints=[Hint(FRESH_LEAF_HINT, when=touched)])
def accumulated_leaves_x_untouched(m, device, rng):
    """works on a fresh leaf copy: the caller's x keeps its requires_grad and .grad"""
    x = torch.randn(4, device=device, generator=rng)
    return caller_x_cases(lambda t: m.accumulated_grad(t, 2), x)
