"""Bug: join detaches its result: right values, no gradient to the inputs."""

import torch


def join(tensors, dim, new_axis=False):
    if new_axis:
        return torch.stack(tensors, dim).detach()
    return torch.cat(tensors, dim).detach()
