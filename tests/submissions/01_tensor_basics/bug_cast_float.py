"""Bug: cast_like always converts to float32 (x.float())."""



def cast_like(x, other):
    return x.float()
