"""Correct: to_python always returns t.tolist(), which for a 0-d tensor already is a
Python number of the right type."""

import math

import torch


def join(tensors, dim, new_axis=False):
    if new_axis:
        return torch.stack(tensors, dim)
    return torch.cat(tensors, dim)


def inclusive_range(start, end, step=1.0):
    if step == 0:
        raise RuntimeError("inclusive_range: step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("inclusive_range: step points away from end")
    n = math.floor((end - start) / step) + 1
    # start + i * step in Python (double) arithmetic, rounded once to float32, as torch.range
    # does on the CPU.
    return torch.tensor([start + i * step for i in range(n)], dtype=torch.float32)


def ones_and_zeros_like(x):
    return torch.ones_like(x), torch.zeros_like(x)


def noisy_linear_data(n, w, b, noise_std, generator=None):
    k = w.shape[0]
    X = 10 * torch.rand([n, k], generator=generator, dtype=w.dtype, device=w.device) - 5
    noise = torch.normal(0.0, noise_std, size=[n, 1], generator=generator, dtype=w.dtype,
                         device=w.device)
    return X, X @ w + b + noise


def to_numpy_shared(t):
    return t.numpy()


def to_numpy_copy(t):
    return t.numpy().copy()


def to_python(t):
    return t.tolist()


def cast_like(x, other):
    return x.to(other.dtype)
