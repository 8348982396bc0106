"""Bug: minimize_quadratic starts from torch.zeros((), dtype=a.dtype, requires_grad=True),
without device=: on torch's default device, not the coefficients'."""

import torch


def minimize_quadratic(a, b, c, lr=0.01, steps=500):
    x = torch.zeros((), dtype=a.dtype, requires_grad=True)
    optimizer = torch.optim.SGD(params=[x], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        y = a * torch.pow(x, 2) + b * x + c
        y.backward()
        optimizer.step()
    return x.detach()
