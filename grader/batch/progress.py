"""Progress of a batch on stderr: a bar with count, rate and ETA on a terminal, plain log lines
(one per finished submission) when stderr is a file or a CI log."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from grader.reports import format_points
from grader.results import SubmissionResult

WIDTH = 24


@dataclass(frozen=True)
class Progress:
    """How far a batch is: submissions done of those to grade now, and the last result."""

    done: int
    total: int
    started: float
    last: SubmissionResult | None = None


class ProgressPrinter:
    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self._drawn = False
        self._last_draw = 0.0

    def update(self, progress: Progress) -> None:
        if progress.total == 0:
            return
        if not self.tty:
            if progress.last is not None:
                r = progress.last
                sys.stderr.write(f"[{progress.done}/{progress.total}] {r.submission}: "
                                 f"{format_points(r.score)}/{format_points(r.max_score)} "
                                 f"{r.status} ({r.duration_s:.1f} s)\n")
                sys.stderr.flush()
            return
        now = time.monotonic()
        if progress.done < progress.total and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        elapsed = max(now - progress.started, 1e-9)
        rate = progress.done / elapsed
        eta = (progress.total - progress.done) / rate if rate > 0 else 0.0
        filled = int(WIDTH * progress.done / progress.total)
        bar = "█" * filled + "░" * (WIDTH - filled)
        sys.stderr.write(f"\r{bar}  {progress.done}/{progress.total}  {rate:.1f}/s  "
                         f"ETA {time.strftime('%H:%M:%S', time.gmtime(eta))}")
        sys.stderr.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
