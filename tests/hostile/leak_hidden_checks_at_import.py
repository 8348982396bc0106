# Raises while being imported, with a message listing the titles of every check the child's
# stack holds (in a graded run, the hidden ones too). The submission is an error; the
# student reads that it raised, not what it raised (result.json keeps that).
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


raise RuntimeError("LEAKED " + " | ".join(_found_titles()) + " INPUT-WAS nothing")
