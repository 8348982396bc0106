"""Bug: make_rings draws the angles in [0, π): only half of each ring."""

import math

import torch


def make_rings(n_positive, n_negative, generator=None):
    r_p = 5.0 + torch.normal(0.0, 1.0, size=[n_positive, 1], generator=generator)
    theta_p = math.pi * torch.rand([n_positive, 1], generator=generator)
    r_n = 8.0 + torch.normal(0.0, 1.0, size=[n_negative, 1], generator=generator)
    theta_n = math.pi * torch.rand([n_negative, 1], generator=generator)
    Xp = torch.cat([r_p * torch.cos(theta_p), r_p * torch.sin(theta_p)], dim=1)
    Xn = torch.cat([r_n * torch.cos(theta_n), r_n * torch.sin(theta_n)], dim=1)
    X = torch.cat([Xp, Xn], dim=0)
    Y = torch.cat([torch.ones(n_positive, 1), torch.zeros(n_negative, 1)], dim=0)
    return X, Y
