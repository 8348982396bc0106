"""Correct: to_python always returns t.tolist(), which for a 0-d tensor already is a
Python number of the right type."""


def to_python(t):
    return t.tolist()
