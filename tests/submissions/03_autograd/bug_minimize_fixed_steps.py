"""Bug: minimize_quadratic keeps the notes' lr=0.01 and 500 steps whatever it is given."""

import torch


def minimize_quadratic(a, b, c, lr=0.01, steps=500):
    x = torch.zeros((), dtype=a.dtype, device=a.device, requires_grad=True)
    optimizer = torch.optim.SGD(params=[x], lr=0.01)
    for _ in range(500):
        optimizer.zero_grad()
        y = a * torch.pow(x, 2) + b * x + c
        y.backward()
        optimizer.step()
    return x.detach()
