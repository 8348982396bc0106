"""Bug: train_step returns the loss tensor instead of a Python float."""



def train_step(model, features, labels, lr):
    loss = model.loss_func(model.forward(features), labels)
    loss.backward()
    sgd_step(model.parameters(), lr)
    return loss
