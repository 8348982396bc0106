"""Bug: can_view only compares x.numel() with the product of the sizes (ignoring strides,
and counting -1 as a size)."""

import math


def safe_view(x, shape):
    try:
        return x.view(shape)
    except RuntimeError:
        return x.contiguous().view(shape)


def can_view(x, shape):
    return x.numel() == math.prod(shape)


def transpose_then_flatten(x):
    return x.t().reshape(-1)


def storage_offset_and_strides(x):
    return (x.storage_offset(), tuple(x.stride()))
