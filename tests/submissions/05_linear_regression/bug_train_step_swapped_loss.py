"""Bug: train_step calls model.loss_func(labels, prediction), the arguments swapped."""


def train_step(model, features, labels, lr):
    loss = model.loss_func(labels, model.forward(features))
    loss.backward()
    sgd_step(model.parameters(), lr)  # noqa: F821 - the reference solution's
    return loss.item()
