"""Running a student's whole notebook as Jupyter would (nbclient + ipykernel), in the sandbox.

Grading never needs this: checks run on the notebook's cells (:mod:`grader.intake.notebooks`).
It is for the report (``grade check work.ipynb --run-notebook``): every cell, from top to
bottom, with what it printed, returned, plotted or raised — exploration cells included — so
that a student sees their notebook as the grader's machine runs it. The run travels in the
result (:class:`grader.results.NotebookRun`), so the report is drawn from ``result.json``.

The notebook runs in a process launched like a zygote (:func:`grader.sandbox.jail.launch`:
own work dir, scrubbed environment, the strict level's bubblewrap where chosen), which sets
its rlimits before anything of the student's runs; the kernel is that process's child and
inherits all of it. Each cell gets the
``cell_s`` limit (nbclient interrupts it and goes on), the whole run ``wall_s``. The child
writes the executed notebook into its work dir; this process reads it as untrusted data:
size-capped, outputs reduced to text and validated PNG images.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.model.limits import Limits
from grader.results import CellOutput, ExecutedCell, NotebookRun
from grader.sandbox import jail
from grader.sandbox.jail import Level

MAX_NOTEBOOK_BYTES = 16 << 20
MAX_TEXT = 20_000
MAX_OUTPUTS_PER_CELL = 50
MAX_IMAGE_B64 = 2 << 20
MAX_IMAGES = 20
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_EXECUTED = "executed.ipynb"


def run_notebook(notebook: Path, limits: Limits, level: Level,
                 extra_files: tuple[tuple[str, Path], ...] = (),
                 allow_cuda: bool = True) -> NotebookRun:
    """Run ``notebook`` top to bottom in a sandboxed process; never raises for anything the
    notebook does."""
    workdir = Path(tempfile.mkdtemp(prefix="grade-notebook-"))
    try:
        for rel, src in extra_files:
            (workdir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, workdir / rel)
        shutil.copyfile(notebook, workdir / notebook.name)
        env = {"JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter"), "JUPYTER_PLATFORM_DIRS": "1",
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        proc = jail.launch("grader.sandbox.notebook_run:child_main",
                           [notebook.name, json.dumps(asdict(limits))], root=workdir,
                           level=level, allow_cuda=allow_cuda, environment=env)
        problem = None
        try:
            proc.wait(timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            problem = (f"the notebook was still running after {limits.wall_s:g} s and was "
                       "stopped; the cells not shown did not finish")
        finally:
            jail.stop(proc)
        return _read_executed(workdir / _EXECUTED, problem, proc.returncode)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _read_executed(path: Path, problem: str | None, returncode: int) -> NotebookRun:
    if not path.is_file() or path.is_symlink():
        return NotebookRun([], problem or f"the notebook could not be run (the runner "
                                               f"ended with status {returncode})")
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return NotebookRun([], "the executed notebook is too large to show "
                                    f"(over {MAX_NOTEBOOK_BYTES >> 20} MiB of output)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cells = _cells(data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return NotebookRun([], "the executed notebook could not be read back")
    return NotebookRun(cells, problem)


def _cells(data: dict[str, Any]) -> list[ExecutedCell]:
    found = []
    images = 0
    for number, cell in enumerate(data["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        outputs: list[CellOutput] = []
        for output in list(cell.get("outputs") or [])[:MAX_OUTPUTS_PER_CELL]:
            item = _output(output, images < MAX_IMAGES)
            if item is not None:
                images += item.kind == "image"
                outputs.append(item)
        found.append(ExecutedCell(number, _text(cell.get("source", ""))[:MAX_TEXT], outputs))
    return found


def _output(output: Any, images_left: bool) -> CellOutput | None:
    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        return CellOutput("stream", _text(output.get("text", ""))[:MAX_TEXT])
    if kind == "error":
        trace = "\n".join(_text(line) for line in output.get("traceback") or [])
        text = _ANSI.sub("", trace) or f"{output.get('ename')}: {output.get('evalue')}"
        return CellOutput("error", text[-MAX_TEXT:])
    if kind in ("execute_result", "display_data"):
        bundle = output.get("data") or {}
        png = _text(bundle.get("image/png", ""))
        if png and images_left and len(png) <= MAX_IMAGE_B64 and _BASE64.match(png):
            return CellOutput("image", "".join(png.split()))
        if "text/plain" in bundle:
            return CellOutput("text", _text(bundle["text/plain"])[:MAX_TEXT])
    return None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return str(value)


# ---------------------------------------------------------------- in the child

def child_main() -> None:
    """Run the notebook named in argv with nbclient and save it as executed.ipynb."""
    import nbformat
    import torch  # noqa: F401  (mapped before the memory limit, as in every child)
    from nbclient import NotebookClient

    from grader.sandbox.child import apply_limits

    name, limits = sys.argv[1], json.loads(sys.argv[2])
    with open(name, encoding="utf-8-sig") as f:  # a byte-order mark, as Windows editors add
        notebook = nbformat.reads(f.read(), as_version=4)
    apply_limits(limits)
    client = NotebookClient(notebook, timeout=float(limits["cell_s"]), kernel_name="python3",
                            allow_errors=True, interrupt_on_timeout=True,
                            resources={"metadata": {"path": os.getcwd()}})
    try:
        client.execute()
    finally:
        nbformat.write(notebook, _EXECUTED)
