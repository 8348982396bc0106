"""Bug: to_numpy_copy returns t.numpy(), which shares t's memory."""



def to_numpy_copy(t):
    return t.numpy()
