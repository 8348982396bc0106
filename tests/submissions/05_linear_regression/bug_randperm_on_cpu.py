"""Bug: data_iter draws its order with torch.randperm(n, generator=generator), without
device=: on the CPU whatever the features' device (index_select fails on a GPU)."""

import torch


def data_iter(features, labels, batch_size=8, generator=None):
    n = len(features)
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        index = order[start:start + batch_size]
        yield features.index_select(0, index), labels.index_select(0, index)
