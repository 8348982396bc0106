"""Bug: can_view tries x.reshape instead of x.view, so it only compares the number of
elements and ignores x's strides."""


def safe_view(x, shape):
    try:
        return x.view(shape)
    except RuntimeError:
        return x.contiguous().view(shape)


def can_view(x, shape):
    try:
        x.reshape(shape)
    except RuntimeError:
        return False
    return True


def transpose_then_flatten(x):
    return x.t().reshape(-1)


def storage_offset_and_strides(x):
    return (x.storage_offset(), tuple(x.stride()))
