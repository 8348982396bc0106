"""Correct, but written differently from the reference: the order from argsort of uniform
draws, batches by advanced indexing, w made a leaf with requires_grad_(), gradients zeroed
instead of set to None, p.sub_ for the update, train_step reading model.w and model.b, and the
epoch mean taken with torch. It must score full marks: the checks must not depend on the
reference's own choices."""

import torch


def data_iter(features, labels, batch_size=8, generator=None):
    n = features.shape[0]
    keys = torch.rand(n, generator=generator, device=features.device)
    order = keys.argsort()
    batches = []
    for start in range(0, n, batch_size):
        index = order[start:min(start + batch_size, n)]
        batches.append((features[index], labels[index]))
    return iter(batches)


class LinearRegression:
    def __init__(self, n_features, generator=None, device=None):
        self.w = torch.randn(n_features, 1, generator=generator, device=device).requires_grad_()
        self.b = torch.zeros(1, 1, device=device).requires_grad_()

    def forward(self, x):
        return torch.matmul(x, self.w) + self.b

    def loss_func(self, y_pred, y_true):
        return ((y_pred - y_true) ** 2).mean() / 2

    def parameters(self):
        return [self.w, self.b]


def sgd_step(params, lr):
    for p in params:
        with torch.no_grad():
            p.sub_(lr * p.grad)
        p.grad.zero_()


def train_step(model, features, labels, lr):
    loss = model.loss_func(model.forward(features), labels)
    loss.backward()
    sgd_step([model.w, model.b], lr)
    return float(loss)


def train_model(model, features, labels, epochs, batch_size, lr, generator=None):
    history = []
    for _epoch in range(epochs):
        losses = []
        for x, y in data_iter(features, labels, batch_size=batch_size, generator=generator):
            losses.append(train_step(model, x, y, lr))
        history.append(torch.tensor(losses, dtype=torch.float64).mean().item())
    return history
