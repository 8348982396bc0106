# Returns objects whose __reduce__ would run a command if anything unpickled them.
class Evil:
    def __reduce__(self):
        import os
        return (os.system, ("touch $marker",))


def relu_linear_grads(w, b, X, Y):
    return Evil(), Evil()
