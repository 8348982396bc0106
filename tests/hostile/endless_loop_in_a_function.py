# Never returns from backward.
def _backward(ctx, grad_output):
    while True:
        pass


MyLeakyReLU.backward = staticmethod(_backward)
