"""Bug: data_iter shuffles features and labels independently."""

import torch


def data_iter(features, labels, batch_size=8, generator=None):
    n = len(features)
    feature_order = torch.randperm(n, generator=generator, device=features.device)
    label_order = torch.randperm(n, generator=generator, device=features.device)
    for start in range(0, n, batch_size):
        yield (features[feature_order[start:start + batch_size]],
               labels[label_order[start:start + batch_size]])
