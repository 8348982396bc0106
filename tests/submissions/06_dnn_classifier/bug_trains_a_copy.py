"""Bug: train_classifier trains a copy.deepcopy of the model, so the caller's model stays
untrained."""

import copy

_train = train_classifier


def train_classifier(model, X, Y, epochs=100, generator=None):
    return _train(copy.deepcopy(model), X, Y, epochs=epochs, generator=generator)
