"""Bug: build_classifier's model has 17,025 parameters (2 → 128 → 128 → 1), more than 10,000."""

from torch import nn


def build_classifier():
    return nn.Sequential(
        nn.Linear(2, 128), nn.ReLU(),
        nn.Linear(128, 128), nn.ReLU(),
        nn.Linear(128, 1), nn.Sigmoid(),
    )
