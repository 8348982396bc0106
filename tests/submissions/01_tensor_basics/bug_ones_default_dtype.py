"""Bug: ones_and_zeros_like uses torch.ones(x.shape, device=x.device): always float32."""

import torch


def ones_and_zeros_like(x):
    return torch.ones(x.shape, device=x.device), torch.zeros(x.shape, device=x.device)
