"""Bug: inclusive_range uses torch.arange, which stops before end."""

import torch


def inclusive_range(start, end, step=1.0):
    return torch.arange(start, end, step, dtype=torch.float32)
