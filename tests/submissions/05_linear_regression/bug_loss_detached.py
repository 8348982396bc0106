"""Bug: loss_func returns its value detached (loss.item() turned back into a tensor would do
the same): the right number, and no gradient for training."""

import torch

_Solution = LinearRegression  # noqa: F821 - the reference solution's, above this overlay


class LinearRegression(_Solution):
    def loss_func(self, y_pred, y_true):
        return torch.mean((y_pred - y_true) ** 2 / 2).detach()
