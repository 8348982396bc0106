"""Bug: grads_of_outputs uses backward() on the sum of the outputs and reads the inputs'
.grad, which it leaves filled in."""

import torch


def grads_of_outputs(outputs_fn, inputs):
    inputs = list(inputs)
    sum(outputs_fn(*inputs)).backward()
    return tuple(torch.zeros_like(x) if x.grad is None else x.grad for x in inputs)
