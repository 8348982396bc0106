"""Bug: transpose_then_flatten flattens x with view(-1) and never transposes it."""


def transpose_then_flatten(x):
    return x.view(-1)
