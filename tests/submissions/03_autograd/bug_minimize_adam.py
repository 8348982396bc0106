"""Bug: minimize_quadratic uses torch.optim.Adam instead of SGD."""

import torch


def minimize_quadratic(a, b, c, lr=0.01, steps=500):
    x = torch.zeros((), dtype=a.dtype, device=a.device, requires_grad=True)
    optimizer = torch.optim.Adam(params=[x], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        y = a * torch.pow(x, 2) + b * x + c
        y.backward()
        optimizer.step()
    return x.detach()
