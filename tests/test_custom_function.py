"""Assignment 04 end to end: the solution, the stub and realistic one-bug submissions,
each graded in real child processes against the reference."""

from __future__ import annotations

import pytest

from grader.model.plan import RunKey
from grader.results import CheckResult
from grader.sandbox.outcomes import Observed
from helpers import (
    SOLUTION_04,
    SUBMISSIONS_04,
    assert_loses_exactly,
    by_id,
    failing,
    on_solution,
)

BUGS = {
    # file: (checks it must lose on the CPU, a phrase its messages must contain)
    "bug_passthrough_backward": ({"MyReLU/backward_values", "MyReLU/grad_at_zero",
                                  "MyReLU/gradcheck_float64", "MyReLU/float_dtypes",
                                  "relu_linear_grads/notes_numbers"},
                                 "backward returns grad_output unchanged"),
    "bug_notes_relu": ({"MyReLU/grad_at_zero"}, "at exactly 0"),
    "bug_inplace_forward": ({"MyReLU/input_not_modified"}, "in-place"),
    "bug_leaky_one_value": ({"MyLeakyReLU/backward_values", "MyLeakyReLU/grad_at_zero",
                             "MyLeakyReLU/returns_grad_and_none"}, "(grad_input, None)"),
    "bug_float32_mask": ({"MyReLU/float_dtypes"}, "expected dtype torch.float16"),
    "bug_leaky_no_slope": ({"MyLeakyReLU/backward_values", "MyLeakyReLU/grad_at_zero",
                            "MyLeakyReLU/returns_grad_and_none"}, "negative_slope"),
    "bug_leaky_one_at_zero": ({"MyLeakyReLU/grad_at_zero"}, "negative_slope, not 1"),
    "bug_no_fresh_copy": ({"relu_linear_grads/fresh_leaf_copies"}, "fresh leaf copies"),
    "bug_sum_loss": ({"relu_linear_grads/notes_numbers"}, "sum of squared errors"),
    "bug_backward_detached": ({"MyReLU/backward_values"}, "not connected to grad_output"),
    "bug_backward_float32": ({"MyReLU/backward_values"}, "rounded through float32"),
    "bug_leaky_float32_slope": ({"MyLeakyReLU/forward_values", "MyLeakyReLU/backward_values"},
                                "torch.tensor(negative_slope) makes a float32 tensor"),
    "bug_leaky_backward_data": ({"MyLeakyReLU/backward_values"}, "not connected to grad_output"),
}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_bug_loses_exactly_its_checks_with_a_message_naming_it(grade, bug):
    expected_failures, phrase = BUGS[bug]
    result = grade(on_solution(SUBMISSIONS_04 / f"{bug}.py"))
    assert_loses_exactly(result, expected_failures, phrase)


def test_value_mismatch_says_where_and_what(grade):
    result = grade(on_solution(SUBMISSIONS_04 / "bug_notes_relu.py"))
    check = by_id(result, "MyReLU/grad_at_zero")
    assert isinstance(check, CheckResult)
    # The input holds an exact 0.0 and -0.0 at drawn places: the notes' mask gives 1 at both.
    assert "input.grad" in check.message and "index [" in check.message
    assert "expected 0, got 1" in check.message
    assert check.diff is not None and len(check.diff.mismatched) == 2


def test_student_output_is_captured_and_does_not_disturb_grading(grade):
    result = grade(SUBMISSIONS_04 / "correct_with_prints.py")
    assert failing(result) == set()
    assert "loss is" in result.output.stdout


def test_cpu_gradient_bug_passes_on_the_cpu(grade):
    result = grade(on_solution(SUBMISSIONS_04 / "bug_cpu_grad.py"))
    assert failing(result, "cpu") == set()


@pytest.mark.cuda
def test_cpu_gradient_bug_fails_on_cuda_naming_the_device(grade):
    result = grade(on_solution(SUBMISSIONS_04 / "bug_cpu_grad.py"))
    lost = failing(result, "cuda")
    assert "MyReLU/backward_values" in lost and "MyReLU/output_device" in lost
    assert failing(result, "cpu") == set()
    assert any("cpu" in c.message for c in result.checks if c.id in lost and c.device == "cuda")


@pytest.mark.cuda
def test_solution_passes_on_cuda_with_points_split_between_devices(grade, custom_function):
    result = grade(SOLUTION_04, scope="all")
    assert failing(result, "cuda") == set() and failing(result, "cpu") == set()
    spec = custom_function.check("MyReLU/forward_values")
    entries = [c for c in result.checks if c.id == spec.id]
    assert sorted(c.max_score for c in entries) == [spec.points / 2] * 2


def test_without_cuda_the_cuda_entries_are_skipped_and_worth_nothing(grade):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    result = grade(SOLUTION_04)
    cuda = [c for c in result.checks if c.device == "cuda"]
    assert cuda and all(c.status == "skipped" and c.max_score == 0 for c in cuda)
    assert result.score == result.max_score


def test_the_reference_reproduces_the_notes_numbers(references, custom_function):
    report = references.get(custom_function, scope="public")
    outcome = report.outcomes[RunKey("relu_linear_grads/notes_numbers", "cpu")]
    assert isinstance(outcome, Observed)
    assert outcome.value["w.grad"].values.tolist() == [[4.5, 4.5]]
    assert outcome.value["b.grad"].values.tolist() == [[4.5]]
