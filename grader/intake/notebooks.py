"""Notebook submissions: an ``.ipynb`` → the cells a child runs, in order.

Read with ``nbformat`` (older formats converted where nbformat can, then validated). Each code
cell's IPython syntax (``%matplotlib inline``, ``!pip install``, ``%%time``, ``x?``) becomes
plain Python through IPython's own input transformers; the child answers the resulting
``get_ipython()`` calls with a shim that runs nothing outside Python.

Which cells run, the rule students are told:

* a code cell marked **graded** — tagged ``graded``, or whose first line is
  ``# grade: graded`` (the stub notebooks mark every cell that holds a graded function) —
  runs in full;
* a cell marked **skip** (tag ``skip`` or first line ``# grade: skip``) never runs;
* in a notebook with graded cells, any other code cell contributes only its imports, its
  ``def`` and ``class`` statements and assignments of literal constants: exploration (training
  loops, plots, downloads) is not run. A notebook without graded cells runs every cell.

Every cell runs under its own time limit, and a cell that fails is reported with its number
and the student's lines; the cells after it still run.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.intake.source_text import normalize_newlines
from grader.intake.syntax import parse_tree
from grader.model.observations import Raised

MAX_CELL_FRAMES = 3

GRADED, SKIP = "graded", "skip"
MARKER = "# grade:"
MODES = ("all", "definitions", "skip")


class NotebookError(Exception):
    """A notebook that cannot be graded: the message names the problem, for the student."""


@dataclass(frozen=True)
class NotebookCell:
    """One code cell as the child runs it."""

    number: int
    """The cell's position in the notebook, counting every cell from 1 (as a reader sees it)."""
    source: str
    """Plain Python: IPython's syntax transformed; only definitions in ``definitions`` mode."""
    mode: str
    """``all``, ``definitions`` or ``skip`` (see the module's rule)."""
    dropped: int = 0
    """Top-level statements left out in ``definitions`` mode."""


def read_cells(path: Path) -> tuple[tuple[NotebookCell, ...], tuple[str, ...]]:
    """The code cells of the notebook at ``path`` and notes for the student (a conversion
    from an older format, statements that were not run); raises :class:`NotebookError`."""
    import nbformat

    name = path.name
    try:
        # JSON in UTF-8, as nbformat says; a byte-order mark some Windows tools add is not
        # part of the JSON (RFC 8259 lets a reader ignore it), so it is left out.
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"{name} cannot be read: {exc}") from None
    if not text.strip():
        raise NotebookError(f"{name} is empty: it is not a notebook")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg}); was it saved completely?") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise NotebookError(f"{name} is JSON but not a notebook (it has no 'nbformat' field)")
    version = raw.get("nbformat")
    notes = []
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:  # nbformat's reader, converter and validator raise many kinds
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"{name} is not a valid nbformat {version} notebook ({detail[:200]})"
                            ) from None
    if version != 4:
        notes.append(f"{name} was converted from nbformat {version} to 4 before grading")
    cells = _code_cells(notebook)
    if not cells:
        raise NotebookError(f"{name} has no code cells")
    dropped = [c for c in cells if c.dropped]
    if dropped:
        where = ", ".join(str(c.number) for c in dropped)
        notes.append(f"{name}: only definitions ran from cells {where}, which are not marked "
                     "graded (their other statements were not run)")
    return cells, tuple(notes)


def _code_cells(notebook: Any) -> tuple[NotebookCell, ...]:
    from IPython.core.inputtransformer2 import TransformerManager

    transformer = TransformerManager()
    found = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        source = normalize_newlines(source)  # cells saved on Windows may hold CRLF
        found.append((number, source, _mark(cell, source)))
    any_graded = any(mark == GRADED for _, _, mark in found)
    cells = []
    for number, source, mark in found:
        if mark == SKIP:
            cells.append(NotebookCell(number, "", "skip"))
            continue
        try:
            python = transformer.transform_cell(source)
        except (RuntimeError, RecursionError, ValueError) as exc:  # IPython gives up on it
            raise NotebookError(f"cell {number} cannot be read as IPython input "
                                f"({type(exc).__name__}: {str(exc)[:200]})") from None
        if mark == GRADED or not any_graded:
            cells.append(NotebookCell(number, python, "all"))
        else:
            kept, dropped = definitions_only(python)
            cells.append(NotebookCell(number, kept, "definitions", dropped))
    return tuple(cells)


def _mark(cell: Any, source: str) -> str | None:
    tags = set(cell.get("metadata", {}).get("tags", []) or [])
    first = source.lstrip().split("\n", 1)[0].strip()
    if first.startswith(MARKER):
        word = first[len(MARKER):].strip().lower()
        if word in (GRADED, SKIP):
            return word
    if SKIP in tags:
        return SKIP
    if GRADED in tags:
        return GRADED
    return None


_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def definitions_only(python: str) -> tuple[str, int]:
    """``python`` with only its imports, definitions and literal constants, and how many
    top-level statements were left out. Source that does not parse is kept whole, so that
    the child reports its syntax error with the cell's number."""
    try:
        tree = parse_tree(python)
    except SyntaxError:
        return python, 0
    lines = python.splitlines(keepends=True)
    kept: list[str] = []
    dropped = 0
    for node in tree.body:
        if isinstance(node, _DEFINITIONS) or _literal_assignment(node):
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            end = node.end_lineno or node.lineno
            # Blank lines keep the line numbers of the cell, for tracebacks.
            kept.extend(["\n"] * (start - 1 - len(kept)))
            kept.extend(lines[start - 1:end])
        elif not _is_docstring(node):
            dropped += 1
    return "".join(kept), dropped


def _literal_assignment(node: ast.stmt) -> bool:
    value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
    if value is None:
        return False
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(
        node.value.value, str)


def cell_failure(error: Raised, where: str) -> str:
    """What a failed cell raised and where (``work.ipynb, cell 7, line 3``), then the
    student's lines of the traceback, innermost last."""
    if error.is_a("SyntaxError"):
        # str(SyntaxError) ends with "(work.ipynb, cell 7, line 3)"
        text, _, place = error.message.rpartition(" (")
        if text and place.startswith(where):
            return f"{place.rstrip(')')}: {error.type}: {text}; the other cells still ran"
        return f"{where}: {error.summary()}; the other cells still ran"
    notebook = where.rsplit(", cell ", 1)[0]
    frames = [f for f in error.frames if f.filename.startswith(f"{notebook}, cell ")]
    frames = frames[-MAX_CELL_FRAMES:]
    place = f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else where
    trace = "".join(f"\n  {f.filename}, line {f.lineno}, in {f.name}: {f.line}" for f in frames)
    return f"{place}: {error.summary()}; the other cells still ran{trace}"
