"""Every assignment of the curriculum: its reference solution scores full marks on the public
and hidden checks, its untouched stub scores zero with "not implemented" messages, and its
README states the points that the checks really carry."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from grader.model.assignments import discover
from helpers import ASSIGNMENTS, SOLUTIONS, failing

NAMES = [p.name for p in discover(ASSIGNMENTS)]
ROW = re.compile(r"^\|\s*(?:\[`(?P<name>[^`]+)`\]\([^)]*\)|\*\*Total\*\*)\s*\|"
                 r"(?P<cells>(?:[^|]*\|){3})\s*$")


def test_the_curriculum_has_its_six_assignments():
    assert NAMES == ["01_tensor_basics", "02_views", "03_autograd", "04_custom_function",
                     "05_linear_regression", "06_dnn_classifier"]


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks_on_public_and_hidden_checks(grade_for, load, name):
    assignment = load(name)
    result = grade_for(name)(SOLUTIONS / name / f"{assignment.module}.py", scope="all")
    assert result.status == "graded", result.message
    assert failing(result) == set(), [(c.id, c.message) for c in result.checks
                                      if c.status not in ("passed", "skipped")]
    assert {c.status for c in result.checks if c.device == "cpu"} == {"passed"}
    assert result.score == result.max_score == sum(c.points for c in assignment.checks)
    assert assignment.public_checks() and assignment.hidden_checks()


@pytest.mark.parametrize("name", NAMES)
def test_untouched_stub_scores_zero_with_not_implemented_messages(grade_for, load, name):
    assignment = load(name)
    result = grade_for(name)(ASSIGNMENTS / name)
    assert result.status == "graded", result.message
    assert result.score == 0
    assert result.max_score == sum(c.points for c in assignment.public_checks())
    cpu = [c for c in result.checks if c.device == "cpu"]
    assert cpu and all(c.status == "failed" for c in cpu)
    assert all("not implemented yet" in c.message for c in cpu), [c.message for c in cpu]
    assert all("Traceback" not in c.message for c in cpu)
    assert result.hidden_checks_not_run == len(assignment.hidden_checks()) > 0


@pytest.mark.parametrize("name", NAMES)
def test_readme_states_the_points_each_exercise_carries(load, name):
    assignment = load(name)
    points: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for spec in assignment.checks:
        points[spec.exercise][spec.hidden] += spec.points
    expected = {ex: (pub, hid, pub + hid) for ex, (pub, hid) in points.items()}
    expected["Total"] = tuple(sum(v[i] for v in expected.values()) for i in range(3))

    stated = {}
    for line in (ASSIGNMENTS / name / "README.md").read_text().splitlines():
        match = ROW.match(line.strip())
        if match:
            cells = [c.strip().strip("*") for c in match["cells"].split("|")[:3]]
            stated[match["name"] or "Total"] = tuple(float(c) for c in cells)
    assert stated == expected
    assert list(stated)[:-1] == list(assignment.exercises)
