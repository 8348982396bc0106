"""Bug: quadratic_grad passes gradient=x to backward instead of ones."""

import torch


def quadratic_grad(x, a, b, c):
    x = x.detach().clone().requires_grad_(True)
    y = a * torch.pow(x, 2) + b * x + c
    y.backward(gradient=x.detach())
    return x.grad
