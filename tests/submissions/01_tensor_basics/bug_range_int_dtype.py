"""Bug: inclusive_range builds its tensor without dtype=torch.float32: int arguments give
an int64 tensor."""

import math

import torch


def inclusive_range(start, end, step=1.0):
    if step == 0:
        raise RuntimeError("inclusive_range: step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("inclusive_range: step points away from end")
    n = math.floor((end - start) / step) + 1
    # start + i * step in Python (double) arithmetic, rounded once to float32, as torch.range
    # does on the CPU.
    return torch.tensor([start + i * step for i in range(n)])
