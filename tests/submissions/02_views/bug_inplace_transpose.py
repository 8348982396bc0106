"""Bug: transpose_then_flatten transposes x itself in place with x.t_()."""


def transpose_then_flatten(x):
    return x.t_().reshape(-1)
