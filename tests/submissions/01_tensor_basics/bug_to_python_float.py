"""Bug: to_python turns every 0-d tensor into a float, ints and bools included."""



def to_python(t):
    return float(t) if t.dim() == 0 else t.tolist()
