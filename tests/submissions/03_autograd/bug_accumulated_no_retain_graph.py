"""Bug: accumulated_grad does not keep the graph (retain_graph=True), so a second backward
raises."""



def accumulated_grad(x, times):
    x = x.detach().clone().requires_grad_(True)
    y = (x ** 2).sum()
    for _ in range(times):
        y.backward()
    return x.grad
