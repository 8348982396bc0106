"""Bug: first_and_second_derivative returns f'(x) still attached to the graph it was built
with (create_graph=True): the right value, holding the whole computation."""

import torch


def first_and_second_derivative(f, x):
    x = x.detach().clone().requires_grad_(True)
    dy_dx = torch.autograd.grad(f(x), x, create_graph=True)[0]
    if dy_dx.requires_grad:
        d2y_dx2 = torch.autograd.grad(dy_dx, x, retain_graph=True)[0]
    else:
        d2y_dx2 = torch.zeros_like(x)
    return dy_dx, d2y_dx2
