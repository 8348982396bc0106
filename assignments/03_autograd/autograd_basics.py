"""Assignment 03 — autograd basics.

Fill in the six functions below; README.md in this folder explains each contract.
Check your work with:  grade check assignments/03_autograd
"""



def quadratic_grad(x, a, b, c):
    """dy/dx of y = a*x**2 + b*x + c, element-wise, obtained with backward on a copy of x."""
    raise NotImplementedError("quadratic_grad: see README.md, 'quadratic_grad'")


def first_and_second_derivative(f, x):
    """(f'(x), f''(x)) as 0-d tensors, via torch.autograd.grad(..., create_graph=True)."""
    raise NotImplementedError(
        "first_and_second_derivative: see README.md, 'first_and_second_derivative'")


def grads_of_outputs(outputs_fn, inputs):
    """Tuple of the gradients of sum(outputs_fn(*inputs)) w.r.t. each input (zeros if unused)."""
    raise NotImplementedError("grads_of_outputs: see README.md, 'grads_of_outputs'")


def minimize_quadratic(a, b, c, lr=0.01, steps=500):
    """The final x of `steps` torch.optim.SGD steps on a*x**2 + b*x + c, from x = 0."""
    raise NotImplementedError("minimize_quadratic: see README.md, 'minimize_quadratic'")


def intermediate_grads(x):
    """{"x", "y1", "y2", "loss"}: gradients of loss = (y1 - y2)**2, y1 = x + 1, y2 = 2*x."""
    raise NotImplementedError("intermediate_grads: see README.md, 'intermediate_grads'")


def accumulated_grad(x, times):
    """.grad of a fresh leaf copy of x after `times` backward calls on one graph of (x**2).sum()."""
    raise NotImplementedError("accumulated_grad: see README.md, 'accumulated_grad'")
