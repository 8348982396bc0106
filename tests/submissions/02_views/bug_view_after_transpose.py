"""Bug: transpose_then_flatten calls view(-1) on x.t(), which is not contiguous."""


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
    return x.t().view(-1)


def storage_offset_and_strides(x):
    return (x.storage_offset(), tuple(x.stride()))
