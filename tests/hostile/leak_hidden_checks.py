# From inside every MyLeakyReLU check, raises an exception whose message lists what the
# child's stack holds: the titles of every check it can find (the hidden ones included: in
# a graded run the child loaded them all) and the input it was given. Graded with hidden
# checks, none of it may reach what the student reads; result.json keeps it.
import sys


def _found_titles():
    titles = set()
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, dict):
                for item in list(value.values()):
                    title = getattr(item, "title", None)
                    if isinstance(title, str):
                        titles.add(title)
        frame = frame.f_back
    return sorted(titles)


def _leaking_forward(ctx, input, negative_slope=0.01):
    raise RuntimeError("LEAKED " + " | ".join(_found_titles())
                       + f" | INPUT-WAS {tuple(input.shape)}: {input.tolist()}")


MyLeakyReLU.forward = staticmethod(_leaking_forward)
