"""Bug: grads_of_outputs returns a list instead of a tuple."""

import torch


def grads_of_outputs(outputs_fn, inputs):
    inputs = list(inputs)
    outputs = outputs_fn(*inputs)
    grads = torch.autograd.grad(outputs, inputs, allow_unused=True)
    return [torch.zeros_like(x) if g is None else g for g, x in zip(grads, inputs, strict=True)]
