# Replaces the code of the grader's frame encoder in place, at import: the function object
# stays where it was (so putting names back undoes nothing), but it now reports a
# backward that is wrong as the reference's numbers would read. The child must see that its
# encoder is not the grader's before it sends anything, and send nothing more: the result
# is an error that names the tampering, never a pass.
import grader.sandbox.codec as _codec


def _forged(value, depth=0, labels=None):
    return {"$$t": "opaque", "type": "forged", "repr": ""}


_codec._encode.__code__ = _forged.__code__


class _WrongBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


MyReLU = _WrongBackward
