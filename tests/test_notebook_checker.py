"""Checks from inside a notebook (grader.notebook): the stub notebooks' checker cells run in a
real Jupyter kernel (nbclient), and what they display is read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from grader.notebook import Checker, Feedback, find_notebook, kernel_cells
from helpers import ASSIGNMENTS, ROOT, SOLUTION_04

NAME = "04_custom_function"


def student_folder(tmp_path: Path) -> Path:
    """A student's copy of 04: the folder as released (stubs, checks, recorded references),
    no solution."""
    folder = tmp_path / "course" / "assignments" / NAME
    shutil.copytree(ASSIGNMENTS / NAME, folder,
                    ignore=shutil.ignore_patterns("mutants-equivalent.toml", "__pycache__"))
    return folder


def run(notebook: nbformat.NotebookNode, folder: Path, name: str) -> nbformat.NotebookNode:
    path = folder / name
    nbformat.write(notebook, path)
    client = NotebookClient(notebook, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return notebook


def displayed(notebook: nbformat.NotebookNode, code: str) -> dict[str, str]:
    """The rich outputs (mime type → data) of the cell whose code contains ``code``."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and code in cell.source:
            found: dict[str, str] = {}
            for output in cell.outputs:
                assert output.output_type != "error", "".join(output.traceback)
                found.update(output.get("data", {}))
            return found
    raise AssertionError(f"no cell with {code!r}")


@pytest.mark.slow
def test_the_stub_notebooks_checker_cells_show_each_exercise_inline_in_chinese(tmp_path,
                                                                              monkeypatch):
    """The untouched stub notebook, run top to bottom in a kernel: each checker cell shows its
    exercise's checks as HTML (with a plain-text fallback), in the language GRADE_LANG
    names, from the saved file, and only that exercise."""
    monkeypatch.setenv("GRADE_LANG", "zh_CN")
    folder = student_folder(tmp_path)
    notebook = nbformat.read(folder / "custom_function.ipynb", as_version=4)
    ran = run(notebook, folder, "custom_function.ipynb")
    shown = displayed(ran, 'checker.check("MyReLU")')
    html, text = shown["text/html"], shown["text/plain"]
    assert 'class="grade-feedback"' in html and 'lang="zh-CN"' in html
    assert "尚未实现" in html and "<script" not in html
    assert "MyReLU" in html and "MyLeakyReLU" not in html  # one exercise
    assert "最后保存的 custom_function.ipynb" in html  # what was graded, and why
    assert "0 / 6" in text and "只检查了 MyReLU" in text
    everything = displayed(ran, "checker.check_all()")["text/html"]
    assert "MyLeakyReLU" in everything and "relu_linear_grads" in everything


@pytest.mark.slow
def test_without_a_saved_file_the_kernels_cells_are_graded(tmp_path, monkeypatch):
    """As on Colab: the notebook's file is nowhere the kernel can see. The checker grades the
    cells the kernel ran (the latest definitions), says so, and leaves its own cells out."""
    monkeypatch.setenv("GRADE_LANG", "en")
    folder = student_folder(tmp_path)
    elsewhere = tmp_path / "drive"
    elsewhere.mkdir()
    solution = SOLUTION_04.read_text()
    wrong = solution.replace("input.clamp(min=0)", "input.abs()")
    notebook = new_notebook(cells=[
        new_code_cell(f"from grader.notebook import Checker\nchecker = Checker("
                      f"assignment={NAME!r}, course={str(folder.parent.parent)!r})"),
        new_code_cell(wrong),
        new_code_cell('first = checker.check("MyReLU")\nfirst'),
        new_code_cell(solution),  # fixed, run again: the kernel's latest definition counts
        new_code_cell('checker.check("MyReLU")'),
        new_code_cell("checker.check_all()"),
    ])
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(elsewhere)}}).execute()
    before = displayed(notebook, "first = checker")["text/plain"]
    after = notebook.cells[-2].outputs[-1]["data"]["text/plain"]
    assert "the cells this kernel ran" in before and "✗" in before
    assert "the cells this kernel ran" in after and "6 / 6" in after
    everything = notebook.cells[-1].outputs[-1]["data"]
    assert "04_custom_function — 13 / 13" in everything["text/plain"]
    assert 'lang="en"' in everything["text/html"] and "✓ passed" in everything["text/html"]
    assert "✗" not in everything["text/html"]


# --- in this process -------------------------------------------------------------------------

def test_feedback_shows_html_where_a_front_end_renders_it_and_text_elsewhere():
    feedback = Feedback(html="<div>ok</div>", text="04 — 6 / 6", score=6, max_score=6,
                        passed=True)
    assert feedback._repr_html_() == "<div>ok</div>"
    assert repr(feedback) == "04 — 6 / 6"


def test_the_notebook_is_found_from_jupyter_servers_session_name(tmp_path, monkeypatch):
    notebook = tmp_path / "mine.ipynb"
    notebook.write_text("{}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    assert find_notebook() == notebook
    monkeypatch.setenv("JPY_SESSION_NAME", "elsewhere/mine.ipynb")  # relative, moved
    assert find_notebook() == tmp_path / "mine.ipynb"
    monkeypatch.delenv("JPY_SESSION_NAME")
    assert find_notebook() is None  # no assignment here, no front end: the kernel's cells
    shutil.copy(ASSIGNMENTS / NAME / "assignment.toml", tmp_path / "assignment.toml")
    (tmp_path / "custom_function.ipynb").write_text("{}")
    assert find_notebook() == tmp_path / "custom_function.ipynb"


def test_outside_ipython_there_are_no_kernel_cells():
    assert kernel_cells() == []


def test_a_check_needs_an_exercise_and_an_unknown_one_is_named(tmp_path):
    folder = student_folder(tmp_path)
    checker = Checker(folder / "custom_function.ipynb", lang="en")
    try:
        with pytest.raises(TypeError, match="name an exercise"):
            checker.check()
        shown = checker.check("Nope")
        assert shown.text.startswith("grade: 04_custom_function has no exercise 'Nope'")
        assert "MyReLU, MyLeakyReLU, relu_linear_grads" in shown.text
        assert "Traceback" not in shown.text and shown.max_score == 0
    finally:
        checker.close()


def test_the_stub_notebooks_hold_the_checker_in_cells_that_grading_skips():
    for notebook_path in sorted(ASSIGNMENTS.glob("*/*.ipynb")):
        notebook = nbformat.read(notebook_path, as_version=4)
        checker_cells = [c for c in notebook.cells
                         if c.cell_type == "code" and "checker" in c.source]
        assert checker_cells, notebook_path
        for cell in checker_cells:
            assert cell.source.startswith("# grade: skip"), (notebook_path, cell.source)
            assert cell.metadata.get("tags") == ["skip"]
    assert (ROOT / "grader" / "notebook" / "worker.py").is_file()
