"""Assignment 05 — linear regression with PyTorch's low-level API.

Fill in the five pieces below; README.md in this folder explains each contract.
Check your work with:  grade check assignments/05_linear_regression
"""

import torch  # noqa: F401 - you will need it


def data_iter(features, labels, batch_size=8, generator=None):
    """Yield (features_batch, labels_batch) pairs: every sample once, in a shuffled order."""
    raise NotImplementedError("data_iter: see README.md, 'data_iter'")


class LinearRegression:
    """y = x @ w + b, with w [n_features, 1] drawn from `generator` and b zeros [1, 1]."""

    def __init__(self, n_features, generator=None, device=None):
        raise NotImplementedError("LinearRegression.__init__: see README.md, 'LinearRegression'")

    def forward(self, x):
        raise NotImplementedError("LinearRegression.forward: see README.md, 'LinearRegression'")

    def loss_func(self, y_pred, y_true):
        raise NotImplementedError("LinearRegression.loss_func: see README.md, 'LinearRegression'")

    def parameters(self):
        raise NotImplementedError("LinearRegression.parameters: see README.md, 'LinearRegression'")


def sgd_step(params, lr):
    """One step of plain SGD on every tensor in params, in place; then clear the gradients."""
    raise NotImplementedError("sgd_step: see README.md, 'sgd_step'")


def train_step(model, features, labels, lr):
    """Forward, loss, backward and one sgd_step; return the loss as a Python float."""
    raise NotImplementedError("train_step: see README.md, 'train_step'")


def train_model(model, features, labels, epochs, batch_size, lr, generator=None):
    """Train for `epochs` passes over data_iter's batches; return the per-epoch mean losses."""
    raise NotImplementedError("train_model: see README.md, 'train_model'")
