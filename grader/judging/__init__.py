"""Judging: a submission's observations against the reference's, in the grader's own process."""
