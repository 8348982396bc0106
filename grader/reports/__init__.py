"""Renderers of results: terminal summary, HTML reports, class summary, CSV, Gradescope, JUnit
XML and Markdown."""

import math


def format_points(value: float) -> str:
    """A score with at most two decimals and no trailing zeros: 7.5, 13, 0.33."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def first_line(message: str) -> str:
    """A message's first non-blank line: what fits a table cell, a list or an XML attribute."""
    return next((line.strip() for line in message.splitlines() if line.strip()), "")
