"""Bug: accumulated_grad runs backward on the caller's x instead of a fresh leaf copy."""



def accumulated_grad(x, times):
    y = (x ** 2).sum()
    for _ in range(times):
        y.backward(retain_graph=True)
    return x.grad
