"""Bug: first_and_second_derivative computes the first derivative without create_graph=True,
so the second torch.autograd.grad raises."""

import torch


def first_and_second_derivative(f, x):
    x = x.detach().clone().requires_grad_(True)
    dy_dx = torch.autograd.grad(f(x), x)[0]
    d2y_dx2 = torch.autograd.grad(dy_dx, x)[0]
    return dy_dx.detach(), d2y_dx2
