"""The course notes' code ("Eat PyTorch" 2-2 and 2-3), wrapped in the assignment's functions
and otherwise as the notes wrote it. accumulated_grad has no counterpart in the notes and is
written to the contract.

What differs from the contract: quadratic_grad and intermediate_grads run backward on the
caller's x itself (its .grad accumulates, and an x without requires_grad raises);
intermediate_grads reads the .grad of non-leaf tensors without retain_grad() (None);
first_and_second_derivative differentiates the caller's x, which must require grad;
grads_of_outputs has no answer for an unused input; minimize_quadratic's x is always a
float32 CPU tensor.
"""

import torch


def quadratic_grad(x, a, b, c):
    y = a * torch.pow(x, 2) + b * x + c
    gradient = torch.ones_like(y)  # the notes: torch.tensor([[1.0, 1.0], [1.0, 1.0]])
    y.backward(gradient=gradient)
    x_grad = x.grad
    return x_grad


def first_and_second_derivative(f, x):
    y = f(x)
    dy_dx = torch.autograd.grad(y, x, create_graph=True)[0]
    dy2_dx2 = torch.autograd.grad(dy_dx, x)[0]
    return (dy_dx, dy2_dx2)


def grads_of_outputs(outputs_fn, inputs):
    outputs = outputs_fn(*inputs)
    return torch.autograd.grad(outputs=outputs, inputs=inputs)


def minimize_quadratic(a, b, c, lr=0.01, steps=500):
    x = torch.tensor(0.0, requires_grad=True)
    optimizer = torch.optim.SGD(params=[x], lr=lr)

    def f(x):
        result = a * torch.pow(x, 2) + b * x + c
        return result

    for i in range(steps):  # noqa: B007  (as the notes wrote it)
        optimizer.zero_grad()
        y = f(x)
        y.backward()
        optimizer.step()
    return x.data


def intermediate_grads(x):
    y1 = x + 1
    y2 = 2 * x
    loss = (y1 - y2) ** 2
    loss.backward()
    return {"x": x.grad, "y1": y1.grad, "y2": y2.grad, "loss": loss.grad}


def accumulated_grad(x, times):
    x = x.detach().clone().requires_grad_(True)
    y = (x ** 2).sum()
    for _ in range(times):
        y.backward(retain_graph=True)
    return x.grad
