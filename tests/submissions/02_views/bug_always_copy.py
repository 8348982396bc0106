"""Bug: safe_view always copies (reshape, then clone), even where x.view(shape) works."""


def safe_view(x, shape):
    return x.reshape(shape).clone()


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
