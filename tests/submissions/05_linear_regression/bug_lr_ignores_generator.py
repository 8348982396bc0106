"""Bug: LinearRegression draws w from torch's global random state, ignoring its generator."""

import torch

_Solution = LinearRegression  # noqa: F821 - the reference solution's, above this overlay


class LinearRegression(_Solution):
    def __init__(self, n_features, generator=None, device=None):
        super().__init__(n_features, generator=generator, device=device)
        self.w = torch.randn([n_features, 1], device=device, requires_grad=True)
