"""Bug: MyReLU.backward computes in float32; autograd casts the result back to float64, but
the values were rounded on the way."""

import torch


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output.float().masked_fill(input <= 0, 0)
