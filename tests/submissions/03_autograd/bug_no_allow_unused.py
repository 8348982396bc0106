"""Bug: grads_of_outputs calls torch.autograd.grad without allow_unused=True, which raises
for an unused input."""

import torch


def grads_of_outputs(outputs_fn, inputs):
    outputs = outputs_fn(*inputs)
    return tuple(torch.autograd.grad(outputs, list(inputs)))
