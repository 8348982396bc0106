"""Bug: storage_offset_and_strides reports the layout of a contiguous copy of x."""


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
    c = x.contiguous()
    return (c.storage_offset(), tuple(c.stride()))
