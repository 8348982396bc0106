"""Bug: safe_view always copies (reshape, then clone), even where x.view(shape) works."""


def safe_view(x, shape):
    return x.reshape(shape).clone()
