"""Reference solution of assignment 03 (never shipped to students)."""

import torch


def quadratic_grad(x, a, b, c):
    x = x.detach().clone().requires_grad_(True)
    y = a * torch.pow(x, 2) + b * x + c
    y.backward(gradient=torch.ones_like(y))
    return x.grad


def first_and_second_derivative(f, x):
    x = x.detach().clone().requires_grad_(True)
    dy_dx = torch.autograd.grad(f(x), x, create_graph=True)[0]
    if dy_dx.requires_grad:
        d2y_dx2 = torch.autograd.grad(dy_dx, x)[0]
    else:  # f is linear in x: its first derivative is a constant
        d2y_dx2 = torch.zeros_like(x)
    return dy_dx.detach(), d2y_dx2


def grads_of_outputs(outputs_fn, inputs):
    inputs = list(inputs)
    outputs = outputs_fn(*inputs)
    grads = torch.autograd.grad(outputs, inputs, allow_unused=True)
    return tuple(torch.zeros_like(x) if g is None else g
                 for g, x in zip(grads, inputs, strict=True))


def minimize_quadratic(a, b, c, lr=0.01, steps=500):
    x = torch.zeros((), dtype=a.dtype, device=a.device, requires_grad=True)
    optimizer = torch.optim.SGD(params=[x], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        y = a * torch.pow(x, 2) + b * x + c
        y.backward()
        optimizer.step()
    return x.detach()


def intermediate_grads(x):
    x = x.detach().clone().requires_grad_(True)
    y1 = x + 1
    y2 = 2 * x
    loss = (y1 - y2) ** 2
    for t in (y1, y2, loss):
        t.retain_grad()
    loss.backward()
    return {"x": x.grad, "y1": y1.grad, "y2": y2.grad, "loss": loss.grad}


def accumulated_grad(x, times):
    x = x.detach().clone().requires_grad_(True)
    y = (x ** 2).sum()
    for _ in range(times):
        y.backward(retain_graph=True)
    return x.grad
