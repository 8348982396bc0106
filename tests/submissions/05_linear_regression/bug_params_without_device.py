"""Bug: LinearRegression makes b without device=: on the default device, not the given one."""

import torch

_Solution = LinearRegression  # noqa: F821 - the reference solution's, above this overlay


class LinearRegression(_Solution):
    def __init__(self, n_features, generator=None, device=None):
        super().__init__(n_features, generator=generator, device=device)
        self.b = torch.zeros([1, 1], requires_grad=True)
