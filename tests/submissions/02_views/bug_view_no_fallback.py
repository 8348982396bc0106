"""Bug: safe_view calls x.view(shape) with no fallback, so it raises where view cannot work."""


def safe_view(x, shape):
    return x.view(shape)
