"""The notebook version of an assignment's stub, generated from the ``.py`` stub and the README.

Generated, never edited by hand, so that the two versions cannot drift apart: the README's
introduction and background come first as markdown; then a graded cell with the stub's
imports; then, for each function or class of the stub, the README's section about it and a
graded code cell holding the stub's definition; then the README's remaining sections and how
the notebook is graded. Cell ids are derived from positions, so the output is byte-for-byte
reproducible (``tests/test_notebooks.py`` regenerates and compares).

    python -m grader.course.stub_notebooks [ASSIGNMENTS_DIR]   # rewrites <module>.ipynb in each
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from grader.intake.notebooks import MARKER
from grader.intake.syntax import parse_tree
from grader.model.assignments import discover, load_assignment

GRADED_MARK = f"{MARKER} graded"
SKIP_MARK = f"{MARKER} skip"


def how_it_is_graded(module: str) -> str:
    return f"""## How this notebook is graded

Check your work with `grade check {module}.ipynb` (or the `.py` stub's way, see above), or
from inside the notebook: the first code cell makes a `checker`, and the cell after each
exercise, `checker.check("NAME")`, shows that exercise's public checks under it (save the
notebook first: the saved file is what is graded). `checker.check_all()` checks them all.

- Cells whose first line is `{GRADED_MARK}` (they also carry the cell tag `graded`) are the
  graded ones: keep your implementation in them, and keep their names and signatures.
- Add cells of your own anywhere to experiment. From a cell that is not marked, only its
  imports, `def` and `class` statements and constant assignments run when your work is
  graded; training loops, plots and prints there do not run. Start a cell with
  `{MARKER} skip` to leave it out entirely.
- Every cell runs with a time limit, and a cell that fails is reported with its number; the
  other cells still run.
"""


def stub_notebook(root: Path) -> str:
    """The notebook text for the assignment at ``root``."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    assignment = load_assignment(root)
    stub = assignment.stub.read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    intro, sections = _sections(readme)
    setup, definitions = _definitions(stub)

    cells = [new_markdown_cell(intro)]
    used: set[str] = set()
    for title, body in sections:
        if _exercise_of(title) in assignment.exercises:
            break
        cells.append(new_markdown_cell(body))
        used.add(title)
    cells.append(_skipped(new_code_cell(CHECKER_CELL)))
    cells.append(_graded(new_code_cell(setup)))
    for name, code in definitions:
        for title, body in sections:
            if _exercise_of(title) == name and title not in used:
                cells.append(new_markdown_cell(body))
                used.add(title)
        cells.append(_graded(new_code_cell(code)))
        if name in assignment.exercises:
            cells.append(_skipped(new_code_cell(f'checker.check("{name}")\n')))
    cells.extend(new_markdown_cell(body) for title, body in sections if title not in used)
    cells.append(_skipped(new_code_cell("checker.check_all()\n")))
    cells.append(new_markdown_cell(how_it_is_graded(assignment.module)))
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"cell-{number}"
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return str(nbformat.writes(notebook)) + "\n"


CHECKER_CELL = """\
# Checks from inside this notebook: save it (Ctrl+S), then run the checker cell after
# an exercise. It grades the saved file, as `grade check` does, never this kernel's
# variables. Chinese feedback: Checker(lang="zh_CN"), or GRADE_LANG=zh_CN.
from grader.notebook import Checker

checker = Checker()
"""
"""The first code cell: the checker (:mod:`grader.notebook`). It and the cells that call it
are marked skip, so grading never runs them."""


def _skipped(cell: object) -> object:
    cell["source"] = f"{SKIP_MARK}\n{cell['source']}"  # type: ignore[index]
    cell["metadata"]["tags"] = ["skip"]  # type: ignore[index]
    return cell


def _graded(cell: object) -> object:
    cell["source"] = f"{GRADED_MARK}\n{cell['source']}"  # type: ignore[index]
    cell["metadata"]["tags"] = ["graded"]  # type: ignore[index]
    return cell


def _sections(readme: str) -> tuple[str, list[tuple[str, str]]]:
    """The README's text before its first ``## `` heading, and each ``## `` section."""
    parts = re.split(r"(?m)^(?=## )", readme)
    intro = parts[0].strip()
    sections = []
    for part in parts[1:]:
        title = part.splitlines()[0][3:].strip()
        sections.append((title, part.strip()))
    return intro, sections


def _exercise_of(title: str) -> str:
    return title.strip("`").split("(")[0].strip()


def _definitions(stub: str) -> tuple[str, list[tuple[str, str]]]:
    """The stub's code before its first definition, and each top-level definition with the
    comments above it."""
    tree = parse_tree(stub)
    lines = stub.splitlines(keepends=True)
    nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    if not nodes:
        return stub.strip() + "\n", []
    starts = [_first_line(n, lines) for n in nodes]
    setup = "".join(lines[:starts[0]]).strip() + "\n"
    found = []
    for i, node in enumerate(nodes):
        end = starts[i + 1] if i + 1 < len(nodes) else len(lines)
        found.append((node.name, "".join(lines[starts[i]:end]).strip() + "\n"))
    return setup, found


def _first_line(node: ast.FunctionDef | ast.ClassDef, lines: list[str]) -> int:
    """0-based index of the node's first line, decorators and comments right above it
    included."""
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return start


def write_all(assignments_dir: Path) -> list[Path]:
    written = []
    for root in discover(assignments_dir):
        assignment = load_assignment(root)
        path = root / f"{assignment.module}.ipynb"
        path.write_text(stub_notebook(root), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("assignments")
    for written in write_all(folder):
        print(written)
