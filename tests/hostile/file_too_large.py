# Writes a 64 MiB file from backward.
def _backward(ctx, grad_output):
    with open("big.bin", "wb") as f:
        for _ in range(64):
            f.write(bytes(1 << 20))
    return grad_output, None


MyLeakyReLU.backward = staticmethod(_backward)
