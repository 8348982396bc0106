"""Bug: the notes' data_iter (np.random.shuffle and a CPU torch.LongTensor index), with a
generator parameter added that it ignores. Loses reproducibility from the generator, and
on CUDA every data_iter check (index_select refuses a CPU index for CUDA tensors)."""

import numpy as np
import torch


def data_iter(features, labels, batch_size=8, generator=None):
    num_examples = len(features)
    indices = list(range(num_examples))
    np.random.shuffle(indices)  # random read order
    for i in range(0, num_examples, batch_size):
        indexs = torch.LongTensor(indices[i: min(i + batch_size, num_examples)])
        yield features.index_select(0, indexs), labels.index_select(0, indexs)
