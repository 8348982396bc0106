"""Assignment 02 — views, strides and storage.

Fill in the four functions below; README.md in this folder explains each contract.
Check your work with:  grade check assignments/02_views
"""


def safe_view(x, shape):
    """x.reshape(shape)'s values; a view of x whenever x.view(shape) works, else a copy."""
    raise NotImplementedError("safe_view: see README.md, 'safe_view'")


def can_view(x, shape):
    """True exactly when x.view(shape) would succeed (a Python bool)."""
    raise NotImplementedError("can_view: see README.md, 'can_view'")


def transpose_then_flatten(x):
    """The elements of x.t() (x is 2-D) in row-major order, as a 1-D tensor."""
    raise NotImplementedError("transpose_then_flatten: see README.md, 'transpose_then_flatten'")


def storage_offset_and_strides(x):
    """(x.storage_offset(), tuple(x.stride()))."""
    raise NotImplementedError(
        "storage_offset_and_strides: see README.md, 'storage_offset_and_strides'")
