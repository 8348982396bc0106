# Never returns from backward, and catches whatever is raised to stop it.
def _backward(ctx, grad_output):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass


MyLeakyReLU.backward = staticmethod(_backward)
