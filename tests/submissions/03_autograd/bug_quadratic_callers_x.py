"""Bug: quadratic_grad works on the caller's x (x.requires_grad_(True)) instead of a detached
copy."""

import torch


def quadratic_grad(x, a, b, c):
    x.requires_grad_(True)
    y = a * torch.pow(x, 2) + b * x + c
    y.backward(gradient=torch.ones_like(y))
    return x.grad
