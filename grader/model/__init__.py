"""What a course is: assignments, the checks instructors write, and the limits they run under.

The bottom of the grader's layers (above only :mod:`grader.errors` and :mod:`grader.results`):
everything else reads these values, nothing here reads anything above.
"""
