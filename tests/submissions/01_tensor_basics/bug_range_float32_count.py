"""Bug: inclusive_range computes the number of elements with float32 tensors instead of
Python floats: (0, 0.3, 0.1) gets 4 elements and (1, 0.6, -0.1) gets 4."""

import torch


def inclusive_range(start, end, step=1.0):
    if step == 0:
        raise RuntimeError("inclusive_range: step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("inclusive_range: step points away from end")
    n = int(torch.div(torch.tensor(end) - start, step, rounding_mode="floor")) + 1
    # start + i * step in Python (double) arithmetic, rounded once to float32, as torch.range
    # does on the CPU.
    return torch.tensor([start + i * step for i in range(n)], dtype=torch.float32)
