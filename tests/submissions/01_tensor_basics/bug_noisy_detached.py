"""Bug: noisy_linear_data computes y from w.detach() and b.detach(): the right data, cut off
from w and b."""

import torch


def noisy_linear_data(n, w, b, noise_std, generator=None):
    w, b = w.detach(), b.detach()
    k = w.shape[0]
    X = 10 * torch.rand([n, k], generator=generator, dtype=w.dtype, device=w.device) - 5
    noise = torch.normal(0.0, noise_std, size=[n, 1], generator=generator, dtype=w.dtype,
                         device=w.device)
    return X, X @ w + b + noise
