"""Bug: noisy_linear_data draws the noise before X."""

import torch


def noisy_linear_data(n, w, b, noise_std, generator=None):
    k = w.shape[0]
    noise = torch.normal(0.0, noise_std, size=[n, 1], generator=generator, dtype=w.dtype,
                         device=w.device)
    X = 10 * torch.rand([n, k], generator=generator, dtype=w.dtype, device=w.device) - 5
    return X, X @ w + b + noise
