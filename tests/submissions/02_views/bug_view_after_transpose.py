"""Bug: transpose_then_flatten calls view(-1) on x.t(), which is not contiguous."""


def transpose_then_flatten(x):
    return x.t().view(-1)
