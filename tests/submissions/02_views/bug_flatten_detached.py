"""Bug: transpose_then_flatten works on x.data: right values, cut off from x's gradient."""


def transpose_then_flatten(x):
    return x.data.t().reshape(-1)
