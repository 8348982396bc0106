"""Bug: data_iter drops the last, smaller batch."""

import torch


def data_iter(features, labels, batch_size=8, generator=None):
    n = len(features)
    order = torch.randperm(n, generator=generator, device=features.device)
    for start in range(0, n - batch_size + 1, batch_size):
        index = order[start:start + batch_size]
        yield features.index_select(0, index), labels.index_select(0, index)
