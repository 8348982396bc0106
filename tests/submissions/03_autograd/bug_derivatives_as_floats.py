"""Bug: first_and_second_derivative returns Python floats (.item()) instead of 0-d tensors."""

import torch


def first_and_second_derivative(f, x):
    x = x.detach().clone().requires_grad_(True)
    dy_dx = torch.autograd.grad(f(x), x, create_graph=True)[0]
    if dy_dx.requires_grad:
        d2y_dx2 = torch.autograd.grad(dy_dx, x)[0]
    else:
        d2y_dx2 = torch.zeros_like(x)
    return dy_dx.item(), d2y_dx2.item()
