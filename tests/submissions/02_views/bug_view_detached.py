"""Bug: safe_view returns x.view(shape).detach(): the same storage, no gradient to x."""


def safe_view(x, shape):
    try:
        return x.view(shape).detach()
    except RuntimeError:
        return x.contiguous().view(shape)
