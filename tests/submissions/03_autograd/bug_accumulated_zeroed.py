"""Bug: accumulated_grad zeroes the gradient before each backward, so it returns 2 * x
whatever times is."""



def accumulated_grad(x, times):
    x = x.detach().clone().requires_grad_(True)
    y = (x ** 2).sum()
    for _ in range(times):
        x.grad = None
        y.backward(retain_graph=True)
    return x.grad
