"""Bug: MyReLU.backward builds its gradient in a fresh CPU tensor."""

import torch


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = torch.zeros(input.shape, dtype=grad_output.dtype)
        grad_input[input > 0] = grad_output[input > 0]
        return grad_input
