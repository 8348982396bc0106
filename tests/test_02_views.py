"""Assignment 02 end to end: realistic one-bug submissions, the course notes' recipe and a
correct solution written differently from the reference, each graded in real child
processes against the reference."""

from __future__ import annotations

import pytest

from grader.model.plan import RunKey
from grader.results import CheckResult
from grader.sandbox.outcomes import Observed
from helpers import SUBMISSIONS, assert_loses_exactly, by_id, failing, on_solution

SUBMISSIONS_02 = SUBMISSIONS / "02_views"

SAFE_VIEW_VIEWS = {"safe_view/views_contiguous", "safe_view/views_transposed",
                   "safe_view/views_sliced", "safe_view/views_expanded"}
SAFE_VIEW_COPIES = {"safe_view/copies_transposed", "safe_view/copies_sliced",
                    "safe_view/copies_expanded"}
CAN_VIEW_NON_CONTIGUOUS = {"can_view/transposed_input", "can_view/sliced_input",
                           "can_view/expanded_input"}
FLATTEN_VALUES = {"transpose_then_flatten/notes_example", "transpose_then_flatten/random_shapes",
                  "transpose_then_flatten/non_contiguous_input"}

BUGS = {
    # file: (checks it must lose on the CPU, a phrase its messages must contain)
    "bug_always_copy": (SAFE_VIEW_VIEWS, "x is contiguous and x.view(shape) works"),
    "bug_view_no_fallback": (SAFE_VIEW_COPIES, "catch the RuntimeError"),
    "bug_can_view_contiguous_only": ({"can_view/numel_must_match", "can_view/minus_one"}
                                     | CAN_VIEW_NON_CONTIGUOUS,
                                     "x.is_contiguous() alone does not decide it"),
    "bug_can_view_reshape": (CAN_VIEW_NON_CONTIGUOUS, "what reshape needs"),
    "bug_can_view_numel_product": ({"can_view/minus_one"} | CAN_VIEW_NON_CONTIGUOUS,
                                   "-1 stands for the one size"),
    "bug_flatten_without_transpose": (FLATTEN_VALUES, "x's elements in its own row-major order"),
    "bug_view_after_transpose": (FLATTEN_VALUES, "x.t() is one (it swaps the strides)"),
    "bug_inplace_transpose": ({"transpose_then_flatten/leaves_x_unchanged"}, "x.t_()"),
    "bug_layout_of_contiguous_copy": ({"storage_offset_and_strides/sliced_layout",
                                       "storage_offset_and_strides/transposed_layout",
                                       "storage_offset_and_strides/expanded_layout"},
                                      "a contiguous copy of x"),
    "bug_offset_ignored": ({"storage_offset_and_strides/sliced_layout"},
                           "Use x.storage_offset()"),
    "bug_strides_as_list": ({"storage_offset_and_strides/result_types"},
                            "type of strides: expected 'tuple', got 'list'"),
    "bug_safe_view_detached": ({"safe_view/copies_transposed"}, "cut off from x's gradient"),
    "bug_view_detached": ({"safe_view/keeps_gradients"}, "cut off from x's gradient"),
    "bug_flatten_detached": ({"transpose_then_flatten/random_shapes"},
                             "cut off from x's gradient"),
}


@pytest.fixture
def grade(grade_for):
    return grade_for("02_views")


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_bug_loses_exactly_its_checks_with_a_message_naming_it(grade, bug):
    expected_failures, phrase = BUGS[bug]
    result = grade(on_solution(SUBMISSIONS_02 / f"{bug}.py"))
    assert_loses_exactly(result, expected_failures, phrase)


def test_the_notes_recipe_copies_where_view_would_share_and_the_message_says_so(grade):
    """The notes' `reshape == contiguous().view` holds for values, not for storage: on every
    non-contiguous input that view accepts, the copy is reported as such, public and hidden."""
    result = grade(SUBMISSIONS_02 / "notes_style.py", scope="all")
    assert_loses_exactly(result, {
        "safe_view/views_transposed", "safe_view/views_sliced", "safe_view/views_expanded",
        "safe_view/views_permuted", "safe_view/views_strided_3d", "safe_view/views_expanded_3d",
        "safe_view/views_other_dtypes"},
        "x.contiguous() (and clone()) copy every non-contiguous tensor")
    check = by_id(result, "safe_view/views_transposed")
    assert isinstance(check, CheckResult)
    assert check.message.startswith(
        "a.t() viewed as (4, 3) › result's storage: expected the same object (or memory) as "
        "one named before it in this observation, got a different one")
    assert "view needs strides that fit the new shape, not a contiguous x" in check.message
    assert "try x.view(shape) first and copy only when it raises" in check.message


def test_a_correct_solution_written_differently_scores_full_marks(grade):
    """reshape for safe_view, the stride rule worked out by hand for can_view."""
    result = grade(SUBMISSIONS_02 / "correct_by_hand.py", scope="all")
    assert failing(result) == set(), [(c.id, c.message) for c in result.checks
                                      if c.status not in ("passed", "skipped")]
    assert result.score == result.max_score


def test_the_reference_reproduces_the_notes_example(references, load):
    report = references.get(load("02_views"), scope="public")
    outcome = report.outcomes[RunKey("transpose_then_flatten/notes_example", "cpu")]
    assert isinstance(outcome, Observed)
    assert outcome.value["result"].values.tolist() == [0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11]


def test_the_reference_views_exactly_where_view_works_and_copies_contiguously_elsewhere(
        references, load):
    """The checks' expectations are the reference's: they must say "shares storage" (the same
    storage label as x) on every views_* case and "contiguous copy" (another label, row-major
    strides) on every copies_* case, or a check would test nothing."""
    report = references.get(load("02_views"), scope="all")
    for key, outcome in report.outcomes.items():
        if key.device != "cpu" or key.hint is not None or not key.check.startswith("safe_view/"):
            continue
        name = key.check.split("/")[1]
        if not (name.startswith("views_") or name.startswith("copies_")
                or name == "single_element"):
            continue
        assert isinstance(outcome, Observed)
        shares = not name.startswith("copies_")
        for case, value in outcome.value.items():
            if case.startswith("gradient to"):
                continue  # the gradient through the copy, not a copy
            assert (value["result's storage"] == value["x's storage"]) is shares, (key.check,
                                                                                  case)
            if not shares:
                assert value["strides"] == value["values"].values.contiguous().stride(), (
                    key.check, case)


def test_the_reference_layouts_of_slices_transposes_and_expansions(references, load):
    report = references.get(load("02_views"), scope="public")

    def layout(check, label):
        outcome = report.outcomes[RunKey(f"storage_offset_and_strides/{check}", "cpu")]
        assert isinstance(outcome, Observed)
        return outcome.value[label]

    assert layout("sliced_layout", "a[1:, 2:5]") == {"storage offset": 8, "strides": "(6, 1)"}
    assert layout("transposed_layout", "a.t()") == {"storage offset": 0, "strides": "(1, 4)"}
    assert layout("expanded_layout", "c.expand(3, 4)") == {"storage offset": 0,
                                                           "strides": "(1, 0)"}
