"""Bug: noisy_linear_data is the course notes' data code (3-1) as written: draws from torch's
global RNG (no generator), in float32 (the notes' default dtype), on the CPU.

    X = 10*torch.rand([n,2])-5.0
    Y = X@w0 + b0 + torch.normal(0.0, 2.0, size=[n,1])
"""

import math

import torch


def inclusive_range(start, end, step=1.0):
    if step == 0:
        raise RuntimeError("inclusive_range: step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("inclusive_range: step points away from end")
    n = math.floor((end - start) / step) + 1
    return torch.tensor([start + i * step for i in range(n)], dtype=torch.float32)


def noisy_linear_data(n, w, b, noise_std, generator=None):
    X = 10 * torch.rand([n, w.shape[0]]) - 5.0
    Y = X @ w + b + torch.normal(0.0, noise_std, size=[n, 1])
    return X, Y
