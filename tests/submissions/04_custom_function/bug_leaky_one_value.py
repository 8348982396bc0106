"""Bug: MyLeakyReLU.backward returns one value instead of (grad, None)."""

import torch


class MyLeakyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, negative_slope):
        ctx.save_for_backward(input)
        ctx.negative_slope = negative_slope
        return torch.where(input > 0, input, input * negative_slope)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = torch.where(input > 0, grad_output, grad_output * ctx.negative_slope)
        return grad_input
