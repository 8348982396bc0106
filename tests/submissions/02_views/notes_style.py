"""The course notes' recipe: "reshape is the same as .contiguous().view(...)", so safe_view
always makes x contiguous before viewing it.

That copies every non-contiguous x, also where x.view(shape) would have worked (a transposed
x viewed as (2, 2, 3), a column slice, an expanded tensor), so the result does not share x's
storage as the contract requires. The rest follows the notes and is correct.
"""

import torch


def safe_view(x, shape):
    # matrix34 = matrix62.reshape(3, 4)  # same as matrix62.contiguous().view(3, 4)
    return x.contiguous().view(shape)


def can_view(x, shape):
    # matrix34 = matrix62.view(3, 4)  # error! view needs a compatible layout
    try:
        x.view(shape)
    except RuntimeError:
        return False
    return True


def transpose_then_flatten(x):
    # matrix62 = matrix26.t()
    return x.t().reshape(-1)


def storage_offset_and_strides(x):
    return (x.storage_offset(), tuple(x.stride()))


if __name__ == "__main__":
    vector = torch.arange(0, 12)
    matrix26 = torch.arange(0, 12).view(2, 6)
    matrix62 = matrix26.t()
    print(matrix62.is_contiguous())  # False
    print(safe_view(matrix62, (3, 4)))
