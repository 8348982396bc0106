# Raises SystemExit from backward, inside autograd's engine.
def _backward(ctx, grad_output):
    raise SystemExit(0)


MyLeakyReLU.backward = staticmethod(_backward)
