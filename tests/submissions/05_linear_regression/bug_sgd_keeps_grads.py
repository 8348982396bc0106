"""Bug: sgd_step never clears the gradients."""

import torch


def data_iter(features, labels, batch_size=8, generator=None):
    n = len(features)
    order = torch.randperm(n, generator=generator, device=features.device)
    for start in range(0, n, batch_size):
        index = order[start:start + batch_size]
        yield features.index_select(0, index), labels.index_select(0, index)


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
