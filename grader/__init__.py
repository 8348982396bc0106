"""grade: an autograding harness for PyTorch exercises.

Instructors write checks with :func:`check` (see :mod:`grader.authoring`); the grader runs
each check against the student's module and the reference solution in isolated children
and judges the difference in its own process. :mod:`grader.api` is the library behind the
``grade`` command line.
"""

from grader.authoring import Hint, capture, check

__version__ = "0.1.0"

__all__ = ["Hint", "capture", "check", "__version__"]
