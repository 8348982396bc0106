"""Bug: noisy_linear_data draws X and the noise without device=: on torch's default device
(the CPU), not w's."""

import torch


def noisy_linear_data(n, w, b, noise_std, generator=None):
    k = w.shape[0]
    X = 10 * torch.rand([n, k], generator=generator, dtype=w.dtype) - 5
    noise = torch.normal(0.0, noise_std, size=[n, 1], generator=generator, dtype=w.dtype)
    return X, X @ w + b + noise
