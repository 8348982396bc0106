"""Bug: noisy_linear_data ignores its generator and draws from torch's global RNG."""

import torch


def noisy_linear_data(n, w, b, noise_std, generator=None):
    k = w.shape[0]
    X = 10 * torch.rand([n, k], dtype=w.dtype, device=w.device) - 5
    noise = torch.normal(0.0, noise_std, size=[n, 1], dtype=w.dtype, device=w.device)
    return X, X @ w + b + noise
