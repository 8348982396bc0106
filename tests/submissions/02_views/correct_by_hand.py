"""A correct solution written differently from the reference: safe_view through reshape,
can_view by working through x's strides by hand (no try/except), the transpose flattened
with contiguous().view(-1), and the strides returned as x.stride() gives them."""


def safe_view(x, shape):
    return x.reshape(shape)  # a view whenever view works, a contiguous copy otherwise


def _inferred(shape, numel):
    """shape with its -1 replaced, or None where no tensor of numel elements takes it."""
    shape = list(shape)
    if shape.count(-1) > 1 or any(s < -1 for s in shape):
        return None
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            return None
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        return None
    return shape


def can_view(x, shape):
    new = _inferred(shape, x.numel())
    if new is None:
        return False
    old, strides = list(x.shape), list(x.stride())
    if x.numel() == 0 or not old:
        return True
    view_d = len(new) - 1
    base_stride = strides[-1]
    old_numel = view_numel = 1
    for d in range(len(old) - 1, -1, -1):
        old_numel *= old[d]
        if d == 0 or (old[d - 1] != 1 and strides[d - 1] != old_numel * base_stride):
            while view_d >= 0 and (view_numel < old_numel or new[view_d] == 1):
                view_numel *= new[view_d]
                view_d -= 1
            if view_numel != old_numel:
                return False
            if d > 0:
                base_stride = strides[d - 1]
                old_numel = view_numel = 1
    return view_d == -1


def transpose_then_flatten(x):
    return x.t().contiguous().view(-1)


def storage_offset_and_strides(x):
    return x.storage_offset(), x.stride()
