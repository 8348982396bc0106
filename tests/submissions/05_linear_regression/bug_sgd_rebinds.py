"""Bug: sgd_step rebinds p.data to a new tensor instead of updating in place."""

import torch


def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p.data = p.data - lr * p.grad
            p.grad = None
