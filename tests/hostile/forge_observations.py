# Writes frames of the grader's own protocol into its private channel from inside a backward:
# an observation for a check that is not the one running, with a value that would fail it.
# It must be refused (the check in flight errs), not recorded: the forged check still passes.
import os


def _forge():
    from grader.sandbox import wire

    frame = wire.frame({"kind": "observed", "check": "relu_linear_grads/notes_numbers",
                               "device": "cpu", "hint": None, "value": 0, "duration_s": 0.0})
    for name in os.listdir("/proc/self/fd"):
        try:
            if int(name) > 2 and os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
                os.write(int(name), frame)
        except OSError:
            pass


_real_backward = MyLeakyReLU.backward


def _backward(ctx, grad_output):
    _forge()
    return _real_backward(ctx, grad_output)


MyLeakyReLU.backward = staticmethod(_backward)
