"""Exercise contracts and the integrity audit, through grading: what a submission's source
shows changes its result as the README says (a breach fails its exercise's checks, a flag
is recorded and changes no score), and the class outputs show both."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from grader.batch.run import zero_flagged
from grader.intake.submissions import module_from_path
from grader.judging.pipeline import Grading
from grader.model.assignments import Assignment, load_assignment
from grader.reports.grades import grades_csv
from grader.reports.summary import SummaryRow, render_summary_page
from grader.results import SubmissionResult
from helpers import (
    ASSIGNMENT_04,
    ASSIGNMENTS,
    SOLUTION_04,
    SOLUTIONS,
    SUBMISSIONS,
    failing,
    on_solution,
)
from helpers.inprocess import InProcessExecutor


@pytest.fixture(scope="module")
def a04() -> Assignment:
    return load_assignment(ASSIGNMENT_04)


@pytest.fixture(scope="module")
def a05() -> Assignment:
    return load_assignment(ASSIGNMENTS / "05_linear_regression")


def grade_file(assignment: Assignment, path: Path, scope: str = "all") -> SubmissionResult:
    grading = Grading("basic", InProcessExecutor())
    return grading.grade(assignment, module_from_path(path, assignment), path.stem,
                         scope)  # type: ignore[arg-type]


def exercise_checks(assignment: Assignment, exercise: str) -> set[str]:
    return {c.id for c in assignment.checks if c.exercise == exercise}


def test_relu_without_a_function_scores_nothing_on_myrelu_and_the_rest_stands(a04, tmp_path):
    path = tmp_path / "custom_function.py"
    source = on_solution(SUBMISSIONS / "04_custom_function" / "cheat_relu_apply.py")
    path.write_text(source)
    line = source.splitlines().index("class MyReLU:") + 1
    result = grade_file(a04, path)
    assert failing(result) == exercise_checks(a04, "MyReLU")
    scores = result.exercise_scores()
    assert scores["MyReLU"][0] == 0 and scores["MyLeakyReLU"][0] == scores["MyLeakyReLU"][1]
    message = next(c.message for c in result.checks if c.exercise == "MyReLU")
    assert message.startswith("not accepted: MyReLU must be a class deriving from "
                              "torch.autograd.Function"), message
    assert f"custom_function.py, line {line}: class MyReLU:" in message
    assert result.integrity == []


def test_torch_optim_and_a_dataloader_score_nothing_on_their_exercises(a05, tmp_path):
    path = tmp_path / "linear_regression.py"
    path.write_text(on_solution(SUBMISSIONS / "05_linear_regression" / "cheat_torch_optim.py"))
    result = grade_file(a05, path)
    broken = exercise_checks(a05, "sgd_step") | exercise_checks(a05, "data_iter")
    assert broken <= failing(result)
    scores = result.exercise_scores()
    assert scores["sgd_step"][0] == 0 and scores["data_iter"][0] == 0
    assert scores["LinearRegression"][0] == scores["LinearRegression"][1]
    messages = {c.exercise: c.message for c in result.checks
                if c.id in broken and c.status != "skipped"}
    assert "must not use torch.optim" in messages["sgd_step"]
    assert "must not use torch.utils.data" in messages["data_iter"]


def test_the_solutions_break_no_contract_and_raise_no_flag(a04, a05):
    for assignment in (a04, a05):
        result = grade_file(assignment, SOLUTIONS / assignment.name / f"{assignment.module}.py")
        assert result.score == result.max_score and result.integrity == []


def test_a_flagged_submission_keeps_its_score_and_its_flags_travel(a04, tmp_path):
    path = tmp_path / "custom_function.py"
    source = SOLUTION_04.read_text() + "\nimport sys\n_caller = sys._getframe(0)\nimport grader\n"
    path.write_text(source)
    lines = source.splitlines()
    result = grade_file(a04, path, "public")
    assert result.score == result.max_score
    assert {(f.rule, f.line) for f in result.integrity} == {
        ("introspection", lines.index("_caller = sys._getframe(0)") + 1),
        ("grader-access", lines.index("import grader") + 1)}, result.integrity
    assert all(f.file == "custom_function.py" for f in result.integrity)
    again = SubmissionResult.from_json(result.to_json())
    assert again.integrity == result.integrity

    rows = list(csv.reader(io.StringIO(grades_csv(a04.exercises, [result]))))
    assert rows[0][-1] == "review" and rows[1][-1] == "grader-access introspection"
    page = render_summary_page("04", [SummaryRow(result, "custom_function/report.html")])
    assert 'id="flagged"' in page and "sys._getframe(0)" in page
    zeroed = zero_flagged(result)
    assert zeroed.score == 0 and "score set to 0 for review" in zeroed.notes[-1]
