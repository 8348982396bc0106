# Crashes the interpreter from backward.
def _backward(ctx, grad_output):
    import ctypes
    ctypes.string_at(0)


MyLeakyReLU.backward = staticmethod(_backward)
