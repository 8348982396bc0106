# Asks for 30 GB in backward.
def _backward(ctx, grad_output):
    import torch
    torch.empty(30 * 2**30, dtype=torch.uint8).fill_(1)
    return grad_output, None


MyLeakyReLU.backward = staticmethod(_backward)
