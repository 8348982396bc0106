"""Bug: to_python tests numel() == 1 instead of dim() == 0, so tensor([4.5]) gives 4.5."""



def to_python(t):
    return t.item() if t.numel() == 1 else t.tolist()
