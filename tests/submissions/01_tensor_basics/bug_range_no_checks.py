"""Bug: inclusive_range never checks the step: a zero step raises ZeroDivisionError and a
step pointing away from end gives an empty tensor instead of a RuntimeError."""

import math

import torch


def inclusive_range(start, end, step=1.0):
    n = math.floor((end - start) / step) + 1
    # start + i * step in Python (double) arithmetic, rounded once to float32, as torch.range
    # does on the CPU.
    return torch.tensor([start + i * step for i in range(n)], dtype=torch.float32)
