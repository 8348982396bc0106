"""Bug: relu_linear_grads uses the caller's w and b."""

import torch


def relu_linear_grads(w, b, X, Y):
    Y_hat = MyReLU.apply(X @ w.t() + b)
    loss = torch.mean((Y_hat - Y) ** 2)
    loss.backward()
    return w.grad, b.grad
