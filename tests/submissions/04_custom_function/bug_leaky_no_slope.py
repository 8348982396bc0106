"""Bug: MyLeakyReLU.backward forgets negative_slope."""

import torch


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output.masked_fill(input <= 0, 0)


class MyLeakyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, negative_slope):
        ctx.save_for_backward(input)
        ctx.negative_slope = negative_slope
        return torch.where(input > 0, input, input * negative_slope)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * (input > 0), None


def relu_linear_grads(w, b, X, Y):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    Y_hat = MyReLU.apply(X @ w.t() + b)
    loss = torch.mean((Y_hat - Y) ** 2)
    loss.backward()
    return w.grad, b.grad
