"""Bug: storage_offset_and_strides always reports offset 0."""


def safe_view(x, shape):
    try:
        return x.view(shape)
    except RuntimeError:
        return x.contiguous().view(shape)


def can_view(x, shape):
    try:
        x.view(shape)
    except RuntimeError:
        return False
    return True


def transpose_then_flatten(x):
    return x.t().reshape(-1)


def storage_offset_and_strides(x):
    return (0, tuple(x.stride()))
