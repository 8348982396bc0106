"""Bug: to_numpy_shared returns np.array(t), a copy."""

import numpy as np


def to_numpy_shared(t):
    return np.array(t)
