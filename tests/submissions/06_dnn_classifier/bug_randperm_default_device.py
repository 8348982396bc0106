"""Bug: the order is drawn with torch.randperm(n, generator=generator), without
device=: on the default device, not the data's."""

import torch
from torch import nn


def train_classifier(model, X, Y, epochs=100, generator=None):
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.BCELoss()
    n = X.shape[0]
    losses = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        total, batches = 0.0, 0
        for start in range(0, n, BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            loss = loss_fn(model(X[batch]), Y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        losses.append(total / max(batches, 1))
    return losses
