# Burns CPU time in backward (the check's wall clock is generous, its CPU time is not).
def _backward(ctx, grad_output):
    while True:
        pass


MyLeakyReLU.backward = staticmethod(_backward)
