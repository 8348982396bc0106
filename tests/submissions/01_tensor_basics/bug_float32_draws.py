"""Bug: noisy_linear_data draws in float32 and converts to w's dtype afterwards, which
gives other numbers for float64 w."""

import torch


def noisy_linear_data(n, w, b, noise_std, generator=None):
    k = w.shape[0]
    X = (10 * torch.rand([n, k], generator=generator, device=w.device) - 5).to(w.dtype)
    noise = torch.normal(0.0, noise_std, size=[n, 1], generator=generator,
                         device=w.device).to(w.dtype)
    return X, X @ w + b + noise
