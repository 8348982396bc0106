"""The course notes' code ("Eat PyTorch" 3-1, the low-level API) exactly as written, with only
the final training run (`train_model(model, epochs=1000)`) left out so that the file imports
quickly. Nothing of the contract that the notes lack is added: the notes have no sgd_step,
their data_iter takes no generator, LinearRegression() no arguments, train_step no lr, and
train_model(model, epochs) reads the global X and Y."""

import numpy as np
import torch

n = 400
X = 10*torch.rand([n,2])-5.0
w0 = torch.tensor([[2.0],[-3.0]])
b0 = torch.tensor([[10.0]])
Y = X@w0 + b0 + torch.normal(0.0, 2.0, size=[n,1])

def data_iter(features, labels, batch_size=8):
    num_examples = len(features)
    indices = list(range(num_examples))
    np.random.shuffle(indices)  # random read order
    for i in range(0, num_examples, batch_size):
        indexs = torch.LongTensor(indices[i: min(i + batch_size, num_examples)])
        yield features.index_select(0, indexs), labels.index_select(0, indexs)

class LinearRegression:
    def __init__(self):
        self.w = torch.randn_like(w0, requires_grad=True)
        self.b = torch.zeros_like(b0, requires_grad=True)
    def forward(self, x):
        return x@self.w + self.b
    def loss_func(self, y_pred, y_true):
        return torch.mean((y_pred - y_true)**2/2)

model = LinearRegression()

def train_step(model, features, labels):
    predictions = model.forward(features)
    loss = model.loss_func(predictions, labels)
    loss.backward()
    with torch.no_grad():
        model.w -= 0.001*model.w.grad
        model.b -= 0.001*model.b.grad
        model.w.grad.zero_()
        model.b.grad.zero_()
    return loss

def train_model(model, epochs):
    for epoch in range(1, epochs+1):
        for features, labels in data_iter(X, Y, 10):
            loss = train_step(model, features, labels)
        if epoch % 200 == 0:
            print("epoch =", epoch, "loss = ", loss.item())
