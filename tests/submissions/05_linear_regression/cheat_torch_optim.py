"""Cheat: sgd_step hands the update to torch.optim.SGD and data_iter returns a DataLoader
over a TensorDataset, where the exercises ask for both by hand. The values are right; the
contracts (no torch.optim in sgd_step, no torch.utils.data in data_iter) are not kept."""

import torch
from torch.utils.data import DataLoader, TensorDataset


def data_iter(features, labels, batch_size=8, generator=None):
    return DataLoader(TensorDataset(features, labels), batch_size=batch_size, shuffle=True,
                      generator=generator)


def sgd_step(params, lr):
    optimizer = torch.optim.SGD(params, lr=lr)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
