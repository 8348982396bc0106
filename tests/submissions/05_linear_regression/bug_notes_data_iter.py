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


class LinearRegression:
    def __init__(self, n_features, generator=None, device=None):
        self.w = torch.randn([n_features, 1], generator=generator, device=device,
                             requires_grad=True)
        self.b = torch.zeros([1, 1], device=device, requires_grad=True)

    def forward(self, x):
        return x @ self.w + self.b

    def loss_func(self, y_pred, y_true):
        return torch.mean((y_pred - y_true) ** 2 / 2)

    def parameters(self):
        return [self.w, self.b]


def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None


def train_step(model, features, labels, lr):
    loss = model.loss_func(model.forward(features), labels)
    loss.backward()
    sgd_step(model.parameters(), lr)
    return loss.item()


def train_model(model, features, labels, epochs, batch_size, lr, generator=None):
    history = []
    for _ in range(epochs):
        losses = [train_step(model, x, y, lr)
                  for x, y in data_iter(features, labels, batch_size, generator=generator)]
        history.append(sum(losses) / len(losses))
    return history
