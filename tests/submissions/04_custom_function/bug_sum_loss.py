"""Bug: relu_linear_grads sums the squared errors instead of averaging."""

import torch


def relu_linear_grads(w, b, X, Y):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    Y_hat = MyReLU.apply(X @ w.t() + b)
    loss = torch.sum((Y_hat - Y) ** 2)
    loss.backward()
    return w.grad, b.grad
