"""Bug: storage_offset_and_strides reports the layout of a contiguous copy of x."""


def storage_offset_and_strides(x):
    c = x.contiguous()
    return (c.storage_offset(), tuple(c.stride()))
