"""Renderers of results: terminal summary and HTML report (later: CSV, JUnit, Markdown)."""

import math


def format_points(value: float) -> str:
    """A score with at most two decimals and no trailing zeros: 7.5, 13, 0.33."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
