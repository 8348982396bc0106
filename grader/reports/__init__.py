"""Renderers that turn :class:`grader.results.SubmissionResult` values into files for people."""
