"""Bug: first_and_second_derivative differentiates the first derivative whatever f is: for
an f linear in x, f' has no graph and the second torch.autograd.grad raises."""

import torch


def first_and_second_derivative(f, x):
    x = x.detach().clone().requires_grad_(True)
    dy_dx = torch.autograd.grad(f(x), x, create_graph=True)[0]
    d2y_dx2 = torch.autograd.grad(dy_dx, x)[0]
    return dy_dx.detach(), d2y_dx2
