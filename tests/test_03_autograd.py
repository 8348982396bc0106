"""Assignment 03 end to end: the reference reproduces the notes' numbers, and realistic one-bug
submissions (and the notes' code as written) lose exactly the checks about their bug, public
and hidden, with a message that names it. Everything is graded in real child processes."""

from __future__ import annotations

import pytest

from grader.model.plan import RunKey
from grader.results import CheckResult
from grader.sandbox.outcomes import Observed
from helpers import SOLUTIONS, SUBMISSIONS, assert_loses_exactly, by_id, failing, on_solution

SUBMISSIONS_03 = SUBMISSIONS / "03_autograd"
SOLUTION_03 = SOLUTIONS / "03_autograd" / "autograd_basics.py"

BUGS = {
    # file: (checks it must lose on the CPU, public and hidden; a phrase of their messages)
    "bug_quadratic_callers_x": ({"quadratic_grad/leaves_x_untouched",
                                 "quadratic_grad/leaves_float64_x_untouched"},
                                "x.detach().clone().requires_grad_(True)"),
    "bug_quadratic_gradient_x": ({"quadratic_grad/notes_scalar", "quadratic_grad/notes_matrix",
                                  "quadratic_grad/float_coefficients",
                                  "quadratic_grad/shape_dtype_device",
                                  "quadratic_grad/other_shapes_and_coefficients"},
                                 "backward(gradient=x)"),
    "bug_quadratic_no_gradient": ({"quadratic_grad/notes_matrix",
                                   "quadratic_grad/float_coefficients",
                                   "quadratic_grad/shape_dtype_device",
                                   "quadratic_grad/other_shapes_and_coefficients"},
                                  "gradient=torch.ones_like(y)"),
    "bug_no_create_graph": ({"first_and_second_derivative/notes_numbers",
                             "first_and_second_derivative/non_constant_second_derivative",
                             "first_and_second_derivative/returns_two_0d_tensors",
                             "first_and_second_derivative/other_functions",
                             "first_and_second_derivative/float32_0d_tensors",
                             "first_and_second_derivative/linear_and_constant_f"},
                            "create_graph=True"),
    "bug_derivatives_as_floats": ({"first_and_second_derivative/returns_two_0d_tensors",
                                   "first_and_second_derivative/float32_0d_tensors"},
                                  "not Python numbers"),
    "bug_no_allow_unused": ({"grads_of_outputs/unused_input_gets_zeros",
                             "grads_of_outputs/several_unused_inputs"}, "allow_unused=True"),
    "bug_unused_none": ({"grads_of_outputs/unused_input_gets_zeros",
                         "grads_of_outputs/several_unused_inputs"},
                        "expected a tensor, got None"),
    "bug_grads_list": ({"grads_of_outputs/returns_tuple"}, "return a tuple"),
    "bug_grads_backward": ({"grads_of_outputs/inputs_grad_untouched"},
                           "torch.autograd.grad returns the gradients"),
    "bug_minimize_adam": ({"minimize_quadratic/notes_numbers",
                           "minimize_quadratic/other_coefficients_lr_steps",
                           "minimize_quadratic/float64_coefficients",
                           "minimize_quadratic/one_and_two_steps"}, "this is what Adam gives"),
    "bug_minimize_no_zero_grad": ({"minimize_quadratic/notes_numbers",
                                   "minimize_quadratic/other_coefficients_lr_steps",
                                   "minimize_quadratic/float64_coefficients",
                                   "minimize_quadratic/one_and_two_steps"},
                                  "forgetting optimizer.zero_grad()"),
    "bug_minimize_fixed_steps": ({"minimize_quadratic/other_coefficients_lr_steps",
                                  "minimize_quadratic/float64_coefficients",
                                  "minimize_quadratic/one_and_two_steps"},
                                 "use the lr and steps arguments"),
    "bug_no_retain_grad": ({"intermediate_grads/notes_numbers",
                            "intermediate_grads/other_x_values"}, "retain_grad()"),
    "bug_accumulated_zeroed": ({"accumulated_grad/times_1_and_3",
                                "accumulated_grad/other_shapes_dtypes_times"},
                               "without zeroing in between"),
    "bug_accumulated_callers_x": ({"accumulated_grad/leaves_x_untouched",
                                   "accumulated_grad/leaves_float64_x_untouched"},
                                  "work on a fresh leaf copy"),
    "bug_accumulated_no_retain_graph": ({"accumulated_grad/times_1_and_3",
                                         "accumulated_grad/other_shapes_dtypes_times"},
                                        "retain_graph=True"),
    "bug_linear_f_raises": ({"first_and_second_derivative/linear_and_constant_f"},
                            "test dy_dx.requires_grad"),
    "bug_minimize_default_device": ({"minimize_quadratic/starts_on_the_coefficients_device"},
                                    "without device="),
    "bug_derivative_not_detached": ({"first_and_second_derivative/non_constant_second_derivative"},
                                    "f'(x) requires grad"),
}


@pytest.fixture
def grade(grade_for):
    return grade_for("03_autograd")


@pytest.fixture(scope="module")
def autograd(load):
    return load("03_autograd")


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_bug_loses_exactly_its_checks_with_a_message_naming_it(grade, bug):
    expected_failures, phrase = BUGS[bug]
    result = grade(on_solution(SUBMISSIONS_03 / f"{bug}.py"), scope="all")
    assert_loses_exactly(result, expected_failures, phrase)


def test_the_notes_code_loses_what_differs_from_the_contract_and_says_why(grade):
    result = grade(SUBMISSIONS_03 / "notes_code.py", scope="all")
    assert failing(result) == {
        "quadratic_grad/leaves_x_untouched", "quadratic_grad/leaves_float64_x_untouched",
        "first_and_second_derivative/leaves_x_untouched",
        "grads_of_outputs/unused_input_gets_zeros", "grads_of_outputs/several_unused_inputs",
        "minimize_quadratic/float64_coefficients",
        "minimize_quadratic/starts_on_the_coefficients_device",
        "first_and_second_derivative/linear_and_constant_f",
        "first_and_second_derivative/non_constant_second_derivative",
        "intermediate_grads/notes_numbers", "intermediate_grads/other_x_values",
        "intermediate_grads/leaves_x_untouched", "intermediate_grads/leaves_float64_x_untouched",
    }

    def message(check_id: str) -> str:
        check = by_id(result, check_id)
        assert isinstance(check, CheckResult)
        return check.message

    # backward on the caller's x adds into the .grad it already holds
    assert "x holding a .grad: its .grad unchanged" in message("quadratic_grad/leaves_x_untouched")
    assert "x.detach().clone()" in message("quadratic_grad/leaves_x_untouched")
    # reading .grad of non-leaf tensors without retain_grad gives None
    notes = message("intermediate_grads/notes_numbers")
    assert "y1: expected a tensor, got None" in notes and ".retain_grad()" in notes
    # autograd.grad on an x without requires_grad
    derivative = message("first_and_second_derivative/leaves_x_untouched")
    assert "x without requires_grad: result" in derivative and "does not require grad" in derivative
    assert "allow_unused=True" in message("grads_of_outputs/unused_input_gets_zeros")
    assert "dtype=a.dtype" in message("minimize_quadratic/float64_coefficients")


def test_the_reference_reproduces_the_notes_numbers(references, autograd):
    report = references.get(autograd, scope="public")

    def observed(check_id: str):
        outcome = report.outcomes[RunKey(check_id, "cpu")]
        assert isinstance(outcome, Observed)
        return outcome.value

    assert observed("quadratic_grad/notes_scalar")["dy/dx"].values.item() == -2.0
    assert observed("quadratic_grad/notes_matrix")["dy/dx"].values.tolist() == [[-2.0, -2.0],
                                                                                [0.0, 2.0]]
    assert observed("first_and_second_derivative/notes_numbers") == {"f'(x)": -2.0,
                                                                     "f''(x)": 2.0}
    assert [g.values.item() for g in observed("grads_of_outputs/notes_numbers")["gradients"]] \
        == [3.0, 2.0]
    x = observed("minimize_quadratic/notes_numbers")["x"]
    assert x == pytest.approx(1 - 0.98 ** 500, abs=1e-6) and x == pytest.approx(1.0, abs=1e-4)
    grads = observed("intermediate_grads/notes_numbers")
    assert {key: grads[key].values.item() for key in grads} == {"x": 4.0, "y1": -4.0,
                                                                "y2": 4.0, "loss": 1.0}


@pytest.mark.cuda
def test_the_notes_cpu_x_in_minimize_quadratic_also_loses_the_device_check_on_cuda(grade):
    result = grade(SUBMISSIONS_03 / "notes_code.py")
    assert failing(result, "cuda") == failing(result) | {"minimize_quadratic/returns_0d_tensor"}
    check = by_id(result, "minimize_quadratic/returns_0d_tensor", "cuda")
    assert isinstance(check, CheckResult) and "cpu" in check.message


@pytest.mark.cuda
def test_solution_passes_on_cuda(grade):
    result = grade(SOLUTION_03, scope="all")
    assert failing(result, "cuda") == set() and failing(result, "cpu") == set()
    assert any(c.device == "cuda" and c.status == "passed" for c in result.checks)
