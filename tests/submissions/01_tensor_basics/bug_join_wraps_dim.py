"""Bug: join wraps the dim around (dim % ndim), so an out-of-range dim raises nothing."""

import torch


def join(tensors, dim, new_axis=False):
    ndim = tensors[0].dim() + (1 if new_axis else 0)
    dim = dim % ndim  # accept any dim
    if new_axis:
        return torch.stack(tensors, dim)
    return torch.cat(tensors, dim)
