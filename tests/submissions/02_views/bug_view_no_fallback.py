"""Bug: safe_view calls x.view(shape) with no fallback, so it raises where view cannot work."""


def safe_view(x, shape):
    return x.view(shape)


def can_view(x, shape):
    try:
        x.view(shape)
    except RuntimeError:
        return False
    return True


def transpose_then_flatten(x):
    return x.t().reshape(-1)


def storage_offset_and_strides(x):
    return (x.storage_offset(), tuple(x.stride()))
