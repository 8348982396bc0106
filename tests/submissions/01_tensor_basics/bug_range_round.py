"""Bug: inclusive_range counts the elements with round() instead of floor(), so
(0, 0.3, 0.1) gets 4 elements and ends past end."""

import torch


def inclusive_range(start, end, step=1.0):
    if step == 0:
        raise RuntimeError("inclusive_range: step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("inclusive_range: step points away from end")
    n = round((end - start) / step) + 1  # round away the 2.9999999999999996
    # start + i * step in Python (double) arithmetic, rounded once to float32, as torch.range
    # does on the CPU.
    return torch.tensor([start + i * step for i in range(n)], dtype=torch.float32)
