"""Bug: MyLeakyReLU.backward computes from grad_output.data: right values, outside the graph."""

import torch


class MyLeakyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, negative_slope=0.01):
        ctx.save_for_backward(input)
        ctx.negative_slope = negative_slope
        return torch.where(input > 0, input, input * negative_slope)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        g = grad_output.data
        return torch.where(input > 0, g, g * ctx.negative_slope), None
