"""Bug: build_classifier stacks linear layers with no nonlinearity between them: the model
is linear and cannot separate the rings."""

from torch import nn


def build_classifier():
    return nn.Sequential(
        nn.Linear(2, 32),
        nn.Linear(32, 32),
        nn.Linear(32, 1), nn.Sigmoid(),
    )
