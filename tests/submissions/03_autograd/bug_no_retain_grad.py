"""Bug: intermediate_grads never calls retain_grad(), so the non-leaf gradients are None."""



def intermediate_grads(x):
    x = x.detach().clone().requires_grad_(True)
    y1 = x + 1
    y2 = 2 * x
    loss = (y1 - y2) ** 2
    loss.backward()
    return {"x": x.grad, "y1": y1.grad, "y2": y2.grad, "loss": loss.grad}
