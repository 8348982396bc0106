"""Bug: safe_view's copy is made from x.detach(): right values and layout, no gradient."""


def safe_view(x, shape):
    try:
        return x.view(shape)
    except RuntimeError:
        return x.detach().contiguous().view(shape)
