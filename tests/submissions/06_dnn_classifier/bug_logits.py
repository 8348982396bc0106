"""Bug: build_classifier has no final sigmoid: it outputs logits, not probabilities."""

from torch import nn


def build_classifier():
    return nn.Sequential(
        nn.Linear(2, 32), nn.ReLU(),
        nn.Linear(32, 32), nn.ReLU(),
        nn.Linear(32, 1),
    )
