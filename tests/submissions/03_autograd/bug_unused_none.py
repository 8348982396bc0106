"""Bug: grads_of_outputs returns None (not zeros) for an unused input."""

import torch


def grads_of_outputs(outputs_fn, inputs):
    outputs = outputs_fn(*inputs)
    return tuple(torch.autograd.grad(outputs, list(inputs), allow_unused=True))
