"""``grades.csv`` of a batch: one row per submission, for a spreadsheet or an LMS import."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from grader.results import SubmissionResult


def grades_csv(exercises: Sequence[str], results: Sequence[SubmissionResult]) -> str:
    """``id,score,max_score,status``, one column per exercise, and ``review``: the
    integrity audit's rules that flagged the submission (empty when none did)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "score", "max_score", "status", *exercises, "review"])
    for r in results:
        scores = r.exercise_scores()
        review = " ".join(sorted({f.rule for f in r.integrity}))
        writer.writerow([_csv_safe(r.submission), _number(r.score), _number(r.max_score),
                         r.status, *(_number(scores.get(e, (0.0, 0.0))[0])
                                     for e in exercises), review])
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{round(value, 6):g}"


def _csv_safe(text: str) -> str:
    """A spreadsheet must not read an id as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
