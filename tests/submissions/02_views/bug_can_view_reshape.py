"""Bug: can_view tries x.reshape instead of x.view, so it only compares the number of
elements and ignores x's strides."""


def can_view(x, shape):
    try:
        x.reshape(shape)
    except RuntimeError:
        return False
    return True
