"""Bug: can_view only compares x.numel() with the product of the sizes (ignoring strides,
and counting -1 as a size)."""

import math


def can_view(x, shape):
    return x.numel() == math.prod(shape)
