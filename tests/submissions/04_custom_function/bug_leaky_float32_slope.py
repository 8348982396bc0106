"""Bug: MyLeakyReLU keeps negative_slope as torch.tensor(negative_slope), a float32 tensor:
0.1 becomes 0.10000000149..., and float64 results are off in the eighth digit."""

import torch


class MyLeakyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, negative_slope=0.01):
        ctx.save_for_backward(input)
        ctx.slope = torch.tensor(negative_slope)
        return torch.where(input > 0, input, input * ctx.slope)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return torch.where(input > 0, grad_output, grad_output * ctx.slope), None
