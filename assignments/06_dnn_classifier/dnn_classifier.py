"""Assignment 06 — a DNN binary classifier for two rings of points.

Fill in the three functions below; README.md in this folder explains each contract.
Check your work with:  grade check assignments/06_dnn_classifier
"""

import torch  # noqa: F401  (you will need these)
from torch import nn  # noqa: F401


def make_rings(n_positive, n_negative, generator=None):
    """(X [n, 2] float32, Y [n, 1] float32) on the CPU: the inner ring (label 1) first."""
    raise NotImplementedError("make_rings: see README.md, 'make_rings'")


def build_classifier():
    """A new nn.Module mapping [N, 2] to probabilities [N, 1], at most 10,000 parameters."""
    raise NotImplementedError("build_classifier: see README.md, 'build_classifier'")


def train_classifier(model, X, Y, epochs=100, generator=None):
    """Train `model` in place on (X, Y); return the list of per-epoch losses (floats)."""
    raise NotImplementedError("train_classifier: see README.md, 'train_classifier'")
