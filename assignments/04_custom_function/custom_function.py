"""Assignment 04 — custom autograd Functions.

Fill in the three pieces below; README.md in this folder explains each contract.
Check your work with:  grade check assignments/04_custom_function
"""

import torch


class MyReLU(torch.autograd.Function):
    """ReLU with a hand-written backward: gradient 0 at exactly 0, as torch.relu."""

    @staticmethod
    def forward(ctx, input):
        raise NotImplementedError("MyReLU.forward: see README.md, 'MyReLU'")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("MyReLU.backward: see README.md, 'MyReLU'")


class MyLeakyReLU(torch.autograd.Function):
    """LeakyReLU with a hand-written backward; returns (grad_input, None)."""

    @staticmethod
    def forward(ctx, input, negative_slope):
        raise NotImplementedError("MyLeakyReLU.forward: see README.md, 'MyLeakyReLU'")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("MyLeakyReLU.backward: see README.md, 'MyLeakyReLU'")


def relu_linear_grads(w, b, X, Y):
    """(w.grad, b.grad) of the notes' example, for fresh leaf copies of w and b."""
    raise NotImplementedError("relu_linear_grads: see README.md, 'relu_linear_grads'")
