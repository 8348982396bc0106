"""Bug: storage_offset_and_strides returns the strides as a list, not a tuple."""


def storage_offset_and_strides(x):
    return (x.storage_offset(), list(x.stride()))
