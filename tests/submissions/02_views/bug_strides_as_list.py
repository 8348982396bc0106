"""Bug: storage_offset_and_strides returns the strides as a list, not a tuple."""


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
    return (x.storage_offset(), list(x.stride()))
