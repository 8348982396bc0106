"""Reading a student's notebook in the sandbox, under the load time limit.

A notebook is untrusted input before any of its code runs: nbformat's reader and validator
and IPython's input transformers (:mod:`grader.intake.notebooks`) work on whatever text it
holds, and text crafted to make them slow (a cell that makes the transformers quadratic)
would cost the grader's own CPU, minutes per cell, before any limit applied. So the grader
never parses a notebook in its own process: a process launched like a zygote
(:func:`grader.sandbox.jail.launch`) reads it, under the assignment's ``load_s`` (as wall
clock and CPU time) and its memory limit, and hands back the cells as data that this process
validates. A notebook that takes longer is the student's ``error`` result, naming the limit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from grader.intake.notebooks import MODES, NotebookCell, NotebookError
from grader.model.limits import Limits
from grader.sandbox import host, jail
from grader.sandbox.jail import Level

_PARSED = "parsed.json"
MAX_PARSED_BYTES = 64 << 20
MAX_CELLS = 10_000

Parser = Callable[[Path], tuple[tuple[NotebookCell, ...], tuple[str, ...]]]


def sandboxed_parser(level: Level, limits: Limits) -> Parser:
    """A notebook reader for :func:`grader.intake.submissions.module_from_path` that reads
    in the sandbox at ``level`` under ``limits`` (its ``load_s`` and ``memory_mb``)."""
    def parse(path: Path) -> tuple[tuple[NotebookCell, ...], tuple[str, ...]]:
        return parse_in_sandbox(path, limits, level)
    return parse


def parse_in_sandbox(path: Path, limits: Limits, level: Level
                     ) -> tuple[tuple[NotebookCell, ...], tuple[str, ...]]:
    """The cells and notes of the notebook at ``path``; raises :class:`NotebookError` with
    a message for the student when it cannot be read (in time)."""
    workdir = Path(tempfile.mkdtemp(prefix="grade-notebook-read-"))
    try:
        shutil.copyfile(path, workdir / path.name)
        reading = replace(limits, cpu_s=max(1, int(limits.load_s) + 1))
        proc = jail.launch("grader.sandbox.notebook_parse:child_main",
                           [path.name, json.dumps(asdict(reading))], root=workdir,
                           level=level, allow_cuda=False)
        try:
            proc.wait(timeout=limits.load_s)
        except subprocess.TimeoutExpired:
            raise NotebookError(
                f"{path.name} could not be read within the {limits.load_s:g} s load limit "
                "(reading a notebook turns each cell's IPython syntax into Python); it was "
                "stopped") from None
        finally:
            jail.stop(proc)
        return _read_parsed(workdir / _PARSED, path.name, proc.returncode)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _read_parsed(found: Path, name: str, returncode: int
                 ) -> tuple[tuple[NotebookCell, ...], tuple[str, ...]]:
    stopped = {host.SIGKILL, host.SIGXCPU}
    if -returncode in stopped or returncode - 128 in stopped:
        raise NotebookError(f"{name} could not be read within the load limits (the reader was "
                            "stopped for its CPU time or memory)")
    if not found.is_file() or found.is_symlink() or found.stat().st_size > MAX_PARSED_BYTES:
        raise NotebookError(f"{name} could not be read (the reader ended with status "
                            f"{returncode})")
    try:
        data = json.loads(found.read_text(encoding="utf-8"))
        if isinstance(data.get("problem"), str):
            raise NotebookError(data["problem"][:2000])
        cells = tuple(_cell(c) for c in data["cells"][:MAX_CELLS])
        notes = tuple(str(n)[:2000] for n in data["notes"])
    except (ValueError, TypeError, KeyError, AttributeError):
        raise NotebookError(f"{name} could not be read back from the reader") from None
    return cells, notes


def _cell(data: Any) -> NotebookCell:
    number, source, mode, dropped = data["number"], data["source"], data["mode"], data["dropped"]
    if not (isinstance(number, int) and isinstance(source, str) and mode in MODES
            and isinstance(dropped, int)):
        raise ValueError("bad cell")
    return NotebookCell(number, source, mode, dropped)


# ---------------------------------------------------------------- in the reader's process

def child_main() -> None:
    """Read the notebook named in argv under the limits given there; write parsed.json."""
    from grader.sandbox.child import apply_limits

    name, limits = sys.argv[1], json.loads(sys.argv[2])
    apply_limits(limits)
    from grader.intake.notebooks import read_cells

    try:
        cells, notes = read_cells(Path(name))
        result: dict[str, Any] = {"cells": [asdict(c) for c in cells], "notes": list(notes)}
    except NotebookError as exc:
        result = {"problem": str(exc)}
    except Exception as exc:  # nbformat or IPython failing on it is the notebook's problem
        result = {"problem": f"{name} cannot be read: {type(exc).__name__}: {str(exc)[:200]}"}
    with open(_PARSED, "w", encoding="utf-8") as f:
        json.dump(result, f)
