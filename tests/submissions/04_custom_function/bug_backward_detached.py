"""Bug: MyReLU.backward detaches its result: right values, but no gradient of it can be
taken (a second derivative, a Hessian-vector product)."""

import torch


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output.masked_fill(input <= 0, 0).detach()
