"""Assignment 01 — tensor basics.

Fill in the functions below; README.md in this folder explains each contract.
Check your work with:  grade check assignments/01_tensor_basics
"""



def join(tensors, dim, new_axis=False):
    """Concatenate along `dim` (new_axis=False) or stack along a new axis `dim` (True)."""
    raise NotImplementedError("join: see README.md, 'join'")


def inclusive_range(start, end, step=1.0):
    """float32 1-D tensor start, start + step, ... up to and including end when on the grid."""
    raise NotImplementedError("inclusive_range: see README.md, 'inclusive_range'")


def ones_and_zeros_like(x):
    """(ones, zeros) with x's shape, dtype and device."""
    raise NotImplementedError("ones_and_zeros_like: see README.md, 'ones_and_zeros_like'")


def noisy_linear_data(n, w, b, noise_std, generator=None):
    """(X, y): X uniform in [-5, 5) of shape [n, k], y = X @ w + b + normal noise."""
    raise NotImplementedError("noisy_linear_data: see README.md, 'noisy_linear_data'")


def to_numpy_shared(t):
    """A numpy array that shares memory with the CPU tensor t."""
    raise NotImplementedError("to_numpy_shared: see README.md, 'to_numpy_shared'")


def to_numpy_copy(t):
    """A numpy array with t's values that does not share memory with t."""
    raise NotImplementedError("to_numpy_copy: see README.md, 'to_numpy_copy'")


def to_python(t):
    """A Python number for a 0-d tensor, nested lists otherwise."""
    raise NotImplementedError("to_python: see README.md, 'to_python'")


def cast_like(x, other):
    """x converted to other's dtype, staying on x's device."""
    raise NotImplementedError("cast_like: see README.md, 'cast_like'")
