"""Checks from inside a notebook: ``checker = Checker()``, then ``checker.check("MyReLU")``.

What is graded is a **file**, never the kernel's live namespace: a namespace holds whatever
ran, in whatever order, including cells since deleted and objects patched by hand, which is
not what an instructor grades. So the checker grades, in order of preference:

1. the notebook's saved file, found from the front end (VS Code's ``__vsc_ipynb_file__``,
   Jupyter Server's ``JPY_SESSION_NAME``) or, failing that, the assignment's notebook in the
   kernel's working folder: exactly what ``grade check`` and the instructor's batch grade.
   Unsaved edits are not in it; the display says so;
2. where no saved file can be found (Colab keeps notebooks in Drive), the cells this kernel
   ran, as IPython recorded them (``In``), written to a notebook of their own: the latest
   definition of each exercise, as the kernel has it, without the checker's own cells.

Grading runs in a worker process (:mod:`grader.notebook.worker`) with the same sandbox,
limits and references as ``grade check``; the worker stays warm between checks. The result
shows inline as HTML (JupyterLab, Notebook, VS Code, Colab) and as plain text elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import i18n

__all__ = ["Checker", "Feedback"]

NOT_SAVED = i18n.N_("graded: {file} as last saved (save the notebook first: unsaved edits "
                    "are not graded)")
FROM_CELLS = i18n.N_("graded: the cells this kernel ran ({count}; the notebook's file was "
                     "not found, as on Colab)")

STOPPED = i18n.N_("the grading process stopped; run the cell again")


@dataclass(frozen=True)
class Feedback:
    """One check's outcome as the notebook shows it: rich HTML in front ends that render
    it, plain text elsewhere (and in ``print``)."""

    html: str
    text: str
    score: float = 0.0
    max_score: float = 0.0
    passed: bool = False
    report: str | None = None

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text)


class Checker:
    """Grades the notebook it runs in, one exercise at a time or all of them.

    ``notebook`` names the file when it cannot be found (:func:`find_notebook`); ``lang``
    (``en`` or ``zh_CN``) defaults as ``--lang`` does (``GRADE_LANG``, then the locale);
    ``sandbox`` is ``grade check``'s ``--sandbox``."""

    def __init__(self, notebook: str | os.PathLike[str] | None = None, *,
                 lang: str | None = None, sandbox: str = "auto",
                 assignment: str | None = None, course: str | os.PathLike[str] | None = None
                 ) -> None:
        self.lang = i18n.choose(lang)
        self.sandbox = sandbox
        self.assignment = assignment
        self.course = str(course) if course is not None else None
        self.notebook = Path(notebook).absolute() if notebook is not None else find_notebook()
        self._out = Path(tempfile.mkdtemp(prefix="grade-notebook-"))
        self._worker: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._start()  # warm while the student reads on

    def check(self, *exercises: str) -> Feedback:
        """The public checks of ``exercises`` (one or more names, e.g. ``"MyReLU"``)."""
        if not exercises:
            raise TypeError("name an exercise, e.g. checker.check(\"MyReLU\"), or call "
                            "checker.check_all()")
        return self._grade(list(exercises))

    def check_all(self) -> Feedback:
        """Every public check of the assignment: its summary."""
        return self._grade([])

    def close(self) -> None:
        """Stop the worker (it also stops when the kernel does)."""
        worker, self._worker = self._worker, None
        if worker is not None and worker.poll() is None:
            worker.stdin.close()  # type: ignore[union-attr]
            try:
                worker.wait(5)
            except subprocess.TimeoutExpired:
                worker.kill()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _grade(self, exercises: list[str]) -> Feedback:
        tr = i18n.translator(self.lang)
        path, source = self._target(tr)
        request = {"path": str(path), "exercises": exercises, "lang": self.lang,
                   "out": str(self._out), "sandbox": self.sandbox, "source": source,
                   "assignment": self.assignment, "course": self.course}
        reply = self._ask(request)
        if not reply.get("ok"):
            message = tr("grade: {message}", message=tr.text(str(reply.get("error"))))
            return Feedback(html=_error_html(message), text=message)
        return Feedback(html=reply["html"], text=f"{source}\n{reply['text']}",
                        score=reply["score"], max_score=reply["max_score"],
                        passed=reply["passed"], report=reply["report"])

    def _target(self, tr: i18n.Translator) -> tuple[Path, str]:
        """The file to grade, and a line that says which it is and why."""
        if self.notebook is not None and self.notebook.is_file():
            return self.notebook, tr(NOT_SAVED, file=self.notebook.name)
        cells = kernel_cells()
        folder = self._out / "from-kernel"
        folder.mkdir(exist_ok=True)
        name = self.notebook.name if self.notebook is not None else _stub_name(Path.cwd())
        path = folder / (name or "kernel.ipynb")
        _write_notebook(path, cells)
        if self.assignment is None:
            self.assignment = _assignment_name(Path.cwd())
        return path, tr(FROM_CELLS, count=len(cells))

    def _start(self) -> None:
        if self._worker is not None and self._worker.poll() is None:
            return
        self._worker = subprocess.Popen(
            [sys.executable, "-m", "grader.notebook.worker", self.sandbox],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8", bufsize=1)

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            for _ in range(2):  # a worker that died (the kernel's machine slept) is restarted
                self._start()
                worker = self._worker
                assert worker is not None and worker.stdin and worker.stdout
                try:
                    worker.stdin.write(json.dumps(request) + "\n")
                    worker.stdin.flush()
                    line = worker.stdout.readline()
                except (BrokenPipeError, OSError):
                    line = ""
                if line:
                    reply: dict[str, Any] = json.loads(line)
                    return reply
                self._worker = None
            return {"ok": False, "error": STOPPED}


def find_notebook() -> Path | None:
    """The notebook this kernel runs, where the front end says: VS Code puts its path in
    the namespace (``__vsc_ipynb_file__``), Jupyter Server in ``JPY_SESSION_NAME``; else
    the assignment's notebook in the working folder (Jupyter starts kernels there); else
    None (Colab)."""
    shell = _ipython()
    if shell is not None:
        found = shell.user_ns.get("__vsc_ipynb_file__")
        if found and Path(found).is_file():
            return Path(found).absolute()
    session = os.environ.get("JPY_SESSION_NAME")
    if session and session.endswith(".ipynb"):
        path = Path(session)
        path = path if path.is_absolute() else Path.cwd() / path
        if path.is_file():
            return path
        if (Path.cwd() / path.name).is_file():
            return Path.cwd() / path.name
    name = _stub_name(Path.cwd())
    if name and (Path.cwd() / name).is_file():
        return Path.cwd() / name
    return None


def kernel_cells() -> list[str]:
    """The code of the cells this kernel ran, in order, as IPython recorded it; the
    checker's own cells and empty ones left out."""
    shell = _ipython()
    history = list(shell.user_ns.get("In", [])) if shell is not None else []
    return [cell for cell in history
            if cell.strip() and "grader.notebook" not in cell and "checker." not in cell]


def _ipython() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _stub_name(folder: Path) -> str | None:
    """``<module>.ipynb`` of the assignment in ``folder`` (its assignment.toml says)."""
    import tomllib

    try:
        config = tomllib.loads((folder / "assignment.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    module = config.get("module")
    return f"{module}.ipynb" if isinstance(module, str) else None


def _assignment_name(folder: Path) -> str | None:
    return folder.name if (folder / "assignment.toml").is_file() else None


def _write_notebook(path: Path, cells: list[str]) -> None:
    """A version-4 notebook of ``cells``, as the grader reads any other."""
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"cell-{i}",
                           "metadata": {}, "outputs": [], "source": code}
                          for i, code in enumerate(cells, start=1)],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def _error_html(message: str) -> str:
    import html

    return (f'<div class="grade-feedback" style="border-left:4px solid #b91c1c;padding:6px '
            f'10px;background:#fee2e2;color:#7f1d1d;font-family:system-ui,sans-serif">'
            f"{html.escape(message)}</div>")
