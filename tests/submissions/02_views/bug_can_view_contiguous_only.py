"""Bug: can_view answers x.is_contiguous(), whatever the shape."""


def can_view(x, shape):
    return x.is_contiguous()
