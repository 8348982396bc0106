"""Typed results of grading, with a JSON round trip in the ``grade-result/1`` schema.

Results are frozen plain data: they hold no live exceptions or tensors and never render
themselves; :mod:`grader.reports` consumes them.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

SCHEMA = "grade-result/1"

CheckStatus = Literal["passed", "failed", "error", "timeout", "skipped"]
SubmissionStatus = Literal["graded", "error"]


@dataclass(frozen=True)
class TensorDiff:
    """A small side-by-side of expected and got values, for the HTML report.

    ``expected``/``got`` are rows of formatted numbers (a 1-D or 2-D window of the tensor,
    truncated for large tensors); ``mismatched`` lists the ``[row, col]`` cells that differ.
    """

    path: str
    expected: list[list[str]]
    got: list[list[str]]
    mismatched: list[list[int]]
    truncated: bool = False


@dataclass(frozen=True)
class CheckResult:
    """One check on one device."""

    id: str
    exercise: str
    device: str
    hidden: bool
    status: CheckStatus
    score: float
    max_score: float
    message: str = ""
    title: str = ""
    duration_s: float = 0.0
    diff: TensorDiff | None = None
    series: dict[str, list[float]] | None = None
    summary: str = ""
    """The outcome in the grader's own words, with nothing the submission's process wrote
    (no exception text, output or value): what students are shown of a hidden check."""

    def to_dict(self) -> dict[str, Any]:
        # Field by field: dataclasses.asdict deep-copies every leaf, a millisecond per
        # submission that a batch of thousands pays for nothing (the values are immutable
        # or only read).
        return {"id": self.id, "exercise": self.exercise, "device": self.device,
                "hidden": self.hidden, "status": self.status, "score": self.score,
                "max_score": self.max_score, "message": self.message, "title": self.title,
                "duration_s": self.duration_s,
                "diff": asdict(self.diff) if self.diff is not None else None,
                "series": self.series, "summary": self.summary}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        data = dict(data)
        diff = data.pop("diff", None)
        return cls(**data, diff=TensorDiff(**diff) if diff else None)


@dataclass(frozen=True)
class IntegrityFlag:
    """Something in the submission's source that forging a verdict needs (frame
    introspection, the grader's modules, patching torch...), for an instructor to review:
    the audit's rule, the file (or notebook cell), the line and its code."""

    rule: str
    file: str
    line: int
    code: str


@dataclass(frozen=True)
class CapturedOutput:
    """What the student's process wrote to stdout and stderr, truncated."""

    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    truncated: bool = False


@dataclass(frozen=True)
class Environment:
    """Where a submission was graded, so a report says what produced it."""

    grader_version: str
    torch_version: str
    python_version: str
    sandbox: str
    cuda_device: str | None = None
    references: str = "computed"
    """``recorded``: read from ``grade build``'s files; ``computed``: the solution ran."""
    host: str | None = None
    """``linux``, ``macos``, ``windows`` (:mod:`grader.sandbox.host`)."""
    missing_guarantees: list[str] = field(default_factory=list)
    """What this host's sandbox could not enforce, in words (none on Linux)."""


@dataclass(frozen=True)
class CellOutput:
    """One output of a notebook cell as it ran: ``stream`` or ``text`` (plain text),
    ``error`` (the exception and its traceback), ``image`` (a PNG, base64)."""

    kind: str
    text: str


@dataclass(frozen=True)
class ExecutedCell:
    number: int
    """The cell's position in the notebook, counting every cell from 1."""
    source: str
    outputs: list[CellOutput]


@dataclass(frozen=True)
class NotebookRun:
    """A notebook run from top to bottom as Jupyter would (``grade check --run-notebook``),
    for the report: every code cell with what it printed, returned, plotted or raised."""

    cells: list[ExecutedCell]
    problem: str | None = None
    """Why the run did not finish, or None."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NotebookRun:
        cells = [ExecutedCell(c["number"], c["source"], [CellOutput(**o) for o in c["outputs"]])
                 for c in data["cells"]]
        return cls(cells, data.get("problem"))


@dataclass(frozen=True)
class SubmissionResult:
    """Everything known about one graded submission."""

    assignment: str
    submission: str
    status: SubmissionStatus
    score: float
    max_score: float
    duration_s: float
    checks: list[CheckResult]
    error: str | None = None
    title: str = ""
    exercises: list[str] = field(default_factory=list)
    hidden_checks_not_run: int = 0
    output: CapturedOutput = field(default_factory=CapturedOutput)
    environment: Environment | None = None
    notes: list[str] = field(default_factory=list)
    """What the student should know besides the checks: a notebook's failed cells, cells
    of which only definitions ran, a conversion from an older notebook format."""
    notebook: NotebookRun | None = None
    """The whole notebook as it ran, when it was asked for (``--run-notebook``)."""
    error_summary: str | None = None
    """``error`` in words that carry nothing from the submission's process but the
    compiler's (a syntax error's place and text): what students of a graded run read."""
    integrity: list[IntegrityFlag] = field(default_factory=list)
    """The integrity audit's flags: never part of the score unless the instructor asks."""

    @property
    def passed(self) -> bool:
        """True when the submission loaded and no check failed, errored or timed out."""
        return self.status == "graded" and all(
            c.status in ("passed", "skipped") for c in self.checks
        )

    def exercise_scores(self) -> dict[str, tuple[float, float]]:
        """Score and maximum per exercise, in the assignment's exercise order."""
        totals: dict[str, tuple[float, float]] = {name: (0.0, 0.0) for name in self.exercises}
        for c in self.checks:
            got, most = totals.get(c.exercise, (0.0, 0.0))
            totals[c.exercise] = (got + c.score, most + c.max_score)
        return totals

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "assignment": self.assignment,
            "submission": self.submission,
            "status": self.status,
            "error": self.error,
            "score": self.score,
            "max_score": self.max_score,
            "duration_s": self.duration_s,
            "checks": [c.to_dict() for c in self.checks],
            "title": self.title,
            "exercises": list(self.exercises),
            "hidden_checks_not_run": self.hidden_checks_not_run,
            "output": asdict(self.output),
            "environment": asdict(self.environment) if self.environment is not None else None,
            "notes": list(self.notes),
            **({"notebook": self.notebook.to_dict()} if self.notebook is not None else {}),
            **({"error_summary": self.error_summary} if self.error_summary is not None else {}),
            "integrity": [asdict(f) for f in self.integrity],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The ``result.json`` document; ``indent=None`` writes it compactly, several times
        faster (the C encoder), as a batch does for thousands of students."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        data = dict(data)
        if data.pop("schema", None) != SCHEMA:
            raise ValueError(f"not a {SCHEMA} document")
        checks = [CheckResult.from_dict(c) for c in data.pop("checks")]
        output = CapturedOutput(**data.pop("output", {}))
        env = data.pop("environment", None)
        notebook = data.pop("notebook", None)
        integrity = [IntegrityFlag(**f) for f in data.pop("integrity", [])]
        return cls(**data, checks=checks, output=output, integrity=integrity,
                   environment=Environment(**env) if env else None,
                   notebook=NotebookRun.from_dict(notebook) if notebook else None)

    @classmethod
    def from_json(cls, text: str) -> SubmissionResult:
        return cls.from_dict(json.loads(text))


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that a reader never sees half of it (written beside it, then renamed
    into place); its folder is made when it is missing. A batch writes three per student:
    plain ``os`` calls, no more system calls than that takes."""
    tmp = f"{path.parent}/.{path.name}.tmp"
    data = text.encode("utf-8")
    try:
        fd = os.open(tmp, _WRITE_FLAGS, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, _WRITE_FLAGS, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(tmp, path)


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
