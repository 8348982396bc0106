"""Notebook submissions, graded from real .ipynb files written with nbformat."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.course.stub_notebooks import _definitions, stub_notebook
from grader.intake.notebooks import definitions_only
from grader.model.assignments import discover
from helpers import ASSIGNMENTS, ROOT, SOLUTION_04, failing

STUB_NOTEBOOK_04 = ASSIGNMENTS / "04_custom_function" / "custom_function.ipynb"
RELU_LINEAR = {"relu_linear_grads/notes_numbers", "relu_linear_grads/fresh_leaf_copies"}


def solved_stub_notebook() -> nbformat.NotebookNode:
    """04's stub notebook with the solution's definitions in its graded cells."""
    notebook = nbformat.read(STUB_NOTEBOOK_04, as_version=4)
    setup, definitions = _definitions(SOLUTION_04.read_text())
    solution = dict(definitions)
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("# grade: graded"):
            head, _, code = cell.source.partition("\n")
            name = next((n for n in solution if f"class {n}(" in code or f"def {n}(" in code),
                        None)
            cell.source = f"{head}\n{solution[name] if name else setup}"
    return notebook


def write(tmp_path: Path, notebook: nbformat.NotebookNode, name: str = "work.ipynb") -> Path:
    path = tmp_path / name
    nbformat.write(notebook, path)
    return path


def plain_notebook(*sources: str) -> nbformat.NotebookNode:
    """A notebook written from scratch: markdown between code cells, no graded marks."""
    cells = []
    for source in sources:
        cells += [new_markdown_cell("Some notes of mine."), new_code_cell(source)]
    return new_notebook(cells=cells)


def solution_parts() -> list[str]:
    """The solution split at its top-level definitions: imports, MyReLU, MyLeakyReLU, ..."""
    setup, definitions = _definitions(SOLUTION_04.read_text())
    return [setup] + [code for _, code in definitions]


def test_a_correct_notebook_with_markdown_magics_and_a_plot_cell_scores_full(grade, tmp_path):
    notebook = solved_stub_notebook()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    code[0].source = code[0].source.replace(
        "import torch", "%matplotlib inline\n!pip install torch\nimport torch\ntorch.randn?")
    code[-1].source = "# grade: graded\n%%time\n" + code[-1].source.partition("\n")[2]
    notebook.cells.append(new_code_cell(
        "import matplotlib.pyplot as plt\n"
        "x = torch.linspace(-2, 2, 50)\n"
        "plt.plot(x, MyReLU.apply(x))\nplt.show()\n"
        "for epoch in range(10**9):\n    pass\n"))
    notebook.cells.append(new_markdown_cell("That is all."))
    result = grade(write(tmp_path, notebook))
    assert result.status == "graded" and failing(result) == set()
    assert result.score == result.max_score > 0
    plot_cell = len(notebook.cells) - 1
    assert any(f"only definitions ran from cells {plot_cell}" in n for n in result.notes)


def test_the_last_cell_raising_leaves_the_earlier_exercises_graded(grade, tmp_path):
    setup, relu, leaky, relu_linear = solution_parts()
    path = write(tmp_path, plain_notebook(setup, relu, leaky,
                                          "scale = 1 / 0\n" + relu_linear))
    result = grade(path)
    assert result.status == "graded"
    assert failing(result) == RELU_LINEAR
    assert "has no attribute 'relu_linear_grads'" in next(
        c.message for c in result.checks if c.id == "relu_linear_grads/notes_numbers")
    (note,) = result.notes
    assert note.startswith("work.ipynb, cell 8, line 1: ZeroDivisionError: division by zero")
    assert "work.ipynb, cell 8, line 1, in <module>: scale = 1 / 0" in note


def test_a_cell_with_a_syntax_error_is_named_and_the_other_cells_still_run(grade, tmp_path):
    setup, relu, leaky, relu_linear = solution_parts()
    path = write(tmp_path, plain_notebook(setup, "def helper(:\n    pass\n", relu, leaky,
                                          relu_linear))
    result = grade(path)
    assert result.status == "graded" and failing(result) == set()
    (note,) = result.notes
    assert note.startswith("work.ipynb, cell 4, line 1: SyntaxError")


@pytest.mark.slow
def test_a_cell_that_sleeps_for_an_hour_is_cut_off_and_named(grade, tmp_path):
    setup, relu, leaky, relu_linear = solution_parts()
    path = write(tmp_path, plain_notebook(setup, relu, "import time\ntime.sleep(3600)\n",
                                          leaky, relu_linear))
    result = grade(path, limits={"cell_s": 2})
    assert result.status == "graded" and failing(result) == set()
    assert result.notes == ["work.ipynb, cell 6 took longer than 2 s and was stopped; the "
                            "other cells still ran"]


@pytest.mark.slow
def test_a_cell_that_swallows_the_interruption_is_killed_with_a_message_naming_it(grade,
                                                                                   tmp_path):
    setup, relu, leaky, relu_linear = solution_parts()
    stubborn = ("import time\nwhile True:\n    try:\n        time.sleep(3600)\n"
                "    except BaseException:\n        pass\n")
    path = write(tmp_path, plain_notebook(setup, relu, stubborn, leaky, relu_linear))
    result = grade(path, limits={"cell_s": 1, "load_s": 5})
    assert result.status == "error"
    assert result.error.startswith("work.ipynb, cell 6 was still running when the notebook's "
                                   "cells had used up their 5 s")
    assert all(c.status == "error" for c in result.checks if c.device == "cpu")


def test_a_py_and_an_ipynb_with_the_same_code_get_the_same_result(grade, tmp_path):
    as_py = grade(SOLUTION_04)
    as_notebook = grade(write(tmp_path, plain_notebook(*solution_parts())))

    def comparable(result):
        data = result.to_dict()
        data.pop("submission"), data.pop("duration_s")
        for check in data["checks"]:
            check.pop("duration_s")
        return data

    assert comparable(as_notebook) == comparable(as_py)


def test_an_older_format_is_converted_and_graded_with_a_note(grade, tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": part, "language": "python", "outputs": [],
         "metadata": {}} for part in solution_parts()]}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3))
    result = grade(path)
    assert result.status == "graded" and failing(result) == set()
    assert result.notes == ["old.ipynb was converted from nbformat 3 to 4 before grading"]


@pytest.mark.parametrize("content, phrase", [
    ('{"cells": [', "broken.ipynb is not valid JSON (line 1, column 12"),
    ("", "broken.ipynb is empty: it is not a notebook"),
    ('{"cells": []}', "broken.ipynb is JSON but not a notebook"),
    ('{"nbformat": 3, "nbformat_minor": 0, "cells": []}',
     "broken.ipynb is not a valid nbformat 3 notebook"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}',
     "broken.ipynb has no code cells"),
])
def test_a_notebook_that_cannot_be_read_is_an_error_result_with_a_clear_message(
        grade, tmp_path, content, phrase):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    result = grade(path)
    assert result.status == "error" and result.score == 0
    assert result.error.startswith(phrase), result.error
    assert "\n" not in result.error
    assert all(c.status == "error" and c.message == result.error
               for c in result.checks if c.device == "cpu")


def test_a_notebook_that_is_slow_to_read_is_stopped_at_the_load_limit(grade, tmp_path):
    """Hundreds of magics in one cell make IPython's input transformers quadratic (tens of
    seconds of CPU for a few kilobytes): the notebook is read in the sandbox, under the
    assignment's load limit, and grading goes on with an error result naming it."""
    slow = "\n".join(f"%time y{i} = {i}" for i in range(450))
    path = write(tmp_path, plain_notebook(*solution_parts(), slow))
    started = time.monotonic()
    result = grade(path, limits={"load_s": 3})
    assert time.monotonic() - started < 30
    assert result.status == "error", result.error
    assert "could not be read within the 3 s load limit" in result.error


@pytest.mark.slow
def test_cli_grades_a_notebook_and_prints_its_notes(tmp_path):
    setup, relu, leaky, relu_linear = solution_parts()
    path = write(tmp_path, plain_notebook(setup, relu, leaky, relu_linear,
                                          "raise RuntimeError('scratch work')"))
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(path), "--assignment",
                           "04_custom_function", "--out", str(tmp_path / "out")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("! work.ipynb, cell 10, line 1: RuntimeError: scratch work; the other cells "
            "still ran") in done.stdout
    report = (tmp_path / "out" / "04_custom_function" / "report.html").read_text()
    assert "Notes on your submission" in report and "scratch work" in report


def test_exploration_code_outside_graded_cells_is_left_out_but_definitions_kept():
    cell = ("import math\n"
            "RATE = 0.5\n"
            "data = load_everything()\n"
            "@staticmethod\n"
            "def helper(x):\n    return math.sqrt(x)\n"
            "for i in range(10**9):\n    train()\n"
            "print('done')\n")
    kept, dropped = definitions_only(cell)
    assert dropped == 3
    namespace: dict = {}
    exec(kept, namespace)
    assert namespace["RATE"] == 0.5 and "data" not in namespace
    assert kept.splitlines()[4] == "def helper(x):"  # line numbers are kept


def test_the_stub_notebooks_are_generated_from_the_stubs_and_readmes():
    for root in discover(ASSIGNMENTS):
        module = next(root.glob("*.ipynb"))
        assert module.read_text() == stub_notebook(root), (
            f"{module} is out of date: run python -m grader.course.stub_notebooks")


@pytest.mark.parametrize("root", discover(ASSIGNMENTS), ids=lambda p: p.name)
def test_every_stub_notebook_is_graded_like_its_stub(grade_for, root):
    (notebook,) = root.glob("*.ipynb")
    result = grade_for(root.name)(notebook)
    assert result.status == "graded" and result.score == 0 and result.notes == []
    cpu = [c for c in result.checks if c.device == "cpu"]
    assert cpu and all("not implemented yet" in c.message for c in cpu)


TINY_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
            "RU5ErkJggg==")


@pytest.mark.slow
def test_run_notebook_shows_every_cell_as_it_ran_in_the_report(tmp_path):
    setup, relu, leaky, relu_linear = solution_parts()
    path = write(tmp_path, plain_notebook(
        setup, relu, leaky, relu_linear,
        "print('<script>alert(1)</script>')\nMyReLU.apply(torch.tensor([-1.0, 2.0]))",
        "import base64\nfrom IPython.display import Image, display\n"
        f"display(Image(data=base64.b64decode('{TINY_PNG}')))",
        "raise ValueError('exploring')"))
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(path), "--assignment",
                           "04_custom_function", "--out", str(tmp_path / "out"),
                           "--run-notebook"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    report = (tmp_path / "out" / "04_custom_function" / "report.html").read_text()
    assert "Your notebook, run from top to bottom" in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report and "<script>alert" not in report
    assert "tensor([0., 2.])" in report
    assert f'src="data:image/png;base64,{TINY_PNG}"' in report
    assert "ValueError: exploring" in report
    assert report.count('<div class="nb-cell">') == 7


@pytest.mark.slow
@pytest.mark.parametrize("level", ["auto", "basic"])
def test_run_notebook_interrupts_a_long_cell_and_runs_the_rest(tmp_path, level):
    from grader.model.limits import Limits
    from grader.sandbox.jail import choose_level
    from grader.sandbox.notebook_run import run_notebook

    path = write(tmp_path, plain_notebook("import time\ntime.sleep(3600)",
                                          "print('after the long cell')"))
    executed = run_notebook(path, Limits(cell_s=2, wall_s=60), choose_level(level))
    assert executed.problem is None
    first, second = executed.cells
    assert [o.kind for o in first.outputs] == ["error"]
    assert "KeyboardInterrupt" in first.outputs[0].text
    assert second.outputs[0].text == "after the long cell\n"


@pytest.mark.slow
def test_run_notebook_stops_a_notebook_that_ignores_interrupts_at_the_wall_clock(tmp_path):
    from grader.model.limits import Limits
    from grader.sandbox.jail import choose_level
    from grader.sandbox.notebook_run import run_notebook

    path = write(tmp_path, plain_notebook(
        "import time\nwhile True:\n    try:\n        time.sleep(3600)\n"
        "    except BaseException:\n        pass"))
    executed = run_notebook(path, Limits(cell_s=1, wall_s=8), choose_level("auto"))
    assert executed.problem is not None and "after 8 s" in executed.problem


@pytest.mark.slow
def test_a_check_failing_inside_a_notebook_function_shows_the_students_cell_and_line(
        grade, tmp_path):
    setup, relu, leaky, relu_linear = solution_parts()
    broken = relu_linear.replace("    loss = torch.mean",
                                 "    scale = 1 / 0\n    loss = torch.mean")
    result = grade(write(tmp_path, plain_notebook(setup, relu, leaky, broken)))
    message = next(c.message for c in result.checks if c.id == "relu_linear_grads/notes_numbers")
    assert "ZeroDivisionError" in message
    assert "work.ipynb, cell 8, line 5, in relu_linear_grads: scale = 1 / 0" in message


def test_writefile_and_time_magics_behave_as_in_jupyter(grade, tmp_path):
    setup, relu, leaky, relu_linear = solution_parts()
    helper = "%%writefile helper_module.py\nSCALE = 1.0\n"
    use = "%%time\nimport helper_module\nassert helper_module.SCALE == 1.0\n" + relu_linear
    result = grade(write(tmp_path, plain_notebook(setup, relu, leaky, helper, use)))
    assert result.status == "graded" and failing(result) == set() and result.notes == []


def test_cells_marked_by_tag_or_comment_run_as_the_rule_says(tmp_path):
    from grader.intake.notebooks import read_cells

    def code(source, tags=()):
        cell = new_code_cell(source)
        cell.metadata["tags"] = list(tags)
        return cell

    notebook = new_notebook(cells=[
        code("import torch\nRATE = 0.1\n", tags=["graded"]),          # 1: graded by tag
        code("# grade: graded\ndef f():\n    return RATE\n"),         # 2: graded by comment
        code("raise SystemExit('never')\n", tags=["skip"]),           # 3: skip by tag
        code("# grade: skip\nraise SystemExit('never')\n"),           # 4: skip by comment
        code("def helper():\n    return 1\n\nprint('explore')\n"),    # 5: definitions only
    ])
    cells, notes = read_cells(write(tmp_path, notebook))
    assert [(c.number, c.mode) for c in cells] == [
        (1, "all"), (2, "all"), (3, "skip"), (4, "skip"), (5, "definitions")]
    assert cells[2].source == cells[3].source == ""
    assert "print" not in cells[4].source and "def helper" in cells[4].source
    assert notes == ("work.ipynb: only definitions ran from cells 5, which are not marked "
                     "graded (their other statements were not run)",)
